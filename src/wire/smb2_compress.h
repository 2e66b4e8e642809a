/* smb2_compress.h - the SMB2 COMPRESSION_TRANSFORM_HEADER (MS-SMB2 2.2.42),
 * decoded and checked, never decompressed.
 *
 * Unchained (2.2.42.1), 16 bytes: ProtocolId FC 'SMB',
 * OriginalCompressedSegmentSize(4), CompressionAlgorithm(2), Flags(2) = 0,
 * Offset(4) = length of the uncompressed prefix that follows the header.
 * Chained (2.2.42.2): ProtocolId, OriginalCompressedSegmentSize, then
 * payloads, each CompressionAlgorithm(2) Flags(2) Length(4) and Length
 * bytes; for LZNT1, LZ77 and LZ77+Huffman the first 4 of those are
 * OriginalPayloadSize.
 *
 * CVE-2020-0796 (SMBGhost): srv2.sys allocated Offset +
 * OriginalCompressedSegmentSize in 32 bits, so a huge size wraps the sum to
 * a small buffer that decompression then overruns. CVE-2020-1206 (SMBleed):
 * srv2.sys did not check that the data decompressed to the declared size,
 * so the rest of the buffer (uninitialised kernel memory) was used as the
 * message (a WRITE of it to a file, read back). The checks below name
 * every way the declared sizes can contradict each other, the frame, or
 * (LZNT1, the algorithm of the published SMBleed exploit) the size the
 * data decompresses to, which is computed without decompressing. */
#ifndef SMBW_WIRE_SMB2_COMPRESS_H
#define SMBW_WIRE_SMB2_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/buf.h"

#define SMB2_COMPRESS_HDR_LEN 16
#define SMB2_COMPRESSION_FLAG_CHAINED 0x0001
#define SMB2_COMPRESS_NONE 0x0000
#define SMB2_COMPRESS_LZNT1 0x0001
#define SMB2_COMPRESS_LZ77 0x0002
#define SMB2_COMPRESS_LZ77_HUFFMAN 0x0003
#define SMB2_COMPRESS_PATTERN_V1 0x0004
/* Chained payloads walked at most (a real message has a handful). */
#define SMB2_COMPRESS_MAX_PAYLOADS 64

struct smb2_compress_hdr {
	uint32_t original_size; /* OriginalCompressedSegmentSize */
	uint16_t algorithm;     /* unchained; chained: the first payload's */
	uint16_t flags;         /* SMB2_COMPRESSION_FLAG_CHAINED or 0 */
	bool chained;
	uint32_t offset;        /* unchained: Offset */
	size_t data_len;        /* unchained: bytes after the 16-byte header */
	/* chained only */
	unsigned n_payloads;    /* payload headers walked */
	uint64_t sum_original;  /* sum of the payloads' original sizes */
	bool payload_overrun;   /* a payload's Length runs past the message */
	/* unchained LZNT1 whose data is all here and well formed: what the
	 * data after the Offset prefix decompresses to */
	bool sized;
	uint64_t decompressed;
};

/* Decode the header at the start of msg (a whole NBSS payload). WIRE_OK,
 * WIRE_MALFORMED (not FC 'SMB'), WIRE_TRUNCATED (shorter than the header). */
int smb2_compress_hdr_decode(struct rd *msg, struct smb2_compress_hdr *out);

/* Contradictions, as bit flags (0 = consistent). */
#define SMB2_COMPRESS_BAD_WRAP 0x01   /* Offset + OriginalCompressedSegmentSize wraps 32 bits */
#define SMB2_COMPRESS_BAD_OFFSET 0x02 /* Offset > OriginalCompressedSegmentSize */
#define SMB2_COMPRESS_BAD_FRAME 0x04  /* Offset past the message / a chained payload overruns */
#define SMB2_COMPRESS_BAD_LIMIT 0x08  /* OriginalCompressedSegmentSize > max_size */
#define SMB2_COMPRESS_BAD_CHAIN 0x10  /* chained: payload sizes sum past the declared size */
#define SMB2_COMPRESS_BAD_SHORT 0x20  /* decompresses to less than declared (SMBleed) */
#define SMB2_COMPRESS_BAD_LAST SMB2_COMPRESS_BAD_SHORT

/* What LZNT1 data (MS-XCA 2.5) decompresses to, in bytes, walking its
 * chunks and tokens without producing output. false when it is not well
 * formed (a chunk past the data, a copy reaching before the chunk start or
 * a chunk over 4,096 bytes). A zero chunk header ends the data. */
bool smb2_lznt1_size(struct rd *data, uint64_t *out);

/* Check h against itself and against max_size (the largest message the
 * connection negotiated, or a protocol-wide bound). */
unsigned smb2_compress_check(const struct smb2_compress_hdr *h, uint32_t max_size);
/* Text for one SMB2_COMPRESS_BAD_* bit ("" for others). */
const char *smb2_compress_bad_text(unsigned bit);

#endif
