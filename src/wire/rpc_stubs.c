/* rpc_stubs.c - names in lateral-movement RPC request stubs; see
 * rpc_stubs.h. NDR rules: C706 chapter 14 (NDR), MS-RPCE 2.2.5 (NDR64:
 * 8-byte pointers and conformance/variance counts, 8-byte alignment for
 * them). Alignment is relative to the start of the stub, which is where
 * the PDU body puts it. */
#include "wire/rpc_stubs.h"

#include <stdio.h>
#include <string.h>

#include "wire/limits.h"

static const struct dcerpc_syntax if_svcctl = {
	{0x81, 0xbb, 0x7a, 0x36, 0x44, 0x98, 0xf1, 0x35, 0xad, 0x32, 0x98, 0xf0, 0x38, 0x00, 0x10,
	 0x03},
	2, 0};
static const struct dcerpc_syntax if_atsvc = {
	{0x82, 0x06, 0xf7, 0x1f, 0x51, 0x0a, 0xe8, 0x30, 0x07, 0x6d, 0x74, 0x0b, 0xe8, 0xce, 0xe9,
	 0x8b},
	1, 0};
static const struct dcerpc_syntax if_tsch = {
	{0x49, 0x59, 0xd3, 0x86, 0xc9, 0x83, 0x44, 0x40, 0xb4, 0x24, 0xdb, 0x36, 0x32, 0x31, 0xfd,
	 0x0c},
	1, 0};
static const struct dcerpc_syntax if_winreg = {
	{0x01, 0xd0, 0x8c, 0x33, 0x44, 0x22, 0xf1, 0x31, 0xaa, 0xaa, 0x90, 0x00, 0x38, 0x00, 0x10,
	 0x03},
	1, 0};

enum rpc_iface rpc_iface_of(const struct dcerpc_syntax *s)
{
	if (dcerpc_syntax_equal(s, &if_svcctl))
		return RPC_IF_SVCCTL;
	if (dcerpc_syntax_equal(s, &if_atsvc))
		return RPC_IF_ATSVC;
	if (dcerpc_syntax_equal(s, &if_tsch))
		return RPC_IF_TSCH;
	if (dcerpc_syntax_equal(s, &if_winreg))
		return RPC_IF_WINREG;
	return RPC_IF_NONE;
}

const char *rpc_iface_name(enum rpc_iface iface)
{
	switch (iface) {
	case RPC_IF_SVCCTL: return "svcctl";
	case RPC_IF_ATSVC: return "atsvc";
	case RPC_IF_TSCH: return "ITaskSchedulerService";
	case RPC_IF_WINREG: return "winreg";
	default: return "";
	}
}

bool rpc_scmr_creates_service(uint16_t opnum)
{
	return opnum == SCMR_CREATE_SERVICE_W || opnum == SCMR_CREATE_SERVICE_A ||
	       opnum == SCMR_CREATE_SERVICE_WOW64_A || opnum == SCMR_CREATE_SERVICE_WOW64_W ||
	       opnum == SCMR_CREATE_WOW_SERVICE;
}

const char *rpc_opnum_name(enum rpc_iface iface, uint16_t opnum)
{
	switch (iface) {
	case RPC_IF_SVCCTL:
		switch (opnum) {
		case SCMR_CHANGE_SERVICE_CONFIG_W: return "ChangeServiceConfigW";
		case SCMR_CREATE_SERVICE_W: return "CreateServiceW";
		case SCMR_OPEN_SCMANAGER_W: return "OpenSCManagerW";
		case SCMR_OPEN_SERVICE_W: return "OpenServiceW";
		case SCMR_START_SERVICE_W: return "StartServiceW";
		case SCMR_CREATE_SERVICE_A: return "CreateServiceA";
		case SCMR_CREATE_SERVICE_WOW64_A: return "CreateServiceWOW64A";
		case SCMR_CREATE_SERVICE_WOW64_W: return "CreateServiceWOW64W";
		case SCMR_CREATE_WOW_SERVICE: return "CreateWowService";
		default: return NULL;
		}
	case RPC_IF_ATSVC: return opnum == ATSVC_JOB_ADD ? "NetrJobAdd" : NULL;
	case RPC_IF_TSCH: return opnum == TSCH_REGISTER_TASK ? "SchRpcRegisterTask" : NULL;
	case RPC_IF_WINREG:
		switch (opnum) {
		case RRP_CREATE_KEY: return "BaseRegCreateKey";
		case RRP_OPEN_KEY: return "BaseRegOpenKey";
		case RRP_SAVE_KEY: return "BaseRegSaveKey";
		case RRP_SET_VALUE: return "BaseRegSetValue";
		case RRP_SAVE_KEY_EX: return "BaseRegSaveKeyEx";
		default: return NULL;
		}
	default: return NULL;
	}
}

struct ndr {
	struct rd r;
	bool n64;
};

static bool ndr_u32(struct ndr *n, uint32_t *v)
{
	return rd_align(&n->r, 4) && rd_u32le(&n->r, v);
}

/* A pointer (referent id) or an __int3264: 4 bytes in NDR, 8 in NDR64. */
static bool ndr_ptr(struct ndr *n, uint64_t *v)
{
	uint32_t v32;
	if (n->n64)
		return rd_align(&n->r, 8) && rd_u64le(&n->r, v);
	if (!ndr_u32(n, &v32))
		return false;
	*v = v32;
	return true;
}

/* A conformance / variance count (NDR64: 8 bytes, MS-RPCE 2.2.5.3.4.1). */
static bool ndr_count(struct ndr *n, uint32_t *v)
{
	uint64_t v64;
	if (!ndr_ptr(n, &v64))
		return false;
	if (v64 > WIRE_MAX_NDR_STRING)
		return rd_fail(&n->r, WIRE_TOO_LARGE);
	*v = (uint32_t)v64;
	return true;
}

/* MS-SCMR/MS-RRP context handle: 20 bytes, 4-aligned in both syntaxes. */
static bool ndr_handle(struct ndr *n)
{
	return rd_align(&n->r, 4) && rd_skip(&n->r, 20);
}

/* A conformant varying string of width-byte characters (max, offset,
 * actual count, then the characters). Converted up to the first NUL and
 * cut to outsz; when the stub ends inside it, what is there is kept and
 * the reader fails with WIRE_TRUNCATED. */
static bool ndr_string(struct ndr *n, unsigned width, char *out, size_t outsz)
{
	uint32_t max = 0, off = 0, actual = 0;
	out[0] = '\0';
	if (!ndr_count(n, &max) || !ndr_count(n, &off) || !ndr_count(n, &actual))
		return false;
	size_t want = (size_t)actual * width, have = rd_left(&n->r);
	size_t take = want < have ? want : have - have % width;
	const uint8_t *p;
	if (!rd_view(&n->r, take, &p))
		return false;
	size_t len = 0;
	if (width == 2) {
		while (len + 1 < take && (p[len] || p[len + 1]))
			len += 2;
		wire_utf16le_to_utf8(p, len, out, outsz);
	} else {
		while (len < take && p[len])
			len++;
		wire_oem_to_utf8(p, len, out, outsz);
	}
	return take == want || rd_fail(&n->r, WIRE_TRUNCATED);
}

/* MS-RRP 2.2.4 RRP_UNICODE_STRING: Length, MaximumLength, Buffer pointer,
 * then (deferred) the buffer as a conformant varying WCHAR array. */
static bool ndr_rrp_string(struct ndr *n, char *out, size_t outsz)
{
	uint16_t len, max;
	uint64_t ptr;
	out[0] = '\0';
	if (!rd_align(&n->r, n->n64 ? 8 : 4) || !rd_u16le(&n->r, &len) || !rd_u16le(&n->r, &max) ||
	    !ndr_ptr(n, &ptr))
		return false;
	return ptr == 0 || ndr_string(n, 2, out, outsz);
}

/* The text between <tag> and </tag> in xml, cut to outsz; "" if absent
 * or not closed (a cut XML would leave half a closing tag in it). */
static void xml_element(const char *xml, const char *tag, char *out, size_t outsz)
{
	char open[32], close[32];
	out[0] = '\0';
	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	const char *a = strstr(xml, open);
	if (!a)
		return;
	a += strlen(open);
	const char *b = strstr(a, close);
	if (!b)
		return;
	size_t k = (size_t)(b - a);
	if (k >= outsz)
		k = outsz - 1;
	memcpy(out, a, k);
	out[k] = '\0';
}

/* MS-SCMR 3.1.4.12 RCreateServiceW (and the A, WOW64 and 60 variants,
 * which share the prefix): hSCManager, lpServiceName, lpDisplayName
 * (unique), access, type, start type, error control, lpBinaryPathName. */
static bool scmr_create(struct ndr *n, unsigned width, struct rpc_names *out)
{
	char display[8];
	uint64_t ptr;
	uint32_t v;
	if (!ndr_handle(n) || !ndr_string(n, width, out->name, sizeof out->name))
		return false;
	/* the name is what counts; the binary path is a bonus */
	if (!ndr_ptr(n, &ptr) || (ptr && !ndr_string(n, width, display, sizeof display)))
		return true;
	for (int i = 0; i < 4; i++)
		if (!ndr_u32(n, &v))
			return true;
	ndr_string(n, width, out->detail, sizeof out->detail);
	return true;
}

/* MS-TSCH 3.2.5.2.1 NetrJobAdd: ServerName (unique string), then AT_INFO
 * {JobTime (DWORD_PTR), DaysOfMonth, DaysOfWeek, Flags, Command (unique)}
 * with the command deferred after the structure. */
static bool atsvc_job_add(struct ndr *n, struct rpc_names *out)
{
	char server[8];
	uint64_t ptr, jobtime, cmd;
	uint32_t days;
	uint8_t dow, flags;
	if (!ndr_ptr(n, &ptr))
		return false;
	if (ptr && !ndr_string(n, 2, server, sizeof server))
		return false;
	if (!ndr_ptr(n, &jobtime) || !ndr_u32(n, &days) || !rd_u8(&n->r, &dow) ||
	    !rd_u8(&n->r, &flags) || !ndr_ptr(n, &cmd))
		return false;
	return cmd && ndr_string(n, 2, out->detail, sizeof out->detail);
}

/* MS-TSCH 3.2.5.4.2 SchRpcRegisterTask: path (unique string), xml. The
 * command is the XML's first Exec action. */
static bool tsch_register(struct ndr *n, struct rpc_names *out)
{
	static const size_t xml_max = 4096;
	char xml[4096], cmd[120], args[120];
	uint64_t ptr;
	if (!ndr_ptr(n, &ptr))
		return false;
	if (ptr && !ndr_string(n, 2, out->name, sizeof out->name))
		return false;
	ndr_string(n, 2, xml, xml_max); /* a cut XML may still hold the action */
	xml_element(xml, "Command", cmd, sizeof cmd);
	xml_element(xml, "Arguments", args, sizeof args);
	if (cmd[0])
		snprintf(out->detail, sizeof out->detail, "%s%s%s", cmd, args[0] ? " " : "", args);
	return out->name[0] || out->detail[0];
}

int rpc_request_names(enum rpc_iface iface, uint16_t opnum, bool ndr64, const struct rd *stub,
		      struct rpc_names *out)
{
	struct ndr n = {*stub, ndr64};
	bool ok;

	memset(out, 0, sizeof *out);
	if (stub->err)
		return stub->err;
	switch (iface) {
	case RPC_IF_SVCCTL:
		if (opnum == SCMR_CREATE_SERVICE_W || opnum == SCMR_CREATE_SERVICE_WOW64_W ||
		    opnum == SCMR_CREATE_WOW_SERVICE)
			ok = scmr_create(&n, 2, out);
		else if (opnum == SCMR_CREATE_SERVICE_A || opnum == SCMR_CREATE_SERVICE_WOW64_A)
			ok = scmr_create(&n, 1, out);
		else if (opnum == SCMR_OPEN_SERVICE_W)
			ok = ndr_handle(&n) && ndr_string(&n, 2, out->name, sizeof out->name);
		else
			return WIRE_UNSUPPORTED;
		break;
	case RPC_IF_ATSVC:
		if (opnum != ATSVC_JOB_ADD)
			return WIRE_UNSUPPORTED;
		ok = atsvc_job_add(&n, out);
		break;
	case RPC_IF_TSCH:
		if (opnum != TSCH_REGISTER_TASK)
			return WIRE_UNSUPPORTED;
		ok = tsch_register(&n, out);
		break;
	case RPC_IF_WINREG:
		if (opnum != RRP_CREATE_KEY && opnum != RRP_OPEN_KEY && opnum != RRP_SAVE_KEY &&
		    opnum != RRP_SET_VALUE && opnum != RRP_SAVE_KEY_EX)
			return WIRE_UNSUPPORTED;
		/* every one of these is (hKey, RRP_UNICODE_STRING, ...) */
		ok = ndr_handle(&n) && ndr_rrp_string(&n, out->name, sizeof out->name);
		break;
	default:
		return WIRE_UNSUPPORTED;
	}
	if (ok)
		return WIRE_OK;
	return n.r.err ? n.r.err : WIRE_MALFORMED;
}
