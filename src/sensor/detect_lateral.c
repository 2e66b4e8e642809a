/* detect_lateral.c - lateral movement over SMB: a service created over
 * \svcctl (PsExec, impacket psexec/smbexec, Metasploit psexec), a job or
 * task scheduled over \atsvc (at, impacket atexec), registry keys and
 * values written and hives saved over \winreg (secretsdump), and an
 * executable written to an administrative share (C$, ADMIN$, X$).
 *
 * Per connection it follows trees (IPC$ and administrative shares), the
 * files and pipes opened on them (CREATE / NT_CREATE_ANDX and their
 * answers' FID / FileId), and the bytes the client writes to the pipes of
 * interest (SMB1 WRITE_ANDX and TRANS TransactNmPipe, SMB2 WRITE and IOCTL
 * FSCTL_PIPE_TRANSCEIVE). Those bytes are a DCE/RPC stream: binds give the
 * context id -> interface and transfer syntax (NDR or NDR64), requests
 * the opnum, and wire/rpc_stubs.c the names in the stub. Only the first
 * LAT_PREFIX bytes of each fragment are kept, so memory is bounded
 * however a client splits its PDUs (Metasploit scatters one fragment over
 * eight writes). Server answers are not needed: the request is the act. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sensor/sensor_int.h"
#include "wire/dcerpc.h"
#include "wire/rpc_stubs.h"

#define LAT_TREES 8
#define LAT_PEND 8
#define LAT_FILES 8
/* Bytes kept of each DCE/RPC fragment: the header, the context list of
 * any real bind, and the names at the start of a request stub. */
#define LAT_PREFIX 4096
/* Executables written to administrative shares, remembered sensor-wide
 * so a later service/task creation from the same client can escalate. */
#define LAT_RECENT 64
#define DCERPC_HDR 16

#define SMB1_CLOSE 0x04
#define SMB1_TRANS 0x25
#define SMB1_WRITE_ANDX 0x2F
#define TRANS_TRANSACT_NMPIPE 0x0026
#define SMB2_CLOSE 0x0006
#define SMB2_WRITE 0x0009
#define SMB2_IOCTL 0x000B
#define SMB2_HDR 64
#define FSCTL_PIPE_TRANSCEIVE 0x0011C017u

enum { PEND_TREE = 1, PEND_CREATE = 2 };

struct lat_tree {
	bool used, ipc, admin;
	uint32_t tid;
	char share[32];
};

struct lat_pend {
	bool used;
	uint8_t what;
	uint64_t mid;
	uint32_t tid;
	bool ipc, admin;
	char name[96];
};

/* One pipe's client-to-server DCE/RPC byte stream. */
struct lat_rpc {
	uint8_t buf[LAT_PREFIX];
	size_t got;       /* bytes of the current fragment in buf */
	size_t want;      /* how many of it we keep (0: header not read yet) */
	size_t rest;      /* bytes of the current fragment past what we keep */
	size_t skip;      /* of those, still to drop (once buf is full) */
	uint8_t n_ctx;
	struct dcerpc_ctx ctx[DCERPC_MAX_CTX];
	char last_key[96]; /* winreg: last key opened or created */
};

struct lat_file {
	bool used, pipe, admin, alerted;
	uint32_t tid;
	uint64_t id_p, id_v; /* SMB2 FileId; SMB1: the FID in id_p */
	char name[96];       /* pipe name, or share\path */
	struct lat_rpc *rpc; /* pipes of interest only */
};

struct det_lateral {
	struct lat_tree tree[LAT_TREES];
	struct lat_pend pend[LAT_PEND];
	struct lat_file file[LAT_FILES];
	unsigned tree_next, pend_next, file_next;
};

struct lat_recent_entry {
	bool used, escalated;
	char cli[48], srv[48];
	uint64_t ts_us;
	char file[128];
};

struct lateral_recent {
	struct lat_recent_entry e[LAT_RECENT];
	unsigned next;
};

static void copy_str(char *dst, size_t dsz, const char *src)
{
	size_t n = strnlen(src, dsz - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* "\\host\C$" -> "C$" */
static const char *last_component(const char *path)
{
	const char *p = strrchr(path, '\\');
	return p ? p + 1 : path;
}

static bool admin_share(const char *share)
{
	return strcasecmp(share, "ADMIN$") == 0 ||
	       (isalpha((unsigned char)share[0]) && share[1] == '$' && share[2] == '\0');
}

/* The pipes whose DCE/RPC we follow (ntsvcs is svcctl's alias). */
static bool pipe_of_interest(const char *name)
{
	return strcmp(name, "svcctl") == 0 || strcmp(name, "ntsvcs") == 0 ||
	       strcmp(name, "atsvc") == 0 || strcmp(name, "winreg") == 0;
}

static bool exec_name(const char *name)
{
	static const char *const ext[] = {"exe", "dll", "ps1", "bat", "vbs"};
	const char *dot = strrchr(name, '.');
	if (!dot || strchr(dot, '\\'))
		return false;
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
		if (strcasecmp(dot + 1, ext[i]) == 0)
			return true;
	return false;
}

static struct det_lateral *lat_get(struct smb_conn *c)
{
	if (!c->lat) {
		c->lat = calloc(1, sizeof *c->lat);
		if (c->lat)
			c->s->memory += sizeof *c->lat;
	}
	return c->lat;
}

static struct lat_tree *tree_find(struct det_lateral *d, uint32_t tid)
{
	for (unsigned i = 0; i < LAT_TREES; i++)
		if (d->tree[i].used && d->tree[i].tid == tid)
			return &d->tree[i];
	return NULL;
}

static void pend_add(struct det_lateral *d, uint8_t what, const struct smb_event *ev, bool ipc,
		     bool admin, const char *name)
{
	struct lat_pend *p = &d->pend[d->pend_next++ % LAT_PEND];
	memset(p, 0, sizeof *p);
	p->used = true;
	p->what = what;
	p->mid = ev->mid;
	p->tid = ev->tid;
	p->ipc = ipc;
	p->admin = admin;
	copy_str(p->name, sizeof p->name, name);
}

static struct lat_pend *pend_take(struct det_lateral *d, uint8_t what, uint64_t mid)
{
	for (unsigned i = 0; i < LAT_PEND; i++) {
		struct lat_pend *p = &d->pend[i];
		if (p->used && p->what == what && p->mid == mid) {
			p->used = false;
			return p;
		}
	}
	return NULL;
}

static void file_release(struct smb_conn *c, struct lat_file *f)
{
	if (f->rpc) {
		free(f->rpc);
		c->s->memory -= sizeof *f->rpc;
	}
	memset(f, 0, sizeof *f);
}

static struct lat_file *file_find(struct det_lateral *d, uint64_t id_p, uint64_t id_v)
{
	for (unsigned i = 0; i < LAT_FILES; i++)
		if (d->file[i].used && d->file[i].id_p == id_p && d->file[i].id_v == id_v)
			return &d->file[i];
	return NULL;
}

static void file_add(struct smb_conn *c, const struct lat_pend *p, uint64_t id_p, uint64_t id_v)
{
	struct det_lateral *d = c->lat;
	struct lat_file *f = file_find(d, id_p, id_v);
	for (unsigned i = 0; !f && i < LAT_FILES; i++)
		if (!d->file[i].used)
			f = &d->file[i];
	if (!f)
		f = &d->file[d->file_next++ % LAT_FILES]; /* full: replace in turn */
	file_release(c, f);
	f->used = true;
	f->pipe = !p->admin;
	f->admin = p->admin;
	f->tid = p->tid;
	f->id_p = id_p;
	f->id_v = id_v;
	copy_str(f->name, sizeof f->name, p->name);
	if (f->pipe) {
		f->rpc = calloc(1, sizeof *f->rpc);
		if (f->rpc)
			c->s->memory += sizeof *f->rpc;
		else
			f->used = false;
	}
}

static void add_str(json_t *o, const char *k, const char *v)
{
	if (v && v[0])
		json_object_set_new(o, k, json_string(v));
}

__attribute__((format(printf, 6, 7))) static void raise_alert(struct smb_conn *c, const char *id,
							      const char *sev, const char *extra,
							      json_t *details, const char *fmt, ...)
{
	struct sensor_alert a;
	va_list ap;
	alert_init(&a, id);
	if (sev)
		alert_set_severity(&a, sev);
	va_start(ap, fmt);
	vsnprintf(a.evidence, sizeof a.evidence, fmt, ap);
	va_end(ap);
	a.details = details;
	sensor_alert_flow(c->s, c->f, &a, extra, c->s->cfg.dedupe_window_us);
}

/* An executable written to an administrative share: remembered so that a
 * service or task created later by the same client for the same server
 * raises it again as critical (the PsExec pattern: copy, then run). */
static void recent_add(struct smb_conn *c, const char *file)
{
	struct sensor *s = c->s;
	if (!s->lateral) {
		s->lateral = calloc(1, sizeof *s->lateral);
		if (!s->lateral)
			return;
		s->memory += sizeof *s->lateral;
	}
	struct lat_recent_entry *e = &s->lateral->e[s->lateral->next++ % LAT_RECENT];
	memset(e, 0, sizeof *e);
	e->used = true;
	e->ts_us = s->now_us;
	sensor_addr_str(c->f, false, e->cli, sizeof e->cli);
	sensor_addr_str(c->f, true, e->srv, sizeof e->srv);
	copy_str(e->file, sizeof e->file, file);
}

static void recent_escalate(struct smb_conn *c, const char *what, const char *name)
{
	struct sensor *s = c->s;
	char cli[48], srv[48];
	if (!s->lateral)
		return;
	sensor_addr_str(c->f, false, cli, sizeof cli);
	sensor_addr_str(c->f, true, srv, sizeof srv);
	for (unsigned i = 0; i < LAT_RECENT; i++) {
		struct lat_recent_entry *e = &s->lateral->e[i];
		if (!e->used || e->escalated || strcmp(e->cli, cli) || strcmp(e->srv, srv) ||
		    s->now_us - e->ts_us > s->cfg.dedupe_window_us)
			continue;
		e->escalated = true;
		json_t *d = json_object();
		add_str(d, "file", e->file);
		add_str(d, "followed_by", what);
		add_str(d, "name", name);
		raise_alert(c, "ADMIN_SHARE_EXEC_WRITE", "critical", e->file, d,
			    "executable %s written to an administrative share, then %s \"%s\" "
			    "from the same client",
			    e->file, what, name);
	}
}

static json_t *rpc_details(const struct lat_file *f, enum rpc_iface iface, uint16_t opnum,
			   bool ndr64)
{
	json_t *d = json_object();
	const char *op = rpc_opnum_name(iface, opnum);
	add_str(d, "pipe", f->name);
	add_str(d, "interface", rpc_iface_name(iface));
	json_object_set_new(d, "opnum", json_integer(opnum));
	add_str(d, "operation", op);
	add_str(d, "transfer_syntax", ndr64 ? "NDR64" : "NDR");
	return d;
}

static void on_svcctl(struct smb_conn *c, struct lat_file *f, uint16_t opnum, bool ndr64,
		      const struct rpc_names *n)
{
	if (!rpc_scmr_creates_service(opnum))
		return;
	const char *op = rpc_opnum_name(RPC_IF_SVCCTL, opnum);
	json_t *d = rpc_details(f, RPC_IF_SVCCTL, opnum, ndr64);
	add_str(d, "service", n->name);
	add_str(d, "binary_path", n->detail);
	char extra[160];
	snprintf(extra, sizeof extra, "svcctl %u %s", opnum, n->name);
	raise_alert(c, "LATERAL_SERVICE_CREATE", NULL, extra, d,
		    "service \"%s\" created remotely over \\%s (svcctl %s, opnum %u)%s%.160s",
		    n->name[0] ? n->name : "?", f->name, op, opnum, n->detail[0] ? ", binary " : "",
		    n->detail);
	recent_escalate(c, "service creation", n->name);
}

static void on_task(struct smb_conn *c, struct lat_file *f, enum rpc_iface iface,
		    uint16_t opnum, bool ndr64, const struct rpc_names *n)
{
	if (!(iface == RPC_IF_ATSVC && opnum == ATSVC_JOB_ADD) &&
	    !(iface == RPC_IF_TSCH && opnum == TSCH_REGISTER_TASK))
		return;
	const char *op = rpc_opnum_name(iface, opnum);
	json_t *d = rpc_details(f, iface, opnum, ndr64);
	add_str(d, "task", n->name);
	add_str(d, "command", n->detail);
	char extra[400];
	snprintf(extra, sizeof extra, "%s %u %s %s", rpc_iface_name(iface), opnum, n->name,
		 n->detail);
	raise_alert(c, "LATERAL_TASK_CREATE", NULL, extra, d,
		    "task %s%s%s scheduled remotely over \\%s (%s %s, opnum %u)%s%.200s",
		    n->name[0] ? "\"" : "", n->name[0] ? n->name : "(at job)", n->name[0] ? "\"" : "",
		    f->name, rpc_iface_name(iface), op, opnum, n->detail[0] ? ", command " : "",
		    n->detail);
	recent_escalate(c, "task creation", n->name[0] ? n->name : n->detail);
}

/* SAM, SECURITY or SYSTEM, alone or as the last part of a key path. */
static bool secret_hive(const char *key)
{
	const char *k = last_component(key);
	return strcasecmp(k, "SAM") == 0 || strcasecmp(k, "SECURITY") == 0 ||
	       strcasecmp(k, "SYSTEM") == 0;
}

static void on_winreg(struct smb_conn *c, struct lat_file *f, uint16_t opnum, bool ndr64,
		      const struct rpc_names *n)
{
	struct lat_rpc *x = f->rpc;
	const char *op = rpc_opnum_name(RPC_IF_WINREG, opnum);
	char extra[240];
	json_t *d;

	switch (opnum) {
	case RRP_OPEN_KEY:
		copy_str(x->last_key, sizeof x->last_key, n->name);
		return;
	case RRP_CREATE_KEY:
	case RRP_SET_VALUE:
		d = rpc_details(f, RPC_IF_WINREG, opnum, ndr64);
		add_str(d, opnum == RRP_CREATE_KEY ? "key" : "value", n->name);
		if (opnum == RRP_SET_VALUE)
			add_str(d, "key", x->last_key);
		snprintf(extra, sizeof extra, "%u %s %s", opnum, x->last_key, n->name);
		raise_alert(c, "REMOTE_REGISTRY_WRITE", NULL, extra, d,
			    "remote registry %s over \\%s: %s \"%s\"%s%s%s", op, f->name,
			    opnum == RRP_CREATE_KEY ? "key" : "value", n->name,
			    opnum == RRP_SET_VALUE && x->last_key[0] ? " (key last opened: " : "",
			    opnum == RRP_SET_VALUE ? x->last_key : "",
			    opnum == RRP_SET_VALUE && x->last_key[0] ? ")" : "");
		if (opnum == RRP_CREATE_KEY)
			copy_str(x->last_key, sizeof x->last_key, n->name);
		return;
	case RRP_SAVE_KEY:
	case RRP_SAVE_KEY_EX: {
		bool secret = secret_hive(x->last_key);
		d = rpc_details(f, RPC_IF_WINREG, opnum, ndr64);
		add_str(d, "key", x->last_key);
		add_str(d, "file", n->name);
		snprintf(extra, sizeof extra, "%s %s", x->last_key, n->name);
		raise_alert(c, "REMOTE_SECRETS_DUMP", secret ? NULL : "high", extra, d,
			    "%s over \\%s of key \"%s\" to file \"%s\"%s", op, f->name,
			    x->last_key[0] ? x->last_key : "?", n->name,
			    secret ? " - the credential hives (secretsdump)" : "");
		return;
	}
	default:
		return;
	}
}

static struct dcerpc_ctx *ctx_find(struct lat_rpc *x, uint16_t id)
{
	for (unsigned i = 0; i < x->n_ctx; i++)
		if (x->ctx[i].id == id)
			return &x->ctx[i];
	return NULL;
}

/* One fragment (or its first LAT_PREFIX bytes) the client sent. */
static void rpc_pdu(struct smb_conn *c, struct lat_file *f, size_t len)
{
	struct lat_rpc *x = f->rpc;
	struct dcerpc_pdu pdu;
	struct rd r;
	rd_init(&r, x->buf, len);
	if (dcerpc_pdu_decode_prefix(&r, &pdu) != WIRE_OK)
		return;
	if (pdu.ptype == DCERPC_PTYPE_BIND || pdu.ptype == DCERPC_PTYPE_ALTER_CONTEXT) {
		if (pdu.ptype == DCERPC_PTYPE_BIND)
			x->n_ctx = 0; /* a new association */
		for (unsigned i = 0; i < pdu.n_ctx; i++) {
			struct dcerpc_ctx *old = ctx_find(x, pdu.ctx[i].id);
			if (old)
				*old = pdu.ctx[i];
			else if (x->n_ctx < DCERPC_MAX_CTX)
				x->ctx[x->n_ctx++] = pdu.ctx[i];
		}
		return;
	}
	/* later fragments of a request carry no new opnum */
	if (pdu.ptype != DCERPC_PTYPE_REQUEST || !(pdu.flags & DCERPC_PFC_FIRST_FRAG))
		return;
	struct dcerpc_ctx *ctx = ctx_find(x, pdu.ctx_id);
	enum rpc_iface iface = ctx ? rpc_iface_of(&ctx->abstract) : RPC_IF_NONE;
	if (iface == RPC_IF_NONE)
		return;
	bool ndr64 = ctx->xfer == DCERPC_XFER_NDR64;
	struct rpc_names n;
	if (rpc_request_names(iface, pdu.opnum, ndr64, &pdu.stub, &n) == WIRE_UNSUPPORTED)
		return;
	switch (iface) {
	case RPC_IF_SVCCTL: on_svcctl(c, f, pdu.opnum, ndr64, &n); break;
	case RPC_IF_ATSVC:
	case RPC_IF_TSCH: on_task(c, f, iface, pdu.opnum, ndr64, &n); break;
	case RPC_IF_WINREG: on_winreg(c, f, pdu.opnum, ndr64, &n); break;
	default: break;
	}
}

static void rpc_reset(struct lat_rpc *x)
{
	x->got = x->want = x->rest = x->skip = 0;
}

/* Bytes the client wrote to a pipe, in order. A pipe write has no
 * position: the stream is the concatenation of the writes. */
static void rpc_feed(struct smb_conn *c, struct lat_file *f, struct rd *data)
{
	struct lat_rpc *x = f->rpc;
	while (rd_left(data)) {
		size_t n;
		if (x->skip) {
			n = rd_left(data) < x->skip ? rd_left(data) : x->skip;
			rd_skip(data, n);
			x->skip -= n;
			continue;
		}
		size_t need = x->want ? x->want : DCERPC_HDR;
		n = need - x->got < rd_left(data) ? need - x->got : rd_left(data);
		if (!rd_bytes(data, x->buf + x->got, n))
			return;
		x->got += n;
		if (x->got < need)
			return;
		if (!x->want) {
			/* C706 12.6.3.1: version 5, frag_length at offset 8 */
			uint16_t frag_len;
			uint8_t vers;
			struct rd h;
			rd_init(&h, x->buf, DCERPC_HDR);
			if (!rd_u8(&h, &vers) || vers != 5 || !rd_skip(&h, 7) ||
			    !rd_u16le(&h, &frag_len) || frag_len < DCERPC_HDR) {
				rpc_reset(x); /* lost: resume at the next write */
				return;
			}
			x->want = frag_len < LAT_PREFIX ? frag_len : LAT_PREFIX;
			x->rest = frag_len - x->want;
			if (x->got < x->want)
				continue;
		}
		size_t rest = x->rest;
		rpc_pdu(c, f, x->got);
		rpc_reset(x);
		x->skip = rest;
	}
}

/* Data the client wrote to file f at offset off: declared bytes, of which
 * data holds the part present in the message. */
static void on_write(struct smb_conn *c, struct lat_file *f, uint64_t off, struct rd *data,
		     uint32_t declared)
{
	if (f->rpc) {
		rpc_feed(c, f, data);
		if (data->len < declared)
			rpc_reset(f->rpc); /* part of the write is missing */
		return;
	}
	if (!f->admin || f->alerted)
		return;
	const uint8_t *p;
	bool mz = off == 0 && rd_left(data) >= 2 && rd_view(data, 2, &p) && p[0] == 'M' &&
		  p[1] == 'Z';
	if (!mz && !exec_name(f->name))
		return;
	f->alerted = true;
	json_t *d = json_object();
	add_str(d, "file", f->name);
	json_object_set_new(d, "mz_header", json_boolean(mz));
	raise_alert(c, "ADMIN_SHARE_EXEC_WRITE", NULL, f->name, d,
		    "executable %s written to an administrative share (%s)", f->name,
		    mz ? "MZ header at offset 0" : "executable file name");
	recent_add(c, f->name);
}

/* Bytes [off, off+len) of the message, cut to what it holds. */
static void msg_range(const struct smb_event *ev, uint32_t off, uint32_t len, struct rd *out)
{
	struct rd m = ev->msg;
	rd_init(out, NULL, 0);
	if (off >= m.len)
		return;
	size_t n = len < m.len - off ? len : m.len - off;
	rd_at(&m, off, n, out);
}

static void smb1_request(struct smb_conn *c, const struct smb_event *ev)
{
	struct rd w = ev->words;
	uint16_t fid, u16, dlen_hi, dlen, doff;
	uint32_t off_lo, off_hi = 0;
	struct lat_file *f;
	struct rd data;

	switch (ev->cmd) {
	case SMB1_WRITE_ANDX:
		/* MS-CIFS 2.2.4.43.1: AndX(4) FID Offset Timeout WriteMode
		 * Remaining DataLengthHigh DataLength DataOffset [OffsetHigh] */
		if (!rd_skip(&w, 4) || !rd_u16le(&w, &fid) || !rd_u32le(&w, &off_lo) ||
		    !rd_skip(&w, 8) || !rd_u16le(&w, &dlen_hi) || !rd_u16le(&w, &dlen) ||
		    !rd_u16le(&w, &doff))
			return;
		if (rd_left(&w) >= 4)
			rd_u32le(&w, &off_hi);
		if (!(f = file_find(c->lat, fid, 0)))
			return;
		msg_range(ev, doff, (uint32_t)dlen_hi << 16 | dlen, &data);
		on_write(c, f, (uint64_t)off_hi << 32 | off_lo, &data, (uint32_t)dlen_hi << 16 | dlen);
		return;
	case SMB1_TRANS:
		/* MS-CIFS 2.2.5.6.1 TransactNmPipe: Setup = {0x0026, FID};
		 * DataCount and DataOffset at byte 22 of the words */
		if (ev->setup_count < 2 || ev->setup0 != TRANS_TRANSACT_NMPIPE ||
		    !(f = file_find(c->lat, ev->setup1, 0)) || !rd_skip(&w, 22) ||
		    !rd_u16le(&w, &dlen) || !rd_u16le(&w, &doff))
			return;
		msg_range(ev, doff, dlen, &data);
		on_write(c, f, 0, &data, dlen);
		return;
	case SMB1_CLOSE:
		if (rd_u16le(&w, &u16) && (f = file_find(c->lat, u16, 0)))
			file_release(c, f);
		return;
	default:
		return;
	}
}

static void smb2_request(struct smb_conn *c, const struct smb_event *ev)
{
	struct rd m = ev->msg; /* positioned at the body */
	uint16_t ss, doff;
	uint32_t len, ctl, in_off;
	uint64_t off, id_p, id_v;
	struct lat_file *f;
	struct rd data;

	switch (ev->cmd) {
	case SMB2_WRITE:
		/* MS-SMB2 2.2.21: StructureSize DataOffset Length Offset FileId */
		if (!rd_u16le(&m, &ss) || !rd_u16le(&m, &doff) || !rd_u32le(&m, &len) ||
		    !rd_u64le(&m, &off) || !rd_u64le(&m, &id_p) || !rd_u64le(&m, &id_v) ||
		    !(f = file_find(c->lat, id_p, id_v)))
			return;
		msg_range(ev, doff, len, &data);
		on_write(c, f, off, &data, len);
		return;
	case SMB2_IOCTL:
		/* MS-SMB2 2.2.31: StructureSize Reserved CtlCode FileId
		 * InputOffset InputCount */
		if (!rd_skip(&m, 4) || !rd_u32le(&m, &ctl) || ctl != FSCTL_PIPE_TRANSCEIVE ||
		    !rd_u64le(&m, &id_p) || !rd_u64le(&m, &id_v) || !rd_u32le(&m, &in_off) ||
		    !rd_u32le(&m, &len) || !(f = file_find(c->lat, id_p, id_v)))
			return;
		msg_range(ev, in_off, len, &data);
		on_write(c, f, 0, &data, len);
		return;
	case SMB2_CLOSE:
		/* MS-SMB2 2.2.15: StructureSize Flags Reserved FileId */
		if (rd_skip(&m, 8) && rd_u64le(&m, &id_p) && rd_u64le(&m, &id_v) &&
		    (f = file_find(c->lat, id_p, id_v)))
			file_release(c, f);
		return;
	default:
		return;
	}
}

static void on_request(struct smb_conn *c, const struct smb_event *ev)
{
	char name[96];

	if (ev->what == SMB_W_TREE) {
		const char *share = last_component(ev->path);
		bool ipc = strcasecmp(share, "IPC$") == 0, admin = admin_share(share);
		if ((ipc || admin) && lat_get(c))
			pend_add(c->lat, PEND_TREE, ev, ipc, admin, share);
		return;
	}
	if (ev->what == SMB_W_CREATE) {
		struct lat_tree *t = c->lat ? tree_find(c->lat, ev->tid) : NULL;
		/* pipe name as in detect_flow.c: after the last backslash, lower case */
		const char *base = last_component(ev->path);
		size_t i = 0;
		for (; base[i] && i + 1 < sizeof name; i++)
			name[i] = (char)tolower((unsigned char)base[i]);
		name[i] = '\0';
		if (t && t->admin) {
			char full[96];
			snprintf(full, sizeof full, "%.31s\\%.63s", t->share,
				 ev->path[0] == '\\' ? ev->path + 1 : ev->path);
			pend_add(c->lat, PEND_CREATE, ev, false, true, full);
		} else if ((!t || t->ipc) && pipe_of_interest(name) && lat_get(c)) {
			/* tree not seen (capture began later): the name decides */
			pend_add(c->lat, PEND_CREATE, ev, true, false, name);
		}
		return;
	}
	if (!c->lat)
		return;
	if (ev->version == 1)
		smb1_request(c, ev);
	else
		smb2_request(c, ev);
}

static void on_reply(struct smb_conn *c, const struct smb_event *ev)
{
	struct det_lateral *d = c->lat;
	struct lat_pend *p;

	if (ev->what == SMB_W_TREE) {
		if (!(p = pend_take(d, PEND_TREE, ev->mid)) || ev->status != 0)
			return;
		struct lat_tree *t = tree_find(d, ev->tid);
		if (!t)
			t = &d->tree[d->tree_next++ % LAT_TREES];
		t->used = true;
		t->tid = ev->tid;
		t->ipc = p->ipc;
		t->admin = p->admin;
		copy_str(t->share, sizeof t->share, p->name);
		return;
	}
	if (ev->what != SMB_W_CREATE || !(p = pend_take(d, PEND_CREATE, ev->mid)) || ev->status != 0)
		return;
	if (ev->version == 1) {
		/* MS-CIFS 2.2.4.64.2: AndX(4) OplockLevel(1) FID(2) */
		struct rd w = ev->words;
		uint16_t fid;
		if (rd_skip(&w, 5) && rd_u16le(&w, &fid))
			file_add(c, p, fid, 0);
		return;
	}
	/* MS-SMB2 2.2.14: FileId at body offset 64 */
	struct rd m = ev->msg, id;
	uint64_t id_p, id_v;
	if (rd_at(&m, SMB2_HDR + 64, 16, &id) && rd_u64le(&id, &id_p) && rd_u64le(&id, &id_v))
		file_add(c, p, id_p, id_v);
}

void det_lateral_event(struct smb_conn *c, const struct smb_event *ev)
{
	if (ev->kind != SMB_EV_MESSAGE)
		return;
	if (ev->dir == FLOW_TO_SERVER && !ev->reply)
		on_request(c, ev);
	else if (ev->dir == FLOW_TO_CLIENT && ev->reply && c->lat)
		on_reply(c, ev);
}

void det_lateral_close(struct smb_conn *c)
{
	if (!c->lat)
		return;
	for (unsigned i = 0; i < LAT_FILES; i++)
		file_release(c, &c->lat->file[i]);
	free(c->lat);
	c->s->memory -= sizeof *c->lat;
	c->lat = NULL;
}

void det_lateral_free(struct sensor *s)
{
	if (s->lateral)
		s->memory -= sizeof *s->lateral;
	free(s->lateral);
	s->lateral = NULL;
}
