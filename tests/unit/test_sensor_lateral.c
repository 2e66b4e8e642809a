/* test_sensor_lateral.c - detect_lateral.c on connections built here, one
 * TCP flow each, fed through sensor_packet() as a capture would be: SMB2
 * trees, CREATEs and WRITE/IOCTL to pipes and files, SMB1 TRANS
 * TransactNmPipe, DCE/RPC binds (NDR, NDR64) and requests scattered over
 * many writes or longer than the kept prefix. Every "raises nothing" case
 * sits beside its positive twin that differs in one thing. (The real
 * captures are in test_sensor_pcaps.c; impacket against Samba in
 * tests/integration/test_sensor_lab.sh.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ndr_build.h"
#include "sensor/packet.h"
#include "sensor/sensor.h"
#include "wire/dcerpc.h"
#include "wire/rpc_stubs.h"

/* ---- alerts ---- */

struct got {
	char line[16][900];
	unsigned n;
};

static void collect(void *ctx, const struct sensor_alert *a)
{
	struct got *g = ctx;
	if (g->n < 16)
		snprintf(g->line[g->n++], sizeof g->line[0], "%s %s %s", a->id, a->severity,
			 a->evidence);
}

/* ---- one TCP connection 198.18.0.1:port -> 198.18.1.12:445 ---- */

struct conn {
	struct sensor *s;
	uint16_t port;
	uint32_t seq[2];
	uint64_t ts;
};

static void seg(struct conn *c, int to_server, const uint8_t *p, size_t n, uint8_t flags)
{
	struct pkt k;
	memset(&k, 0, sizeof k);
	k.ts_us = 1700000000000000ull + c->ts++ * 1000;
	k.family = 4;
	uint8_t cli[4] = {198, 18, 0, 1}, srv[4] = {198, 18, 1, 12};
	memcpy(k.src, to_server ? cli : srv, 4);
	memcpy(k.dst, to_server ? srv : cli, 4);
	k.sport = to_server ? c->port : 445;
	k.dport = to_server ? 445 : c->port;
	k.seq = c->seq[!to_server];
	k.flags = flags;
	k.payload = p;
	k.payload_len = n;
	sensor_packet(c->s, &k);
	c->seq[!to_server] += (uint32_t)n + ((flags & PKT_TCP_SYN) ? 1 : 0);
}

static void conn_open(struct conn *c, struct sensor *s, uint16_t port)
{
	memset(c, 0, sizeof *c);
	c->s = s;
	c->port = port;
	c->seq[0] = 1000;
	c->seq[1] = 9000;
	seg(c, 1, NULL, 0, PKT_TCP_SYN);
	seg(c, 0, NULL, 0, PKT_TCP_SYN | PKT_TCP_ACK);
}

/* One SMB message in an NBSS frame, one segment. */
static void send_msg(struct conn *c, int to_server, const uint8_t *m, size_t n)
{
	uint8_t f[8192];
	assert_true(n + 4 <= sizeof f);
	f[0] = 0;
	f[1] = (uint8_t)(n >> 16);
	f[2] = (uint8_t)(n >> 8);
	f[3] = (uint8_t)n;
	memcpy(f + 4, m, n);
	seg(c, to_server, f, n + 4, PKT_TCP_ACK | PKT_TCP_PSH);
}

/* ---- SMB2 messages (MS-SMB2 2.2) ---- */

static uint64_t mid;

static void smb2_hdr(struct wr *w, uint16_t cmd, uint64_t m, uint32_t tid, bool reply)
{
	static const uint8_t magic[4] = {0xfe, 'S', 'M', 'B'};
	wr_bytes(w, magic, 4);
	wr_u16le(w, 64);
	wr_u16le(w, 1);
	wr_u32le(w, 0); /* status */
	wr_u16le(w, cmd);
	wr_u16le(w, 1);
	wr_u32le(w, reply ? 1 : 0);
	wr_u32le(w, 0); /* next command */
	wr_u64le(w, m);
	wr_u32le(w, 0);
	wr_u32le(w, tid);
	wr_u64le(w, 0x1122);
	wr_zeros(w, 16);
}

static void tree(struct conn *c, const char *path, uint32_t tid, bool ipc)
{
	uint8_t b[512];
	struct wr w;
	uint64_t m = ++mid;
	wr_init(&w, b, sizeof b);
	smb2_hdr(&w, 3, m, 0, false);
	wr_u16le(&w, 9);
	wr_u16le(&w, 0);
	wr_u16le(&w, 72);
	wr_u16le(&w, (uint16_t)(2 * strlen(path)));
	wr_utf16le_ascii(&w, path);
	send_msg(c, 1, b, w.len);
	wr_init(&w, b, sizeof b);
	smb2_hdr(&w, 3, m, tid, true);
	wr_u16le(&w, 16);
	wr_u8(&w, ipc ? 2 : 1);
	wr_zeros(&w, 13);
	send_msg(c, 0, b, w.len);
}

static void create(struct conn *c, uint32_t tid, const char *name, uint64_t fid)
{
	uint8_t b[512];
	struct wr w;
	uint64_t m = ++mid;
	wr_init(&w, b, sizeof b);
	smb2_hdr(&w, 5, m, tid, false);
	wr_u16le(&w, 57);
	wr_zeros(&w, 42);
	wr_u16le(&w, 120);
	wr_u16le(&w, (uint16_t)(2 * strlen(name)));
	wr_zeros(&w, 8);
	wr_utf16le_ascii(&w, name);
	send_msg(c, 1, b, w.len);
	wr_init(&w, b, sizeof b);
	smb2_hdr(&w, 5, m, tid, true);
	wr_u16le(&w, 89);
	wr_zeros(&w, 62);
	wr_u64le(&w, fid);
	wr_u64le(&w, fid + 0x100);
	wr_zeros(&w, 8);
	send_msg(c, 0, b, w.len);
}

static void write2(struct conn *c, uint32_t tid, uint64_t fid, uint64_t off, const uint8_t *d,
		   size_t n)
{
	uint8_t b[8192];
	struct wr w;
	wr_init(&w, b, sizeof b);
	smb2_hdr(&w, 9, ++mid, tid, false);
	wr_u16le(&w, 49);
	wr_u16le(&w, 112);
	wr_u32le(&w, (uint32_t)n);
	wr_u64le(&w, off);
	wr_u64le(&w, fid);
	wr_u64le(&w, fid + 0x100);
	wr_zeros(&w, 16);
	wr_bytes(&w, d, n);
	assert_int_equal(w.err, 0);
	send_msg(c, 1, b, w.len);
}

static void transceive(struct conn *c, uint32_t tid, uint64_t fid, const uint8_t *d, size_t n)
{
	uint8_t b[8192];
	struct wr w;
	wr_init(&w, b, sizeof b);
	smb2_hdr(&w, 0x0b, ++mid, tid, false);
	wr_u16le(&w, 57);
	wr_u16le(&w, 0);
	wr_u32le(&w, 0x0011C017);
	wr_u64le(&w, fid);
	wr_u64le(&w, fid + 0x100);
	wr_u32le(&w, 120);
	wr_u32le(&w, (uint32_t)n);
	wr_zeros(&w, 24);
	wr_bytes(&w, d, n);
	assert_int_equal(w.err, 0);
	send_msg(c, 1, b, w.len);
}

/* ---- DCE/RPC PDUs ---- */

static const uint8_t uuid_svcctl[16] = {0x81, 0xbb, 0x7a, 0x36, 0x44, 0x98, 0xf1, 0x35,
					0xad, 0x32, 0x98, 0xf0, 0x38, 0x00, 0x10, 0x03};
static const uint8_t uuid_winreg[16] = {0x01, 0xd0, 0x8c, 0x33, 0x44, 0x22, 0xf1, 0x31,
					0xaa, 0xaa, 0x90, 0x00, 0x38, 0x00, 0x10, 0x03};
static const uint8_t uuid_tsch[16] = {0x49, 0x59, 0xd3, 0x86, 0xc9, 0x83, 0x44, 0x40,
				      0xb4, 0x24, 0xdb, 0x36, 0x32, 0x31, 0xfd, 0x0c};

static void rpc_hdr(struct wr *w, uint8_t ptype, uint8_t flags, size_t *len_at)
{
	wr_u8(w, 5);
	wr_u8(w, 0);
	wr_u8(w, ptype);
	wr_u8(w, flags);
	wr_u32le(w, 0x10);
	wr_hole(w, 2, len_at);
	wr_u16le(w, 0);
	wr_u32le(w, 7);
}

/* BIND offering the interface as context 0 (NDR) and 1 (NDR64). */
static size_t bind_pdu(uint8_t *b, size_t cap, const uint8_t *uuid, uint16_t ver)
{
	struct wr w;
	size_t at;
	wr_init(&w, b, cap);
	rpc_hdr(&w, DCERPC_PTYPE_BIND, 3, &at);
	wr_u16le(&w, 4280);
	wr_u16le(&w, 4280);
	wr_u32le(&w, 0);
	wr_u8(&w, 2);
	wr_zeros(&w, 3);
	for (uint16_t id = 0; id < 2; id++) {
		const struct dcerpc_syntax *x = id ? &dcerpc_ndr64 : &dcerpc_ndr;
		wr_u16le(&w, id);
		wr_u8(&w, 1);
		wr_u8(&w, 0);
		wr_bytes(&w, uuid, 16);
		wr_u16le(&w, ver);
		wr_u16le(&w, 0);
		wr_bytes(&w, x->uuid, 16);
		wr_u16le(&w, x->ver_major);
		wr_u16le(&w, x->ver_minor);
	}
	wr_patch_u16le(&w, at, (uint16_t)w.len);
	assert_int_equal(w.err, 0);
	return w.len;
}

static size_t request_pdu(uint8_t *b, size_t cap, uint16_t ctx, uint16_t opnum,
			  const uint8_t *stub, size_t n, uint8_t flags)
{
	struct wr w;
	size_t at;
	wr_init(&w, b, cap);
	rpc_hdr(&w, DCERPC_PTYPE_REQUEST, flags, &at);
	wr_u32le(&w, (uint32_t)n);
	wr_u16le(&w, ctx);
	wr_u16le(&w, opnum);
	wr_bytes(&w, stub, n);
	wr_patch_u16le(&w, at, (uint16_t)w.len);
	assert_int_equal(w.err, 0);
	return w.len;
}

#define FIRST_LAST (DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG)

static size_t create_service_stub(uint8_t *b, size_t cap, bool n64, const char *name,
				  const char *binary)
{
	struct ndrw n = {.n64 = n64};
	wr_init(&n.w, b, cap);
	w_handle(&n);
	w_wstr(&n, name);
	w_size(&n, 0);
	for (int i = 0; i < 4; i++)
		w_u32(&n, 0x10);
	w_wstr(&n, binary);
	assert_int_equal(n.w.err, 0);
	return n.w.len;
}

static size_t rrp_stub(uint8_t *b, size_t cap, bool n64, const char *s)
{
	struct ndrw n = {.n64 = n64};
	wr_init(&n.w, b, cap);
	w_handle(&n);
	w_rrp(&n, s);
	w_u32(&n, 0);
	assert_int_equal(n.w.err, 0);
	return n.w.len;
}

static struct sensor *new_sensor(struct got *g)
{
	struct sensor_config cfg;
	sensor_config_defaults(&cfg);
	cfg.alert_fn = collect;
	cfg.alert_ctx = g;
	struct sensor *s = sensor_new(&cfg);
	assert_non_null(s);
	memset(g, 0, sizeof *g);
	return s;
}

static void expect(const struct got *g, unsigned i, const char *prefix)
{
	if (i >= g->n)
		fail_msg("alert %u missing, want \"%s\"", i, prefix);
	if (strncmp(g->line[i], prefix, strlen(prefix)) != 0)
		fail_msg("alert %u is \"%s\", want \"%s...\"", i, g->line[i], prefix);
}

/* PsExec's pattern over SMB2: an MZ file on C$, then svcctl CreateServiceW
 * by IOCTL transceive. Beside it the same on an ordinary share, and a
 * bind to an interface we do not follow. */
static void test_psexec_pattern(void **state)
{
	(void)state;
	struct got g;
	struct conn c;
	uint8_t pdu[2048], stub[1024], mz[64] = {'M', 'Z', 0x90};

	struct sensor *s = new_sensor(&g);
	conn_open(&c, s, 40001);
	tree(&c, "\\\\lab\\C$", 5, false);
	create(&c, 5, "Windows\\payload.bin", 0x40); /* name says nothing: MZ does */
	write2(&c, 5, 0x40, 0, mz, sizeof mz);
	write2(&c, 5, 0x40, 64, mz, sizeof mz); /* once per file */
	tree(&c, "\\\\lab\\IPC$", 6, true);
	create(&c, 6, "svcctl", 0x50);
	write2(&c, 6, 0x50, 0, pdu, bind_pdu(pdu, sizeof pdu, uuid_svcctl, 2));
	size_t n = create_service_stub(stub, sizeof stub, false, "RemSvc", "%SystemRoot%\\payload.bin");
	transceive(&c, 6, 0x50, pdu, request_pdu(pdu, sizeof pdu, 0, 12, stub, n, FIRST_LAST));
	sensor_finish(s);
	sensor_free(s);
	assert_int_equal(g.n, 3);
	expect(&g, 0, "ADMIN_SHARE_EXEC_WRITE high executable C$\\Windows\\payload.bin written "
		      "to an administrative share (MZ header");
	expect(&g, 1, "LATERAL_SERVICE_CREATE high service \"RemSvc\" created remotely over "
		      "\\svcctl (svcctl CreateServiceW, opnum 12), binary %SystemRoot%\\payload.bin");
	expect(&g, 2, "ADMIN_SHARE_EXEC_WRITE critical executable C$\\Windows\\payload.bin written "
		      "to an administrative share, then service creation \"RemSvc\"");

	/* the same bytes on an ordinary share, and CreateServiceW's opnum on
	 * a pipe bound to winreg: nothing */
	s = new_sensor(&g);
	conn_open(&c, s, 40002);
	tree(&c, "\\\\lab\\data", 5, false);
	create(&c, 5, "tool.exe", 0x40);
	write2(&c, 5, 0x40, 0, mz, sizeof mz);
	tree(&c, "\\\\lab\\IPC$", 6, true);
	create(&c, 6, "winreg", 0x50);
	write2(&c, 6, 0x50, 0, pdu, bind_pdu(pdu, sizeof pdu, uuid_winreg, 1));
	transceive(&c, 6, 0x50, pdu, request_pdu(pdu, sizeof pdu, 0, 12, stub, n, FIRST_LAST));
	sensor_finish(s);
	sensor_free(s);
	assert_int_equal(g.n, 0);

	/* an .exe name on ADMIN$ without MZ bytes (written past offset 0) */
	s = new_sensor(&g);
	conn_open(&c, s, 40003);
	tree(&c, "\\\\lab\\ADMIN$", 7, false);
	create(&c, 7, "svc.EXE", 0x60);
	write2(&c, 7, 0x60, 4096, mz + 8, 8);
	sensor_finish(s);
	sensor_free(s);
	assert_int_equal(g.n, 1);
	expect(&g, 0, "ADMIN_SHARE_EXEC_WRITE high executable ADMIN$\\svc.EXE written to an "
		      "administrative share (executable file name)");
}

/* Metasploit writes one fragment in pieces; a request longer than the
 * kept prefix is skipped by its length and the next PDU still decoded. */
static void test_scattered_and_long(void **state)
{
	(void)state;
	struct got g;
	struct conn c;
	static uint8_t pdu[12000], stub[10000];
	char longpath[4000];

	struct sensor *s = new_sensor(&g);
	conn_open(&c, s, 40010);
	tree(&c, "\\\\lab\\IPC$", 6, true);
	create(&c, 6, "svcctl", 0x50);
	size_t n = bind_pdu(pdu, sizeof pdu, uuid_svcctl, 2);
	for (size_t i = 0; i < n; i += 7) /* 7-byte writes */
		write2(&c, 6, 0x50, 0, pdu + i, n - i < 7 ? n - i : 7);
	memset(longpath, 'A', sizeof longpath - 1);
	longpath[sizeof longpath - 1] = '\0';
	/* 8000+ bytes of stub: beyond the 4 KiB kept, and split in 3 writes */
	n = create_service_stub(stub, sizeof stub, true, "FirstSvc", longpath);
	n = request_pdu(pdu, sizeof pdu, 1, 12, stub, n, FIRST_LAST);
	assert_true(n > 8000);
	write2(&c, 6, 0x50, 0, pdu, 3000);
	write2(&c, 6, 0x50, 0, pdu + 3000, 3000);
	write2(&c, 6, 0x50, 0, pdu + 6000, n - 6000);
	n = create_service_stub(stub, sizeof stub, true, "SecondSvc", "c:\\x.exe");
	transceive(&c, 6, 0x50, pdu, request_pdu(pdu, sizeof pdu, 1, 45, stub, n, FIRST_LAST));
	/* a later fragment (not FIRST_FRAG) carries no new call */
	transceive(&c, 6, 0x50, pdu, request_pdu(pdu, sizeof pdu, 1, 12, stub, n,
						 DCERPC_PFC_LAST_FRAG));
	sensor_finish(s);
	sensor_free(s);
	assert_int_equal(g.n, 2);
	expect(&g, 0, "LATERAL_SERVICE_CREATE high service \"FirstSvc\"");
	assert_non_null(strstr(g.line[0], "binary AAAA"));
	expect(&g, 1, "LATERAL_SERVICE_CREATE high service \"SecondSvc\" created remotely over "
		      "\\svcctl (svcctl CreateServiceWOW64W, opnum 45), binary c:\\x.exe");
}

/* secretsdump: OpenKey SAM then SaveKey; CreateKey / SetValue are writes;
 * SaveKey of another key is an export at high. NDR64 here. */
static void test_winreg(void **state)
{
	(void)state;
	struct got g;
	struct conn c;
	uint8_t pdu[2048], stub[1024];
	size_t n;

	struct sensor *s = new_sensor(&g);
	conn_open(&c, s, 40020);
	tree(&c, "\\\\lab\\IPC$", 6, true);
	create(&c, 6, "winreg", 0x70);
	write2(&c, 6, 0x70, 0, pdu, bind_pdu(pdu, sizeof pdu, uuid_winreg, 1));
	n = rrp_stub(stub, sizeof stub, true, "SAM");
	write2(&c, 6, 0x70, 0, pdu, request_pdu(pdu, sizeof pdu, 1, 15, stub, n, FIRST_LAST));
	n = rrp_stub(stub, sizeof stub, true, "..\\Temp\\qwerty.tmp");
	write2(&c, 6, 0x70, 0, pdu, request_pdu(pdu, sizeof pdu, 1, 20, stub, n, FIRST_LAST));
	n = rrp_stub(stub, sizeof stub, true, "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run");
	write2(&c, 6, 0x70, 0, pdu, request_pdu(pdu, sizeof pdu, 1, 15, stub, n, FIRST_LAST));
	n = rrp_stub(stub, sizeof stub, true, "Updater");
	write2(&c, 6, 0x70, 0, pdu, request_pdu(pdu, sizeof pdu, 1, 22, stub, n, FIRST_LAST));
	n = rrp_stub(stub, sizeof stub, true, "SOFTWARE\\Evil");
	write2(&c, 6, 0x70, 0, pdu, request_pdu(pdu, sizeof pdu, 1, 6, stub, n, FIRST_LAST));
	n = rrp_stub(stub, sizeof stub, true, "C:\\evil.hiv");
	write2(&c, 6, 0x70, 0, pdu, request_pdu(pdu, sizeof pdu, 1, 31, stub, n, FIRST_LAST));
	sensor_finish(s);
	sensor_free(s);
	assert_int_equal(g.n, 4);
	expect(&g, 0, "REMOTE_SECRETS_DUMP critical BaseRegSaveKey over \\winreg of key \"SAM\" "
		      "to file \"..\\Temp\\qwerty.tmp\" - the credential hives");
	expect(&g, 1, "REMOTE_REGISTRY_WRITE medium remote registry BaseRegSetValue over "
		      "\\winreg: value \"Updater\" (key last opened: "
		      "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run)");
	expect(&g, 2, "REMOTE_REGISTRY_WRITE medium remote registry BaseRegCreateKey over "
		      "\\winreg: key \"SOFTWARE\\Evil\"");
	expect(&g, 3, "REMOTE_SECRETS_DUMP high BaseRegSaveKeyEx over \\winreg of key "
		      "\"SOFTWARE\\Evil\"");
}

/* ---- SMB1: TRANS TransactNmPipe on an NT_CREATE_ANDX FID ---- */

static void smb1_hdr(struct wr *w, uint8_t cmd, uint16_t m, uint16_t tid, bool reply)
{
	static const uint8_t magic[4] = {0xff, 'S', 'M', 'B'};
	wr_bytes(w, magic, 4);
	wr_u8(w, cmd);
	wr_u32le(w, 0);
	wr_u8(w, reply ? 0x98 : 0x18);
	wr_u16le(w, 0x0001); /* FLAGS2: long names, OEM strings */
	wr_zeros(w, 12);
	wr_u16le(w, tid);
	wr_u16le(w, 0x1234);
	wr_u16le(w, 0x0800);
	wr_u16le(w, m);
}

static void test_smb1_transact(void **state)
{
	(void)state;
	struct got g;
	struct conn c;
	uint8_t b[4096], pdu[2048], stub[1024];
	struct wr w;
	size_t n;

	struct sensor *s = new_sensor(&g);
	conn_open(&c, s, 40030);
	/* TREE_CONNECT_ANDX \\LAB\IPC$ and its answer (service "IPC") */
	wr_init(&w, b, sizeof b);
	smb1_hdr(&w, 0x75, 1, 0, false);
	wr_u8(&w, 4);
	wr_u8(&w, 0xff);
	wr_zeros(&w, 3);
	wr_u16le(&w, 0);
	wr_u16le(&w, 1);
	wr_u16le(&w, 1 + 11 + 6);
	wr_bytes(&w, "\0\\\\LAB\\IPC$\0?????\0", 1 + 11 + 6);
	send_msg(&c, 1, b, w.len);
	wr_init(&w, b, sizeof b);
	smb1_hdr(&w, 0x75, 1, 0x0801, true);
	wr_u8(&w, 3);
	wr_u8(&w, 0xff);
	wr_zeros(&w, 5);
	wr_u16le(&w, 5);
	wr_bytes(&w, "IPC\0\0", 5);
	send_msg(&c, 0, b, w.len);
	/* NT_CREATE_ANDX \atsvc -> FID 0x4002 */
	wr_init(&w, b, sizeof b);
	smb1_hdr(&w, 0xA2, 2, 0x0801, false);
	wr_u8(&w, 24);
	wr_u8(&w, 0xff);
	wr_zeros(&w, 4);
	wr_u16le(&w, 6);
	wr_zeros(&w, 48 - 7);
	wr_u16le(&w, 7);
	wr_bytes(&w, "\\atsvc\0", 7);
	send_msg(&c, 1, b, w.len);
	wr_init(&w, b, sizeof b);
	smb1_hdr(&w, 0xA2, 2, 0x0801, true);
	wr_u8(&w, 34);
	wr_u8(&w, 0xff);
	wr_zeros(&w, 3);
	wr_u8(&w, 0);
	wr_u16le(&w, 0x4002);
	wr_zeros(&w, 68 - 7);
	wr_u16le(&w, 0);
	send_msg(&c, 0, b, w.len);
	/* bind (WRITE is not needed: TransactNmPipe carries it), then
	 * SchRpcRegisterTask over NDR */
	size_t bl = bind_pdu(pdu, sizeof pdu, uuid_tsch, 1);
	struct ndrw nd = {.n64 = false};
	wr_init(&nd.w, stub, sizeof stub);
	w_size(&nd, 0x20000);
	w_wstr(&nd, "\\Updater");
	w_wstr(&nd, "<Task><Actions><Exec><Command>cmd.exe</Command><Arguments>/c calc"
		    "</Arguments></Exec></Actions></Task>");
	w_u32(&nd, 6);
	n = request_pdu(pdu + bl, sizeof pdu - bl, 0, 1, stub, nd.w.len, FIRST_LAST);
	for (int k = 0; k < 2; k++) {
		const uint8_t *d = k ? pdu + bl : pdu;
		size_t dl = k ? n : bl;
		wr_init(&w, b, sizeof b);
		smb1_hdr(&w, 0x25, (uint16_t)(3 + k), 0x0801, false);
		wr_u8(&w, 16);
		wr_u16le(&w, 0);
		wr_u16le(&w, (uint16_t)dl);
		wr_u16le(&w, 0);
		wr_u16le(&w, 1024);
		wr_zeros(&w, 2 + 2 + 4 + 2);
		wr_u16le(&w, 0);
		wr_u16le(&w, 76);
		wr_u16le(&w, (uint16_t)dl);
		wr_u16le(&w, 76);
		wr_u8(&w, 2);
		wr_u8(&w, 0);
		wr_u16le(&w, 0x0026);
		wr_u16le(&w, 0x4002);
		wr_u16le(&w, (uint16_t)(9 + dl));
		wr_bytes(&w, "\\PIPE\\\0\0\0", 9);
		assert_int_equal(w.len, 76);
		wr_bytes(&w, d, dl);
		send_msg(&c, 1, b, w.len);
	}
	sensor_finish(s);
	sensor_free(s);
	int task = -1;
	for (unsigned i = 0; i < g.n; i++)
		if (strncmp(g.line[i], "LATERAL_TASK_CREATE", 19) == 0)
			task = (int)i;
	if (task < 0)
		fail_msg("no LATERAL_TASK_CREATE among %u alerts", g.n);
	expect(&g, (unsigned)task,
	       "LATERAL_TASK_CREATE high task \"\\Updater\" scheduled remotely over \\atsvc "
	       "(ITaskSchedulerService SchRpcRegisterTask, opnum 1), command cmd.exe /c calc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_psexec_pattern),
		cmocka_unit_test(test_scattered_and_long),
		cmocka_unit_test(test_winreg),
		cmocka_unit_test(test_smb1_transact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
