/* epm.c - the endpoint mapper conversation and its service; see epm.h. */
#include "probe/epm.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check/check.h"
#include "probe/conn.h"
#include "wire/epm.h"
#include "wire/oxid.h"

/* ept_lookup calls per walk: EPM_LOOKUP_MAX_ENTS each, far above any real
 * mapper (a Windows DC lists a few hundred entries) */
#define EPM_MAX_CALLS 64
/* a response may come in several fragments (Samba cuts at 4280 bytes):
 * their stubs are joined here */
#define EPM_STUB_MAX (64u * 1024u)

enum epm_phase { EPM_BIND = 0, EPM_LOOKUP };

struct epm_state {
	enum epm_phase phase;
	uint32_t call_id;
	unsigned calls;
	uint8_t handle[20];
	size_t stub_len;
	uint8_t stub[EPM_STUB_MAX];
	struct epm_lookup_resp resp;
};

static int send_lookup(struct epm_state *st, struct wr *out)
{
	uint8_t req[64];
	struct wr w;
	wr_init(&w, req, sizeof req);
	int rc = epm_lookup_req_encode(&w, st->handle, EPM_LOOKUP_MAX_ENTS);
	if (rc != WIRE_OK)
		return rc;
	st->phase = EPM_LOOKUP;
	st->stub_len = 0;
	st->calls++;
	rc = dcerpc_request_encode(out, ++st->call_id, EPM_OPNUM_LOOKUP, req, (uint32_t)w.len);
	return rc == WIRE_OK ? PROBE_SEND_RPC : rc;
}

static int epm_start(void *vst, struct probe_ctx *ctx, struct wr *out)
{
	struct epm_state *st = vst;
	(void)ctx;
	st->call_id = 1;
	int rc = dcerpc_bind_encode(out, st->call_id, &dcerpc_epm);
	return rc == WIRE_OK ? PROBE_SEND_RPC : rc;
}

/* Each entry into the record, grouped by interface. */
static void record_entries(struct svc_record *rec, const struct epm_lookup_resp *resp)
{
	for (uint32_t i = 0; i < resp->n; i++) {
		const struct epm_entry *en = &resp->entries[i];
		rec->epm.n_entries++;
		if (!en->has_tower || !en->tower.has_iface)
			continue;
		char uuid[40];
		guid_to_string(en->tower.iface.uuid, uuid, sizeof uuid);
		struct rec_epm_iface *f = record_epm_iface(rec, uuid, en->tower.iface.ver_major,
							   en->tower.iface.ver_minor);
		if (!f) {
			rec->epm.complete = false;
			continue;
		}
		if (!f->annotation[0])
			record_set_str(f->annotation, sizeof f->annotation, en->annotation);
		if (!en->tower.binding[0])
			continue;
		bool seen = false;
		for (unsigned b = 0; b < f->n_bindings; b++)
			seen |= strcmp(f->bindings[b], en->tower.binding) == 0;
		if (!seen && f->n_bindings < REC_MAX_EPM_BINDINGS)
			record_set_str(f->bindings[f->n_bindings++], sizeof f->bindings[0],
				       en->tower.binding);
	}
}

/* A whole ept_lookup answer: record it, then the next call or the end. */
static int lookup_done(struct epm_state *st, struct probe_ctx *ctx, struct wr *out)
{
	struct svc_record *rec = ctx->rec;
	struct rd stub;
	rd_init(&stub, st->stub, st->stub_len);
	int rc = epm_lookup_resp_decode(&stub, &st->resp);
	if (rc != WIRE_OK) {
		rec->epm.complete = false;
		record_add_error(rec, "epm", "ept_lookup answer: %s", wire_strerror(rc));
		return rc;
	}
	rec->epm.present = true;
	record_entries(rec, &st->resp);
	/* the end: Samba says "not registered" on its last page, Windows
	 * gives a null handle; any other status is an error */
	bool end = st->resp.status == EPM_S_NOT_REGISTERED || epm_handle_is_null(st->resp.handle) ||
		   st->resp.n == 0;
	if (st->resp.status != 0 && st->resp.status != EPM_S_NOT_REGISTERED) {
		rec->epm.complete = false;
		record_add_error(rec, "epm", "ept_lookup status 0x%08x", st->resp.status);
		return PROBE_DONE;
	}
	if (end)
		return PROBE_DONE;
	if (st->calls >= EPM_MAX_CALLS) {
		rec->epm.complete = false;
		record_add_error(rec, "epm", "stopped after %u ept_lookup calls", st->calls);
		return PROBE_DONE;
	}
	memcpy(st->handle, st->resp.handle, sizeof st->handle);
	return send_lookup(st, out);
}

static int epm_on_frame(void *vst, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	struct epm_state *st = vst;
	struct dcerpc_pdu pdu;
	int rc = dcerpc_pdu_decode(msg, &pdu);
	if (rc != WIRE_OK)
		return rc;
	if (pdu.ptype == DCERPC_PTYPE_FAULT || pdu.ptype == DCERPC_PTYPE_BIND_NAK) {
		ctx->rec->epm.complete = false;
		record_add_error(ctx->rec, "epm", "%s 0x%08x",
				 pdu.ptype == DCERPC_PTYPE_FAULT ? "fault" : "bind refused", pdu.status);
		return PROBE_DONE;
	}
	if (st->phase == EPM_BIND) {
		if (pdu.ptype != DCERPC_PTYPE_BIND_ACK || pdu.ack_result != 0) {
			record_add_error(ctx->rec, "epm", "EPM bind not accepted");
			return PROBE_DONE;
		}
		/* complete until something is dropped or fails on the way */
		ctx->rec->epm.complete = true;
		return send_lookup(st, out);
	}
	if (pdu.ptype != DCERPC_PTYPE_RESPONSE || pdu.call_id != st->call_id)
		return WIRE_MALFORMED;
	size_t n = rd_left(&pdu.stub);
	const uint8_t *p;
	if (n > EPM_STUB_MAX - st->stub_len) {
		record_add_error(ctx->rec, "epm", "ept_lookup answer above %u bytes", EPM_STUB_MAX);
		return WIRE_TOO_LARGE;
	}
	if (!rd_view(&pdu.stub, n, &p))
		return pdu.stub.err;
	memcpy(st->stub + st->stub_len, p, n);
	st->stub_len += n;
	if (!(pdu.flags & DCERPC_PFC_LAST_FRAG))
		return PROBE_WAIT; /* more fragments of this answer */
	return lookup_done(st, ctx, out);
}

static void epm_finish(void *vst, struct probe_ctx *ctx, enum probe_end why)
{
	struct epm_state *st = vst;
	if (!ctx->rec)
		return;
	if (why != PROBE_END_DONE || st->phase != EPM_LOOKUP) {
		ctx->rec->epm.complete = false;
		if (why != PROBE_END_DONE)
			record_add_error(ctx->rec, "epm", "endpoint mapper: %s", probe_end_name(why));
	}
}

const struct probe_ops probe_epm = {
	.name = "epm",
	.help = "RPC endpoint mapper on TCP 135: ept_lookup walk",
	.state_size = sizeof(struct epm_state),
	.start = epm_start,
	.on_frame = epm_on_frame,
	.finish = epm_finish,
};

/* IObjectExporter::ServerAlive2 on its own connection: BIND, then opnum 5
 * with an empty stub. A server without DCOM (Samba) refuses the BIND:
 * nothing learned, nothing wrong. */
struct oxid_state {
	bool bound;
	struct oxid_alive2 alive;
};

static int oxid_start(void *vst, struct probe_ctx *ctx, struct wr *out)
{
	(void)vst;
	(void)ctx;
	int rc = dcerpc_bind_encode(out, 1, &dcerpc_iobjectexporter);
	return rc == WIRE_OK ? PROBE_SEND_RPC : rc;
}

static int oxid_on_frame(void *vst, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	struct oxid_state *st = vst;
	struct dcerpc_pdu pdu;
	int rc = dcerpc_pdu_decode(msg, &pdu);
	if (rc != WIRE_OK)
		return rc;
	if (!st->bound) {
		if (pdu.ptype != DCERPC_PTYPE_BIND_ACK || pdu.ack_result != 0)
			return PROBE_DONE; /* no IObjectExporter here */
		st->bound = true;
		rc = dcerpc_request_encode(out, 2, OXID_OPNUM_SERVER_ALIVE2, NULL, 0);
		return rc == WIRE_OK ? PROBE_SEND_RPC : rc;
	}
	if (pdu.ptype != DCERPC_PTYPE_RESPONSE)
		return PROBE_DONE; /* a fault: ServerAlive2 not offered */
	rc = oxid_server_alive2_resp_decode(&pdu.stub, &st->alive);
	if (rc != WIRE_OK) {
		record_add_error(ctx->rec, "epm", "ServerAlive2 answer: %s", wire_strerror(rc));
		return rc;
	}
	if (st->alive.status != 0)
		return PROBE_DONE;
	struct rec_epm *e = &ctx->rec->epm;
	e->has_addresses = true;
	for (unsigned i = 0; i < st->alive.n_addrs && e->n_addresses < REC_MAX_EPM_ADDRS; i++)
		record_set_str(e->addresses[e->n_addresses++], sizeof e->addresses[0],
			       st->alive.addrs[i].addr);
	return PROBE_DONE;
}

static void oxid_finish(void *vst, struct probe_ctx *ctx, enum probe_end why)
{
	(void)vst;
	(void)ctx;
	(void)why;
}

const struct probe_ops probe_oxid = {
	.name = "oxid",
	.help = "IObjectExporter::ServerAlive2 on TCP 135: the host's network addresses",
	.state_size = sizeof(struct oxid_state),
	.start = oxid_start,
	.on_frame = oxid_on_frame,
	.finish = oxid_finish,
};

/* 64-bit or not, on a third connection: a BIND of EPM offering NDR64 only
 * (impacket's getArch.py asks the same); nothing is called. */
static int arch_start(void *vst, struct probe_ctx *ctx, struct wr *out)
{
	(void)vst;
	(void)ctx;
	int rc = dcerpc_bind_encode_xfer(out, 1, &dcerpc_epm, &dcerpc_ndr64);
	return rc == WIRE_OK ? PROBE_SEND_RPC : rc;
}

static int arch_on_frame(void *vst, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	(void)vst;
	(void)out;
	struct dcerpc_pdu pdu;
	int rc = dcerpc_pdu_decode(msg, &pdu);
	if (rc != WIRE_OK)
		return rc;
	const char *arch = epm_arch_name(epm_arch_of_bind_answer(&pdu));
	if (arch)
		record_set_str(ctx->rec->epm.arch, sizeof ctx->rec->epm.arch, arch);
	return PROBE_DONE;
}

const struct probe_ops probe_epm_arch = {
	.name = "epm-arch",
	.help = "EPM bind offering NDR64 on TCP 135: 64-bit or not",
	.state_size = 1,
	.start = arch_start,
	.on_frame = arch_on_frame,
	.finish = oxid_finish,
};

/* The service: the walk, then ServerAlive2 and the NDR64 bind on
 * connections of their own, reported as service_start reports. */
struct epm_service {
	struct engine *e;
	struct sockaddr_storage sa;
	struct probe_ctx ctx;
	struct conv_result walk;
	service_done_fn done;
	void *ud;
	uint16_t conns; /* the record's cost.connections */
};

static void report(struct epm_service *s, const struct conv_result *res);

static void arch_conv_done(const struct conv_result *res, void *ud)
{
	struct epm_service *s = ud;
	(void)res;
	report(s, &s->walk);
}

static void oxid_conv_done(const struct conv_result *res, void *ud)
{
	struct epm_service *s = ud;
	(void)res;
	s->conns++;
	struct conv *c = conv_start(s->e, (struct sockaddr *)&s->sa, NULL, &probe_epm_arch, &s->ctx,
				    arch_conv_done, s);
	conv_set_dcerpc(c);
}

static void epm_conv_done(const struct conv_result *res, void *ud)
{
	struct epm_service *s = ud;
	/* the mapper answered: ask the same port for the host's addresses */
	if (res->connect == ECONN_OK && s->ctx.rec) {
		s->walk = *res;
		s->conns++;
		struct conv *c = conv_start(s->e, (struct sockaddr *)&s->sa, NULL, &probe_oxid,
					    &s->ctx, oxid_conv_done, s);
		conv_set_dcerpc(c);
		return;
	}
	report(s, res);
}

static void report(struct epm_service *s, const struct conv_result *res)
{
	char why[96];
	enum svc_outcome o = svc_outcome_of_connect(res, why, sizeof why);
	struct svc_record *rec = o == SVC_OPEN ? s->ctx.rec : NULL;
	if (rec) {
		rec->scanned_at = (int64_t)time(NULL);
		rec->cost.connections = s->conns;
		if (rec->epm.present)
			record_check_set(rec, RCHK_EPM, RCHK_OK, NULL);
		else
			record_check_set(rec, RCHK_EPM, RCHK_FAILED, probe_end_name(res->end));
	}
	s->done(o, rec, o == SVC_ERROR ? why : NULL, s->ud);
	if (s->ctx.rec)
		record_release(s->ctx.rec);
	free(s->ctx.rec);
	free(s);
}

void epm_service_start(struct engine *e, const struct scan_opts *opts, const struct sockaddr *sa,
		       unsigned patient_connect_ms, service_done_fn done, void *ud)
{
	struct epm_service *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	s->done = done;
	s->ud = ud;
	s->e = e;
	memcpy(&s->sa, sa,
	       sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	s->ctx.opts = opts;
	s->ctx.port = EPM_PORT;
	if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, s->ctx.ip,
			  sizeof s->ctx.ip);
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, s->ctx.ip,
			  sizeof s->ctx.ip);
	s->conns = 1;
	struct conv *c = conv_start(e, sa, NULL, &probe_epm, &s->ctx, epm_conv_done, s);
	conv_set_dcerpc(c);
	if (patient_connect_ms)
		conv_set_connect_timeout(c, patient_connect_ms);
}
