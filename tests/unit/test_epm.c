/* test_epm.c - the endpoint mapper codec on Samba 4.17 samba-dcerpcd's own
 * answers (tests/data/epm/README.md): BIND of EPM, the ept_lookup stub,
 * the response entries and their towers (named pipe, ncacn_ip_tcp,
 * ncalrpc), the last page's "no more entries" status, and malformed,
 * oversized and truncated answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/assess.h"
#include "captures_epm.h"
#include "check/check.h"
#include "scan/coercion_hold.h"
#include "record/json.h"
#include "record/json_read.h"
#include "wire/dcerpc.h"
#include "wire/epm.h"
#include "wire/oxid.h"

/* the response stub starts after the 24-byte RESPONSE header */
static int decode_pdu_stub(const uint8_t *p, size_t n, struct epm_lookup_resp *out)
{
	struct rd r;
	struct dcerpc_pdu pdu;
	rd_init(&r, p, n);
	int rc = dcerpc_pdu_decode(&r, &pdu);
	if (rc != WIRE_OK)
		return rc;
	assert_int_equal(pdu.ptype, DCERPC_PTYPE_RESPONSE);
	return epm_lookup_resp_decode(&pdu.stub, out);
}

static struct epm_lookup_resp resp;

static void test_bind_and_request(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct wr w;
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(dcerpc_bind_encode(&w, 1, &dcerpc_epm), WIRE_OK);
	/* the abstract syntax in the BIND: e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0 */
	static const uint8_t epm_uuid[16] = {0x08, 0x83, 0xaf, 0xe1, 0x1f, 0x5d, 0xc9, 0x11,
					     0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa};
	assert_memory_equal(buf + 32, epm_uuid, 16);
	assert_int_equal(buf[48], 3);
	/* Samba accepted that BIND: its BIND_ACK, result 0 */
	struct rd r;
	struct dcerpc_pdu pdu;
	rd_init(&r, epm_samba_4_17_bind_ack, epm_samba_4_17_bind_ack_len);
	assert_int_equal(dcerpc_pdu_decode(&r, &pdu), WIRE_OK);
	assert_int_equal(pdu.ptype, DCERPC_PTYPE_BIND_ACK);
	assert_int_equal(pdu.ack_result, 0);

	uint8_t handle[20] = {0}, stub[64];
	wr_init(&w, stub, sizeof stub);
	handle[19] = 0xAB;
	assert_int_equal(epm_lookup_req_encode(&w, handle, 16), WIRE_OK);
	/* inquiry 0, object NULL, interface NULL, vers_option 1, handle, max_ents */
	static const uint8_t want_head[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
	assert_int_equal(w.len, 40);
	assert_memory_equal(stub, want_head, 16);
	assert_memory_equal(stub + 16, handle, 20);
	assert_int_equal(stub[36], 16);
}

static void test_first_page(void **state)
{
	(void)state;
	assert_int_equal(decode_pdu_stub(epm_samba_4_17_lookup0, epm_samba_4_17_lookup0_len, &resp),
			 WIRE_OK);
	assert_int_equal(resp.n, 16);
	assert_int_equal(resp.status, 0);
	assert_false(epm_handle_is_null(resp.handle));
	for (unsigned i = 0; i < resp.n; i++)
		assert_true(resp.entries[i].has_tower);
	/* entry 0: eventlog 82273fdc-e32a-18c3-3f78-827929dc23ea v0.0 on its pipe */
	static const uint8_t eventlog[16] = {0xdc, 0x3f, 0x27, 0x82, 0x2a, 0xe3, 0xc3, 0x18,
					     0x3f, 0x78, 0x82, 0x79, 0x29, 0xdc, 0x23, 0xea};
	const struct epm_tower *t = &resp.entries[0].tower;
	assert_string_equal(resp.entries[0].annotation, "eventlog");
	assert_true(t->has_iface);
	assert_memory_equal(t->iface.uuid, eventlog, 16);
	assert_int_equal(t->iface.ver_major, 0);
	assert_int_equal(t->proto, EPM_PROTO_NP);
	assert_string_equal(t->endpoint, "\\pipe\\eventlog");
	assert_string_equal(t->binding, "ncacn_np:[\\pipe\\eventlog]");
	/* entry 3: MS-FSRVP a8e0653c-2744-4389-a61d-7373df8b2292 v1.0 */
	static const uint8_t fsrvp[16] = {0x3c, 0x65, 0xe0, 0xa8, 0x44, 0x27, 0x89, 0x43,
					  0xa6, 0x1d, 0x73, 0x73, 0xdf, 0x8b, 0x22, 0x92};
	assert_memory_equal(resp.entries[3].tower.iface.uuid, fsrvp, 16);
	assert_int_equal(resp.entries[3].tower.iface.ver_major, 1);
	assert_string_equal(resp.entries[3].tower.binding, "ncacn_np:[\\pipe\\FssagentRpc]");
	/* entry 5: mdssvc over ncalrpc */
	assert_int_equal(resp.entries[5].tower.proto, EPM_PROTO_LRPC);
	assert_string_equal(resp.entries[5].tower.binding, "ncalrpc:[rpcd_mdssvc]");
	/* entry 7: winreg over TCP, port 0xc002 big-endian, lab address */
	t = &resp.entries[7].tower;
	assert_int_equal(t->proto, EPM_PROTO_TCP);
	assert_int_equal(t->port, 49154);
	assert_string_equal(t->host, "198.18.1.50");
	assert_string_equal(t->binding, "ncacn_ip_tcp:198.18.1.50[49154]");
	/* entry 10: srvsvc, the interface dcerpc.c knows */
	assert_true(dcerpc_syntax_equal(&resp.entries[10].tower.iface, &dcerpc_srvsvc));
	assert_string_equal(resp.entries[10].tower.binding, "ncacn_ip_tcp:198.18.1.50[49153]");
}

static void test_last_page(void **state)
{
	(void)state;
	assert_int_equal(decode_pdu_stub(epm_samba_4_17_lookup2, epm_samba_4_17_lookup2_len, &resp),
			 WIRE_OK);
	/* Samba's last page: entries AND ept_s_not_registered, null handle */
	assert_int_equal(resp.n, 6);
	assert_int_equal(resp.status, EPM_S_NOT_REGISTERED);
	assert_true(epm_handle_is_null(resp.handle));
	/* entry 3: MS-DFSNM netdfs 4fc742e0-4a10-11cf-8273-00aa004ae673 v3.0 */
	static const uint8_t dfsnm[16] = {0xe0, 0x42, 0xc7, 0x4f, 0x10, 0x4a, 0xcf, 0x11,
					  0x82, 0x73, 0x00, 0xaa, 0x00, 0x4a, 0xe6, 0x73};
	assert_string_equal(resp.entries[3].annotation, "netdfs");
	assert_memory_equal(resp.entries[3].tower.iface.uuid, dfsnm, 16);
	assert_int_equal(resp.entries[3].tower.iface.ver_major, 3);
	assert_string_equal(resp.entries[3].tower.binding, "ncacn_ip_tcp:198.18.1.50[49153]");
}

/* A copy of the first page's stub to break. */
static uint8_t stub_copy[4096];
static size_t stub_copy_len(void)
{
	memcpy(stub_copy, epm_samba_4_17_lookup0 + 24, epm_samba_4_17_lookup0_len - 24);
	return epm_samba_4_17_lookup0_len - 24;
}

static int decode_copy(size_t n)
{
	struct rd r;
	rd_init(&r, stub_copy, n);
	return epm_lookup_resp_decode(&r, &resp);
}

static void test_malformed(void **state)
{
	(void)state;
	size_t n = stub_copy_len();
	assert_int_equal(decode_copy(n), WIRE_OK);
	/* actual_count (at 32) different from num_ents (at 20) */
	stub_copy[32] = 15;
	assert_int_equal(decode_copy(n), WIRE_MALFORMED);
	/* more entries than we keep: too large, not a write past the array */
	n = stub_copy_len();
	stub_copy[20] = stub_copy[24] = stub_copy[32] = EPM_LOOKUP_MAX_ENTS + 1;
	assert_int_equal(decode_copy(n), WIRE_TOO_LARGE);
	/* an annotation longer than its char[64] */
	n = stub_copy_len();
	stub_copy[36 + 24] = 65;
	assert_int_equal(decode_copy(n), WIRE_MALFORMED);
	/* a tower's conformance differing from its length (first tower at
	 * the offset after the 16 entries: found by walking them) */
	n = stub_copy_len();
	size_t o = 36;
	for (unsigned i = 0; i < 16; i++) {
		o += 28 + stub_copy[o + 24];
		o = (o + 3) & ~(size_t)3;
	}
	stub_copy[o] ^= 1;
	assert_int_equal(decode_copy(n), WIRE_MALFORMED);
	/* a floor count of 0 makes that tower unreadable, the entry stays */
	n = stub_copy_len();
	stub_copy[o + 8] = 0;
	stub_copy[o + 9] = 0;
	assert_int_equal(decode_copy(n), WIRE_OK);
	assert_false(resp.entries[0].has_tower);
	assert_true(resp.entries[1].has_tower);
}

static void test_truncated(void **state)
{
	(void)state;
	size_t n = stub_copy_len();
	/* every prefix fails cleanly; none decodes as a whole answer */
	for (size_t k = 0; k < n; k++)
		assert_int_not_equal(decode_copy(k), WIRE_OK);
	assert_int_equal(decode_copy(n), WIRE_OK);
}

/* A record of port 135 with the interfaces given (uuid strings). */
static void epm_record(struct svc_record *r, const char *ip, const char *const *uuids)
{
	record_release(r); /* static records, reused: the last one's interfaces go */
	record_set_str(r->ip, sizeof r->ip, ip);
	r->port = 135;
	record_set_str(r->view, sizeof r->view, "internal");
	r->epm.present = r->epm.complete = true;
	for (; *uuids; uuids++)
		record_epm_iface(r, *uuids, 1, 0);
}

static const struct rec_finding *finding(const struct svc_record *r, const char *id)
{
	for (unsigned i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].id, id) == 0)
			return &r->findings[i];
	return NULL;
}

#define SPOOLER "12345678-1234-abcd-ef00-0123456789ab"
#define EFSR_LSARPC "c681d488-d850-11d0-8c52-00c04fd90f7e"
#define EFSR "df1941c5-fe89-4e79-bf10-463657acf44d"
#define NETLOGON "12345678-1234-abcd-ef00-01234567cffb"
#define WINREG "338cd001-2244-31f1-aaaa-900038001003"

static void test_coercion_finding(void **state)
{
	(void)state;
	static struct svc_record r;
	/* the spooler and both MS-EFSR uuids (one name each): medium */
	epm_record(&r, "198.18.1.60", (const char *const[]){SPOOLER, EFSR_LSARPC, EFSR, WINREG, NULL});
	assess_record(&r);
	const struct rec_finding *f = finding(&r, "COERCION_SURFACE");
	assert_non_null(f);
	assert_int_equal(f->severity, SEV_MEDIUM);
	assert_string_equal(f->evidence, "registered on TCP 135: MS-RPRN print spooler (PrinterBug), "
					 "MS-EFSR (lsarpc pipe) (PetitPotam), MS-EFSR (efsrpc) (PetitPotam)");
	assert_false(epm_is_dc(&r));
	/* with Netlogon registered it is a DC: high, and said so */
	epm_record(&r, "198.18.1.60", (const char *const[]){SPOOLER, NETLOGON, NULL});
	assess_record(&r);
	assert_true(epm_is_dc(&r));
	f = finding(&r, "COERCION_SURFACE");
	assert_non_null(f);
	assert_int_equal(f->severity, SEV_HIGH);
	assert_non_null(strstr(f->evidence, "a domain controller (Netlogon registered)"));
	/* seen from outside: critical */
	epm_record(&r, "198.18.1.60", (const char *const[]){SPOOLER, NULL});
	record_set_str(r.view, sizeof r.view, "external");
	assess_record(&r);
	assert_int_equal(finding(&r, "COERCION_SURFACE")->severity, SEV_CRITICAL);
	/* a DC without a coercion interface: no finding (the role is a fact) */
	epm_record(&r, "198.18.1.60", (const char *const[]){NETLOGON, WINREG, NULL});
	assess_record(&r);
	assert_int_equal(r.n_findings, 0);
	assert_true(epm_is_dc(&r));
	/* interfaces listed but the walk unknown (not present): nothing */
	epm_record(&r, "198.18.1.60", (const char *const[]){SPOOLER, NULL});
	r.epm.present = false;
	assess_record(&r);
	assert_int_equal(r.n_findings, 0);
}

/* The record's interface table: grouped by uuid+version, capped. */
static void test_record_ifaces(void **state)
{
	(void)state;
	static struct svc_record r;
	record_init(&r);
	struct rec_epm_iface *a = record_epm_iface(&r, SPOOLER, 1, 0);
	assert_ptr_equal(record_epm_iface(&r, SPOOLER, 1, 0), a);
	assert_ptr_not_equal(record_epm_iface(&r, SPOOLER, 2, 0), a);
	char uuid[40];
	for (unsigned i = r.epm.n_ifaces; i < REC_MAX_EPM_IFACES; i++) {
		snprintf(uuid, sizeof uuid, "00000000-0000-0000-0000-%012u", i);
		assert_non_null(record_epm_iface(&r, uuid, 0, 0));
	}
	assert_null(record_epm_iface(&r, "ffffffff-0000-0000-0000-000000000000", 0, 0));
	assert_int_equal(r.epm.n_ifaces, REC_MAX_EPM_IFACES);
}

/* The interfaces are on the heap: a record without 135 carries none and
 * stays small (it was 100 kB with them inline; the nmap XML writer keeps
 * every record of a scan), a copy owns its own, release frees them. */
static void test_record_ifaces_heap(void **state)
{
	(void)state;
	/* measured: 100832 bytes inline, 45032 with the table on the heap
	 * (45992 once the QUIC part came): the bound catches it inline again */
	assert_true(sizeof(struct svc_record) < 48 * 1024);
	static struct svc_record smb, r, copy;
	record_init(&smb);
	assert_null(smb.epm.ifaces);
	assert_true(record_copy(&copy, &smb));
	assert_null(copy.epm.ifaces);
	record_init(&r);
	struct rec_epm_iface *f = record_epm_iface(&r, SPOOLER, 1, 0);
	record_set_str(f->annotation, sizeof f->annotation, "spoolss");
	for (unsigned i = 0; i < REC_MAX_EPM_BINDINGS; i++)
		snprintf(f->bindings[f->n_bindings++], sizeof f->bindings[0], "ncacn_ip_tcp:x[%u]", i);
	for (unsigned i = 1; i < 40; i++) { /* past the first allocations (4, 8, 16, 32) */
		char uuid[40];
		snprintf(uuid, sizeof uuid, "00000000-0000-0000-0000-%012u", i);
		assert_non_null(record_epm_iface(&r, uuid, 0, 0));
	}
	assert_true(record_copy(&copy, &r));
	assert_ptr_not_equal(copy.epm.ifaces, r.epm.ifaces);
	assert_int_equal(copy.epm.n_ifaces, 40);
	assert_string_equal(copy.epm.ifaces[0].annotation, "spoolss");
	assert_string_equal(copy.epm.ifaces[0].bindings[REC_MAX_EPM_BINDINGS - 1],
			    "ncacn_ip_tcp:x[31]");
	record_release(&r); /* the copy's stay readable (ASan: no use after free) */
	assert_null(r.epm.ifaces);
	assert_int_equal(r.epm.n_ifaces, 0);
	assert_string_equal(copy.epm.ifaces[39].uuid, "00000000-0000-0000-0000-000000000039");
	record_release(&copy);
}

/* A stored record read back (serve, reports from the store) has the same
 * epm, and the same JSON. */
static void test_json_read_back(void **state)
{
	(void)state;
	static struct svc_record a, b;
	epm_record(&a, "198.18.1.60", (const char *const[]){SPOOLER, NETLOGON, WINREG, NULL});
	a.epm.n_entries = 5;
	struct rec_epm_iface *f = record_epm_iface(&a, WINREG, 1, 0);
	record_set_str(f->annotation, sizeof f->annotation, "winreg");
	record_set_str(f->bindings[f->n_bindings++], sizeof f->bindings[0], "ncacn_np:[\\pipe\\winreg]");
	record_set_str(f->bindings[f->n_bindings++], sizeof f->bindings[0], "ncacn_ip_tcp:198.18.1.60[49154]");
	record_check_set(&a, RCHK_EPM, RCHK_OK, NULL);
	assess_record(&a);
	json_t *ja = record_to_json(&a);
	assert_non_null(json_object_get(ja, "epm"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(ja, "epm"), "role")),
			    "domain controller");
	assert_int_equal(record_from_json(ja, a.scanned_at, &b), 0);
	assert_int_equal(b.epm.n_ifaces, 3);
	assert_int_equal(b.epm.ifaces[2].n_bindings, 2);
	json_t *jb = record_to_json(&b);
	char *ta = json_dumps(ja, JSON_SORT_KEYS), *tb = json_dumps(jb, JSON_SORT_KEYS);
	assert_string_equal(tb, ta);
	free(ta);
	free(tb);
	json_decref(ja);
	json_decref(jb);
}

/* What coercion_hold lets out, in order. */
static struct svc_record *reported[8];
static unsigned n_reported;
static void collect(struct svc_record *rec, void *ud)
{
	(void)ud;
	assert_true(n_reported < 8);
	reported[n_reported] = malloc(sizeof *rec);
	assert_non_null(reported[n_reported]);
	assert_true(record_copy(reported[n_reported++], rec));
}

static void free_reported(void)
{
	for (unsigned i = 0; i < n_reported; i++) {
		record_release(reported[i]);
		free(reported[i]);
	}
	n_reported = 0;
}

static void relay_target_record(struct svc_record *r, const char *ip)
{
	record_init(r);
	record_set_str(r->ip, sizeof r->ip, ip);
	r->port = 445;
	record_set_str(r->view, sizeof r->view, "internal");
	r->smb2.present = true;
	r->smb2.signing = SIGN_ENABLED;
	r->relay.ntlm_challenge = TRI_YES;
	r->relay.legacy_tried = true;
	r->relay.legacy_status = 0;
	assess_record(r);
}

/* COERCION_SURFACE is high when the same host's SMB service is a relay
 * target, whichever record finishes first; medium for another host's. */
static void test_coercion_hold(void **state)
{
	(void)state;
	static struct svc_record smb, epm_a, epm_b, smb_c;
	relay_target_record(&smb, "198.18.1.60");
	relay_target_record(&smb_c, "198.18.1.62");
	smb_c.smb2.signing = SIGN_REQUIRED; /* not a target */
	assess_record(&smb_c);
	epm_record(&epm_a, "198.18.1.60", (const char *const[]){SPOOLER, NULL});
	epm_record(&epm_b, "198.18.1.61", (const char *const[]){SPOOLER, NULL});
	assess_record(&epm_a);
	assess_record(&epm_b);
	struct coercion_hold *h = coercion_hold_new();
	/* the 135 records first: kept; the SMB ones pass */
	assert_true(coercion_hold_take(h, &epm_a));
	assert_true(coercion_hold_take(h, &epm_b));
	assert_false(coercion_hold_take(h, &smb));
	assert_false(coercion_hold_take(h, &smb_c));
	n_reported = 0;
	coercion_hold_flush(h, collect, NULL);
	assert_int_equal(n_reported, 2);
	const struct rec_finding *f = finding(reported[0], "COERCION_SURFACE");
	assert_int_equal(f->severity, SEV_HIGH);
	assert_non_null(strstr(f->evidence, "the host's SMB service is an NTLM relay target"));
	f = finding(reported[1], "COERCION_SURFACE");
	assert_int_equal(f->severity, SEV_MEDIUM);
	assert_null(strstr(f->evidence, "relay"));
	/* a 135 record without the finding is kept too: a DC sign may
	 * still come for its host */
	epm_record(&epm_b, "198.18.1.61", (const char *const[]){WINREG, NULL});
	assess_record(&epm_b);
	assert_true(coercion_hold_take(h, &epm_b));
	coercion_hold_flush(h, collect, NULL);
	assert_int_equal(n_reported, 3);
	assert_null(finding(reported[2], "COERCION_SURFACE"));
	record_release(reported[2]);
	free(reported[2]);
	n_reported = 2;
	/* the SMB record first, the 135 record after: the same */
	coercion_hold_free(h);
	h = coercion_hold_new();
	assert_false(coercion_hold_take(h, &smb));
	assert_true(coercion_hold_take(h, &epm_a));
	coercion_hold_flush(h, collect, NULL);
	assert_int_equal(n_reported, 3);
	assert_int_equal(finding(reported[2], "COERCION_SURFACE")->severity, SEV_HIGH);
	coercion_hold_free(h);
	free_reported();
}

/* The DC role from the host's other records of the scan: a <1C> name in
 * its NBSTAT answer, TCP 88 or 389 open. Each raises COERCION_SURFACE as
 * Netlogon does, and is said; a host with none stays medium (control). */
static void test_dc_signs(void **state)
{
	(void)state;
	static struct svc_record nb, epm_nb, epm_88, epm_389, epm_none, epm_netlogon;
	record_init(&nb);
	record_set_str(nb.ip, sizeof nb.ip, "198.18.1.70");
	nb.port = 137;
	nb.udp = true;
	nb.nbns.present = true;
	nb.nbns.n_names = 2;
	record_set_str(nb.nbns.names[0].name, sizeof nb.nbns.names[0].name, "LABDC");
	nb.nbns.names[0].suffix = 0x20;
	record_set_str(nb.nbns.names[1].name, sizeof nb.nbns.names[1].name, "LABAD");
	nb.nbns.names[1].suffix = 0x1c;
	nb.nbns.names[1].group = true;
	epm_record(&epm_nb, "198.18.1.70", (const char *const[]){SPOOLER, NULL});
	epm_record(&epm_88, "198.18.1.71", (const char *const[]){SPOOLER, NULL});
	epm_record(&epm_389, "198.18.1.72", (const char *const[]){WINREG, NULL});
	epm_record(&epm_none, "198.18.1.73", (const char *const[]){SPOOLER, NULL});
	epm_record(&epm_netlogon, "198.18.1.74", (const char *const[]){SPOOLER, NETLOGON, NULL});
	struct svc_record *epms[] = {&epm_nb, &epm_88, &epm_389, &epm_none, &epm_netlogon};
	struct coercion_hold *h = coercion_hold_new();
	for (unsigned i = 0; i < 5; i++) {
		assess_record(epms[i]);
		assert_true(coercion_hold_take(h, epms[i]));
	}
	assert_false(coercion_hold_take(h, &nb));
	coercion_hold_note_open(h, "198.18.1.71", 88);
	coercion_hold_note_open(h, "198.18.1.72", 389);
	coercion_hold_note_open(h, "198.18.1.73", 8080); /* not a DC port: no sign */
	coercion_hold_note_open(h, "198.18.1.74", 88);
	n_reported = 0;
	coercion_hold_flush(h, collect, NULL);
	assert_int_equal(n_reported, 5);
	const struct rec_finding *f = finding(reported[0], "COERCION_SURFACE");
	assert_int_equal(f->severity, SEV_HIGH);
	assert_string_equal(f->evidence, "registered on TCP 135: MS-RPRN print spooler (PrinterBug); "
					 "a domain controller (<1C> name (LABAD))");
	assert_true(epm_is_dc(reported[0]));
	assert_string_equal(reported[0]->epm.dc_signs, "<1C> name (LABAD)");
	f = finding(reported[1], "COERCION_SURFACE");
	assert_int_equal(f->severity, SEV_HIGH);
	assert_non_null(strstr(f->evidence, "; a domain controller (TCP 88 open (Kerberos))"));
	/* no coercion interface: the role, no finding */
	assert_true(epm_is_dc(reported[2]));
	assert_string_equal(reported[2]->epm.dc_signs, "TCP 389 open (LDAP)");
	assert_null(finding(reported[2], "COERCION_SURFACE"));
	/* the control: no sign, medium, not a DC */
	assert_int_equal(finding(reported[3], "COERCION_SURFACE")->severity, SEV_MEDIUM);
	assert_false(epm_is_dc(reported[3]));
	/* Netlogon said it already: the evidence is not said twice */
	f = finding(reported[4], "COERCION_SURFACE");
	assert_int_equal(f->severity, SEV_HIGH);
	assert_null(strstr(f->evidence, "TCP 88"));
	assert_string_equal(reported[4]->epm.dc_signs, "TCP 88 open (Kerberos)");
	/* the JSON and the text say the role and what it rests on */
	json_t *j = record_to_json(reported[1]);
	json_t *e = json_object_get(j, "epm");
	assert_string_equal(json_string_value(json_object_get(e, "role")), "domain controller");
	assert_string_equal(json_string_value(json_object_get(e, "role_from")), "TCP 88 open (Kerberos)");
	json_decref(j);
	j = record_to_json(reported[4]);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "epm"), "role_from")),
			    "Netlogon registered, TCP 88 open (Kerberos)");
	json_decref(j);
	coercion_hold_free(h);
	free_reported();
}

/* The responder's answers (built from MS-DCOM / C706, tests/data/epm):
 * Windows ends the walk with a null handle and status 0; a named-pipe
 * tower names its NetBIOS host. */
static void test_windows_style_lookup(void **state)
{
	(void)state;
	struct rd r;
	rd_init(&r, dcom_responder_lookup_stub, dcom_responder_lookup_stub_len);
	assert_int_equal(epm_lookup_resp_decode(&r, &resp), WIRE_OK);
	assert_int_equal(resp.n, 3);
	assert_int_equal(resp.status, 0);
	assert_true(epm_handle_is_null(resp.handle));
	assert_string_equal(resp.entries[0].annotation, "EFS RPC Interface");
	assert_string_equal(resp.entries[0].tower.binding, "ncacn_ip_tcp:198.18.1.52[49668]");
	assert_string_equal(resp.entries[1].tower.host, "LAB-DCOM");
	assert_string_equal(resp.entries[1].tower.binding, "ncacn_np:LAB-DCOM[\\pipe\\lsarpc]");
	assert_int_equal(resp.entries[2].tower.iface.ver_major, 1);
}

static void test_server_alive2(void **state)
{
	(void)state;
	static struct oxid_alive2 a;
	struct rd r;
	rd_init(&r, dcom_responder_serveralive2_stub, dcom_responder_serveralive2_stub_len);
	assert_int_equal(oxid_server_alive2_resp_decode(&r, &a), WIRE_OK);
	assert_int_equal(a.com_major, 5);
	assert_int_equal(a.com_minor, 7);
	assert_int_equal(a.status, 0);
	/* the string bindings only, not the security binding after them */
	assert_int_equal(a.n_addrs, 3);
	assert_int_equal(a.addrs[0].tower_id, 0x07);
	assert_string_equal(a.addrs[0].addr, "LAB-DCOM");
	assert_string_equal(a.addrs[1].addr, "198.18.1.52");
	assert_string_equal(a.addrs[2].addr, "198.19.7.5");
	/* every prefix fails cleanly */
	for (size_t k = 0; k < dcom_responder_serveralive2_stub_len; k++) {
		rd_init(&r, dcom_responder_serveralive2_stub, k);
		assert_int_not_equal(oxid_server_alive2_resp_decode(&r, &a), WIRE_OK);
	}
	/* wNumEntries different from the conformance; a security offset past
	 * the array; a string running into the security bindings */
	uint8_t b[256];
	memcpy(b, dcom_responder_serveralive2_stub, dcom_responder_serveralive2_stub_len);
	b[12] ^= 1;
	rd_init(&r, b, dcom_responder_serveralive2_stub_len);
	assert_int_equal(oxid_server_alive2_resp_decode(&r, &a), WIRE_MALFORMED);
	memcpy(b, dcom_responder_serveralive2_stub, dcom_responder_serveralive2_stub_len);
	b[14] = 0xff;
	rd_init(&r, b, dcom_responder_serveralive2_stub_len);
	assert_int_equal(oxid_server_alive2_resp_decode(&r, &a), WIRE_MALFORMED);
	memcpy(b, dcom_responder_serveralive2_stub, dcom_responder_serveralive2_stub_len);
	b[14] = 3; /* the first string binding's address is cut by the offset */
	b[15] = 0;
	rd_init(&r, b, dcom_responder_serveralive2_stub_len);
	assert_int_equal(oxid_server_alive2_resp_decode(&r, &a), WIRE_MALFORMED);
}

/* MULTI_HOMED: an address in another /24 (or /64) than the scanned one. */
static void test_multi_homed(void **state)
{
	(void)state;
	static struct svc_record r;
	epm_record(&r, "198.18.1.52", (const char *const[]){WINREG, NULL});
	r.epm.has_addresses = true;
	r.epm.n_addresses = 3;
	record_set_str(r.epm.addresses[0], 64, "LAB-DCOM");
	record_set_str(r.epm.addresses[1], 64, "198.18.1.99");
	record_set_str(r.epm.addresses[2], 64, "198.19.7.5");
	assess_record(&r);
	const struct rec_finding *f = finding(&r, "MULTI_HOMED");
	assert_non_null(f);
	assert_int_equal(f->severity, SEV_MEDIUM);
	assert_string_equal(f->evidence, "ServerAlive2 on 198.18.1.52 port 135 lists 198.19.7.5");
	/* the same segment and names only: not multi-homed */
	r.epm.n_addresses = 2;
	assess_record(&r);
	assert_null(finding(&r, "MULTI_HOMED"));
	/* IPv6 in another /64, beside an IPv4 scan: another segment */
	record_set_str(r.epm.addresses[1], 64, "2001:2::52");
	assess_record(&r);
	assert_non_null(finding(&r, "MULTI_HOMED"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_and_request),
		cmocka_unit_test(test_first_page),
		cmocka_unit_test(test_last_page),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_coercion_finding),
		cmocka_unit_test(test_record_ifaces),
		cmocka_unit_test(test_record_ifaces_heap),
		cmocka_unit_test(test_json_read_back),
		cmocka_unit_test(test_coercion_hold),
		cmocka_unit_test(test_dc_signs),
		cmocka_unit_test(test_windows_style_lookup),
		cmocka_unit_test(test_server_alive2),
		cmocka_unit_test(test_multi_homed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
