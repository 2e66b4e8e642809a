/* test_rpc_stubs.c - names in lateral-movement RPC request stubs: the real
 * NetrJobAdd (NDR64) of `at` and the first bytes of Metasploit's
 * CreateServiceW (NDR), stubs built here from the MS-SCMR/MS-TSCH/MS-RRP
 * IDL in NDR and NDR64, and every cut of each stub. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "captures_lateral.h"
#include "wire/dcerpc.h"
#include "wire/rpc_stubs.h"

static struct rd stub_of(const uint8_t *pdu, size_t n)
{
	struct rd r;
	struct dcerpc_pdu p;
	rd_init(&r, pdu, n);
	assert_int_equal(dcerpc_pdu_decode_prefix(&r, &p), WIRE_OK);
	return p.stub;
}

static void test_real_stubs(void **state)
{
	(void)state;
	struct rpc_names n;
	struct rd s = stub_of(at_jobadd, sizeof at_jobadd);
	assert_int_equal(rpc_request_names(RPC_IF_ATSVC, ATSVC_JOB_ADD, true, &s, &n), WIRE_OK);
	assert_string_equal(n.name, "");
	assert_string_equal(n.detail, "c:\\mimikatz.exe");
	/* read as NDR (the wrong syntax) it must not find that command */
	rpc_request_names(RPC_IF_ATSVC, ATSVC_JOB_ADD, false, &s, &n);
	assert_string_not_equal(n.detail, "c:\\mimikatz.exe");

	s = stub_of(msf_create_prefix, sizeof msf_create_prefix);
	assert_int_equal(rpc_request_names(RPC_IF_SVCCTL, SCMR_CREATE_SERVICE_W, false, &s, &n),
			 WIRE_OK);
	assert_string_equal(n.name, "PLYteGjx");
	/* the binary path runs on past the 419 bytes: what is there is kept */
	assert_int_equal(strncmp(n.detail, "%COMSPEC% /b /c start /b /min powershell.exe", 44), 0);
}

#include "ndr_build.h"

struct built {
	uint8_t buf[2048];
	size_t len;
};

static void build(struct built *o, enum rpc_iface iface, uint16_t opnum, bool n64)
{
	struct ndrw b = {.n64 = n64};
	wr_init(&b.w, o->buf, sizeof o->buf);
	switch (iface) {
	case RPC_IF_SVCCTL:
		w_handle(&b);
		if (opnum == SCMR_CREATE_SERVICE_A) {
			w_astr(&b, "BTOBTO");
			w_size(&b, 0x20000);
			w_astr(&b, "display");
		} else {
			w_wstr(&b, "BTOBTO");
			w_size(&b, 0); /* no display name */
		}
		for (int i = 0; i < 4; i++)
			w_u32(&b, 0x10 + (uint32_t)i);
		if (opnum == SCMR_CREATE_SERVICE_A)
			w_astr(&b, "%COMSPEC% /Q /c echo dir > \\\\127.0.0.1\\C$\\__output");
		else
			w_wstr(&b, "%systemroot%\\xKjPqLmn.exe");
		break;
	case RPC_IF_TSCH:
		w_size(&b, 0x20000);
		w_wstr(&b, "\\tJdMmWaq");
		w_wstr(&b, "<?xml version=\"1.0\" encoding=\"UTF-16\"?><Task><Actions Context=\"LocalSystem\">"
			   "<Exec><Command>cmd.exe</Command><Arguments>/C whoami &gt; %windir%\\Temp\\x.tmp"
			   "</Arguments></Exec></Actions></Task>");
		w_u32(&b, 6);
		break;
	case RPC_IF_WINREG:
		w_handle(&b);
		w_rrp(&b, opnum == RRP_SAVE_KEY ? "..\\Temp\\AbCdEf.tmp" : "SECURITY");
		w_u32(&b, 0);
		break;
	default:
		break;
	}
	assert_int_equal(b.w.err, 0);
	o->len = b.w.len;
}

struct named_case {
	enum rpc_iface iface;
	uint16_t opnum;
	const char *name, *detail;
};

static const struct named_case named[] = {
	{RPC_IF_SVCCTL, SCMR_CREATE_SERVICE_W, "BTOBTO", "%systemroot%\\xKjPqLmn.exe"},
	{RPC_IF_SVCCTL, SCMR_CREATE_SERVICE_A, "BTOBTO",
	 "%COMSPEC% /Q /c echo dir > \\\\127.0.0.1\\C$\\__output"},
	{RPC_IF_SVCCTL, SCMR_CREATE_SERVICE_WOW64_W, "BTOBTO", "%systemroot%\\xKjPqLmn.exe"},
	{RPC_IF_SVCCTL, SCMR_CREATE_WOW_SERVICE, "BTOBTO", "%systemroot%\\xKjPqLmn.exe"},
	{RPC_IF_TSCH, TSCH_REGISTER_TASK, "\\tJdMmWaq",
	 "cmd.exe /C whoami &gt; %windir%\\Temp\\x.tmp"},
	{RPC_IF_WINREG, RRP_OPEN_KEY, "SECURITY", ""},
	{RPC_IF_WINREG, RRP_CREATE_KEY, "SECURITY", ""},
	{RPC_IF_WINREG, RRP_SAVE_KEY, "..\\Temp\\AbCdEf.tmp", ""},
};

static void test_built_stubs(void **state)
{
	(void)state;
	for (int n64 = 0; n64 < 2; n64++) {
		for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
			const struct named_case *c = &named[i];
			struct built o;
			struct rpc_names n;
			struct rd s;
			build(&o, c->iface, c->opnum, n64);
			rd_init(&s, o.buf, o.len);
			int rc = rpc_request_names(c->iface, c->opnum, n64, &s, &n);
			if (rc != WIRE_OK || strcmp(n.name, c->name) || strcmp(n.detail, c->detail))
				fail_msg("%s opnum %u ndr64 %d: rc %d name \"%s\" detail \"%s\"",
					 rpc_iface_name(c->iface), c->opnum, n64, rc, n.name, n.detail);
			/* every cut: no failure beyond "truncated", names only shrink */
			for (size_t cut = 0; cut < o.len; cut++) {
				struct rpc_names m;
				rd_init(&s, o.buf, cut);
				rc = rpc_request_names(c->iface, c->opnum, n64, &s, &m);
				if (rc != WIRE_OK && rc != WIRE_TRUNCATED && rc != WIRE_MALFORMED)
					fail_msg("cut %zu: rc %d", cut, rc);
				if (strncmp(m.name, c->name, strlen(m.name)) ||
				    strncmp(m.detail, c->detail, strlen(m.detail)))
					fail_msg("cut %zu: \"%s\" / \"%s\"", cut, m.name, m.detail);
			}
		}
	}
}

static void test_names_and_limits(void **state)
{
	(void)state;
	struct rpc_names n;
	struct rd s;
	uint8_t big[64] = {0};
	assert_string_equal(rpc_opnum_name(RPC_IF_SVCCTL, 12), "CreateServiceW");
	assert_string_equal(rpc_opnum_name(RPC_IF_WINREG, 20), "BaseRegSaveKey");
	assert_null(rpc_opnum_name(RPC_IF_SVCCTL, 99));
	assert_true(rpc_scmr_creates_service(24) && rpc_scmr_creates_service(44) &&
		    rpc_scmr_creates_service(45) && rpc_scmr_creates_service(60));
	assert_false(rpc_scmr_creates_service(SCMR_START_SERVICE_W));
	assert_true(rpc_iface_of(&dcerpc_srvsvc) == RPC_IF_NONE);
	/* an opnum we do not decode */
	rd_init(&s, big, sizeof big);
	assert_int_equal(rpc_request_names(RPC_IF_SVCCTL, SCMR_START_SERVICE_W, false, &s, &n),
			 WIRE_UNSUPPORTED);
	/* a string count above WIRE_MAX_NDR_STRING */
	big[20] = 0xff;
	big[21] = 0xff;
	big[22] = 0xff;
	assert_int_equal(rpc_request_names(RPC_IF_SVCCTL, SCMR_CREATE_SERVICE_W, false, &s, &n),
			 WIRE_TOO_LARGE);
	/* a failed reader stays failed */
	rd_fail(&s, WIRE_MALFORMED);
	assert_int_equal(rpc_request_names(RPC_IF_SVCCTL, SCMR_CREATE_SERVICE_W, false, &s, &n),
			 WIRE_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_stubs),
		cmocka_unit_test(test_built_stubs),
		cmocka_unit_test(test_names_and_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
