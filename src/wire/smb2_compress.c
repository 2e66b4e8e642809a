/* smb2_compress.c - COMPRESSION_TRANSFORM_HEADER decoding; see smb2_compress.h. */
#include "wire/smb2_compress.h"

#include <string.h>

#include "wire/wire.h"

static bool has_original_size(uint16_t alg)
{
	return alg == SMB2_COMPRESS_LZNT1 || alg == SMB2_COMPRESS_LZ77 ||
	       alg == SMB2_COMPRESS_LZ77_HUFFMAN;
}

/* MS-SMB2 2.2.42.2: walk the payload headers after the 8-byte prefix. */
static void walk_chain(struct rd *r, struct smb2_compress_hdr *out)
{
	while (rd_left(r) > 0 && out->n_payloads < SMB2_COMPRESS_MAX_PAYLOADS) {
		uint16_t alg, flags;
		uint32_t len, orig;
		struct rd body;
		if (!rd_u16le(r, &alg) || !rd_u16le(r, &flags) || !rd_u32le(r, &len)) {
			out->payload_overrun = true;
			return;
		}
		out->n_payloads++;
		if (!rd_sub(r, len, &body)) {
			out->payload_overrun = true;
			return;
		}
		if (has_original_size(alg)) {
			if (!rd_u32le(&body, &orig)) {
				out->payload_overrun = true;
				return;
			}
			out->sum_original += orig;
		} else if (alg == SMB2_COMPRESS_PATTERN_V1) {
			/* 2.2.42.2.2: Pattern(1) Reserved(3) Repetitions(4) */
			if (rd_skip(&body, 4) && rd_u32le(&body, &orig))
				out->sum_original += orig;
		} else {
			out->sum_original += len;
		}
	}
}

/* MS-XCA 2.5.1: chunk header bits 0-11 chunk size - 3 (with the 2-byte
 * header), bit 15 compressed; a compressed chunk is flag bytes each ruling
 * 8 tokens, a literal byte or a 16-bit copy token whose length/offset
 * split moves with the position in the chunk (2.5.1.1). */
#define LZNT1_CHUNK 4096u

static bool lznt1_chunk(struct rd *c, size_t *pos_out)
{
	size_t pos = 0;
	while (rd_left(c) > 0) {
		uint8_t flags;
		if (!rd_u8(c, &flags))
			return false;
		for (int i = 0; i < 8 && rd_left(c) > 0; i++) {
			if (!(flags >> i & 1)) {
				if (!rd_skip(c, 1))
					return false;
				pos++;
			} else {
				uint16_t tok;
				if (!rd_u16le(c, &tok) || pos == 0)
					return false;
				unsigned shift = 12;
				uint16_t mask = 0x0FFF;
				for (size_t p = pos - 1; p >= 0x10; p >>= 1) {
					shift--;
					mask >>= 1;
				}
				size_t length = (size_t)(tok & mask) + 3;
				size_t offset = (size_t)(tok >> shift) + 1;
				if (offset > pos)
					return false;
				pos += length;
			}
			if (pos > LZNT1_CHUNK)
				return false;
		}
	}
	*pos_out = pos;
	return true;
}

bool smb2_lznt1_size(struct rd *data, uint64_t *out)
{
	uint64_t total = 0;
	while (rd_left(data) >= 2) {
		uint16_t h;
		struct rd c;
		if (!rd_u16le(data, &h))
			return false;
		if (h == 0)
			break;
		size_t len = (size_t)(h & 0x0FFF) + 1;
		if (!rd_sub(data, len, &c))
			return false;
		if (!(h & 0x8000)) {
			total += len;
			continue;
		}
		size_t pos;
		if (!lznt1_chunk(&c, &pos))
			return false;
		total += pos;
	}
	*out = total;
	return true;
}

int smb2_compress_hdr_decode(struct rd *msg, struct smb2_compress_hdr *out)
{
	uint8_t magic[4];
	memset(out, 0, sizeof *out);
	if (!rd_bytes(msg, magic, 4))
		return msg->err;
	if (magic[0] != 0xFC || magic[1] != 'S' || magic[2] != 'M' || magic[3] != 'B')
		return WIRE_MALFORMED;
	if (!rd_u32le(msg, &out->original_size))
		return msg->err;
	/* both forms carry an algorithm and flags at bytes 8-11; the flags say
	 * which form this is */
	struct rd peek = *msg;
	if (!rd_u16le(&peek, &out->algorithm) || !rd_u16le(&peek, &out->flags))
		return peek.err;
	if (out->flags & SMB2_COMPRESSION_FLAG_CHAINED) {
		out->chained = true;
		walk_chain(msg, out);
		return WIRE_OK;
	}
	*msg = peek;
	if (!rd_u32le(msg, &out->offset))
		return msg->err;
	out->data_len = rd_left(msg);
	struct rd data = *msg;
	if (out->algorithm == SMB2_COMPRESS_LZNT1 && rd_skip(&data, out->offset))
		out->sized = smb2_lznt1_size(&data, &out->decompressed);
	return WIRE_OK;
}

unsigned smb2_compress_check(const struct smb2_compress_hdr *h, uint32_t max_size)
{
	unsigned bad = 0;
	if (h->original_size > max_size)
		bad |= SMB2_COMPRESS_BAD_LIMIT;
	if (h->chained) {
		if (h->payload_overrun)
			bad |= SMB2_COMPRESS_BAD_FRAME;
		if (h->sum_original > h->original_size)
			bad |= SMB2_COMPRESS_BAD_CHAIN;
		return bad;
	}
	if ((uint64_t)h->offset + h->original_size > UINT32_MAX)
		bad |= SMB2_COMPRESS_BAD_WRAP;
	if (h->offset > h->original_size)
		bad |= SMB2_COMPRESS_BAD_OFFSET;
	if (h->offset > h->data_len)
		bad |= SMB2_COMPRESS_BAD_FRAME;
	if (h->sized && h->decompressed < h->original_size)
		bad |= SMB2_COMPRESS_BAD_SHORT;
	return bad;
}

const char *smb2_compress_bad_text(unsigned bit)
{
	switch (bit) {
	case SMB2_COMPRESS_BAD_WRAP: return "Offset + OriginalCompressedSegmentSize wraps 32 bits";
	case SMB2_COMPRESS_BAD_OFFSET: return "Offset larger than OriginalCompressedSegmentSize";
	case SMB2_COMPRESS_BAD_FRAME: return "declared data runs past the frame";
	case SMB2_COMPRESS_BAD_LIMIT:
		return "OriginalCompressedSegmentSize above the negotiated maximum";
	case SMB2_COMPRESS_BAD_CHAIN:
		return "chained payloads decompress to more than OriginalCompressedSegmentSize";
	case SMB2_COMPRESS_BAD_SHORT:
		return "LZNT1 data decompresses to less than OriginalCompressedSegmentSize: the rest "
		       "of the server's buffer is uninitialised memory (SMBleed, CVE-2020-1206)";
	default: return "";
	}
}
