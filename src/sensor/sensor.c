/* sensor.c - packets to flows to SMB events to detectors; see sensor.h. */
#include "sensor/sensor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/targets.h"
#include "sensor/sensor_int.h"

/* Sources tracked for the scan and logon windows. */
#define SENSOR_MAX_HOSTS 65536
/* Alert keys remembered for de-duplication. */
#define SENSOR_DEDUPE_KEYS 4096
#define US 1000000ull

void sensor_config_defaults(struct sensor_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->max_flows = 65536;
	cfg->max_memory = 256u << 20;
	cfg->flow_ooo_cap = 256u << 10;
	cfg->idle_timeout_us = 600 * US;
	cfg->short_timeout_us = 30 * US;
	cfg->scan_hosts = 32;
	cfg->scan_failed_hosts = 8;
	cfg->scan_window_us = 300 * US;
	cfg->brute_failures = 10;
	cfg->spray_accounts = 5;
	cfg->brute_window_us = 300 * US;
	cfg->dedupe_window_us = 3600 * US;
}

static void on_flow_close(void *ctx, struct flow *f, enum flow_end why);

struct sensor *sensor_new(const struct sensor_config *cfg)
{
	struct sensor *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->cfg = *cfg;
	/* --max-memory bounds the whole sensor, not only what flows buffer: a
	 * flood from spoofed sources fills the per-source table (~3.5 KiB an
	 * entry, 65,536 entries = 230 MiB), so it gets at most a quarter of
	 * the cap and flows the rest; and no more hash buckets than flows that
	 * fit in their share (--max-flows 4M alone meant 32 MiB of buckets) */
	size_t max_hosts = cfg->max_memory / 4 / host_entry_bytes();
	if (max_hosts > SENSOR_MAX_HOSTS)
		max_hosts = SENSOR_MAX_HOSTS;
	if (max_hosts < 1)
		max_hosts = 1;
	s->flow_memory_cap = cfg->max_memory > max_hosts * host_entry_bytes()
				     ? cfg->max_memory - max_hosts * host_entry_bytes()
				     : 0;
	size_t max_flows = s->flow_memory_cap / sizeof(struct flow) + 1;
	if (max_flows > cfg->max_flows)
		max_flows = cfg->max_flows;
	s->flows = flow_table_new(max_flows, on_flow_close, s);
	s->dedupe = alert_dedupe_new(SENSOR_DEDUPE_KEYS);
	s->hosts = host_table_new(max_hosts);
	s->summary = summary_new();
	if (!s->flows || !s->dedupe || !s->hosts || !s->summary) {
		sensor_free(s);
		return NULL;
	}
	return s;
}

void sensor_free(struct sensor *s)
{
	if (!s)
		return;
	if (s->flows)
		flow_table_free(s->flows); /* closes what is left */
	alert_dedupe_free(s->dedupe);
	host_table_free(s->hosts);
	summary_free(s->summary);
	det_lateral_free(s);
	free(s);
}

void sensor_addr_str(const struct flow *f, bool server, char *out, size_t outsz)
{
	pkt_addr_str(f->key.family, server ? f->key.srv : f->key.cli, out, outsz);
}

void sensor_report_seen(struct sensor *s, const struct flow *f, uint8_t version,
			const char *dialect, bool sign_required)
{
	if (!s->cfg.seen_fn)
		return;
	struct sensor_seen o;
	memset(&o, 0, sizeof o);
	o.ts_us = s->now_us;
	sensor_addr_str(f, true, o.server, sizeof o.server);
	sensor_addr_str(f, false, o.client, sizeof o.client);
	o.port = f->key.sport;
	o.version = version;
	snprintf(o.dialect, sizeof o.dialect, "%s", dialect ? dialect : "");
	o.sign_required = sign_required;
	s->cfg.seen_fn(s->cfg.seen_ctx, &o);
}

bool sensor_source_approved(const struct sensor *s, const char *addr)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *v4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)(void *)&ss;
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	else
		return false;
	return targets_contains(s->cfg.approved_scanners, &ss);
}

/* The one exit for alerts: swap alert_fn to route them elsewhere. */
void sensor_alert_raw(struct sensor *s, struct sensor_alert *a)
{
	if (a->probe && s->cfg.approved_scanners && sensor_source_approved(s, a->src))
		alert_approve_probe(a);
	if (s->cfg.escalate_fn)
		s->cfg.escalate_fn(s->cfg.escalate_ctx, a);
	s->st.alerts++;
	summary_alert(s->summary, a->id, a->severity);
	if (s->cfg.alert_fn)
		s->cfg.alert_fn(s->cfg.alert_ctx, a);
	json_decref(a->details);
	a->details = NULL;
	json_decref(a->escalation);
	a->escalation = NULL;
}

void sensor_alert_flow(struct sensor *s, const struct flow *f, struct sensor_alert *a,
		       const char *extra, uint64_t window_us)
{
	a->ts_us = s->now_us;
	sensor_addr_str(f, false, a->src, sizeof a->src);
	sensor_addr_str(f, true, a->dst, sizeof a->dst);
	a->src_port = f->key.cport;
	a->dst_port = f->key.sport;
	if (window_us && alert_dedupe_seen(s->dedupe, a, extra, window_us)) {
		json_decref(a->details);
		a->details = NULL;
		return;
	}
	sensor_alert_raw(s, a);
}

#define SMB1_READ_ANDX 0x2E
#define SMB1_WRITE_ANDX 0x2F
#define SMB2_STATUS_PENDING 0x00000103u /* interim response to an async request */
#define SMB2_READ 0x0008
#define SMB2_WRITE 0x0009

/* The message counts --summary and --stats show. */
static void count_message(struct sensor_stats *st, const struct smb_event *ev)
{
	if (ev->kind == SMB_EV_OVERSIZE) {
		st->oversize_frames++;
		return;
	}
	if (ev->kind != SMB_EV_MESSAGE)
		return;
	if (ev->reply) {
		if (ev->what == SMB_W_SESSION && ev->status == 0)
			st->sessions++;
		return;
	}
	bool v2 = ev->version == 2;
	if (ev->cmd == (v2 ? SMB2_READ : SMB1_READ_ANDX))
		st->reads++;
	else if (ev->cmd == (v2 ? SMB2_WRITE : SMB1_WRITE_ANDX))
		st->writes++;
}

static void on_smb_event(void *ctx, const struct smb_event *ev)
{
	struct smb_conn *c = ctx;
	c->s->st.frames++;
	count_message(&c->s->st, ev);
	/* An SMB2 interim response (STATUS_PENDING, async) says the server
	 * is still working: smbd sends one when a pipe open waits for
	 * samba-dcerpcd to start. The real answer follows with the same
	 * MessageId, so the detectors must not take this one for it. */
	if (ev->kind == SMB_EV_MESSAGE && ev->reply && ev->version == 2 &&
	    ev->status == SMB2_STATUS_PENDING)
		return;
	det_flow_event(c, ev);
	det_lateral_event(c, ev);
}

struct deliver_ctx {
	struct smb_conn *c;
	int dir;
};

static void on_bytes(void *ctx, const uint8_t *data, size_t len, bool gap)
{
	struct deliver_ctx *d = ctx;
	struct sensor *s = d->c->s;
	if (gap && data) /* NULL data: stream picked up mid-way, not a hole */
		s->st.gaps++;
	long delta = smb_stream_feed(&d->c->stream, d->dir, data, len, gap);
	s->memory = (size_t)((long)s->memory + delta);
}

static struct smb_conn *conn_of(struct sensor *s, struct flow *f)
{
	if (f->smb)
		return f->smb;
	struct smb_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->s = s;
	c->f = f;
	smb_stream_init(&c->stream, on_smb_event, c);
	f->smb = c;
	s->memory += sizeof *c;
	return c;
}

static void on_flow_close(void *ctx, struct flow *f, enum flow_end why)
{
	struct sensor *s = ctx;
	long delta = 0;
	struct smb_conn *c = f->smb;
	if (c) {
		for (int dir = 0; dir < 2; dir++) {
			struct deliver_ctx d = {c, dir};
			delta += reasm_flush(&f->rs[dir], on_bytes, &d);
		}
		det_flow_close(c);
		det_lateral_close(c);
		delta += smb_stream_free(&c->stream);
		free(c);
		delta -= (long)sizeof *c;
		f->smb = NULL;
	}
	delta += reasm_free(&f->rs[0]) + reasm_free(&f->rs[1]);
	delta -= (long)sizeof *f;
	s->memory = (size_t)((long)s->memory + delta);
	host_connect_result(s, f);
	summary_seen(s->summary, f);
	/* a server that answered, negotiated or not (a capture that began
	 * mid-connection holds no NEGOTIATE) */
	if (f->established)
		sensor_report_seen(s, f, 0, "", false);
	if (why == FLOW_END_EVICTED)
		s->st.flows_evicted++;
}

static bool smb_port(uint16_t p)
{
	return p == 445 || p == 139;
}

void sensor_advance(struct sensor *s, uint64_t now_us)
{
	if (now_us > s->now_us)
		s->now_us = now_us;
	if (s->now_us - s->last_expire_us >= US) {
		flow_expire(s->flows, s->now_us, s->cfg.short_timeout_us, s->cfg.idle_timeout_us);
		s->last_expire_us = s->now_us;
	}
}

void sensor_packet(struct sensor *s, const struct pkt *p)
{
	struct flow_key k;
	int dir;

	s->st.tcp_packets++;
	sensor_advance(s, p->ts_us);
	memset(&k, 0, sizeof k);
	k.family = p->family;
	size_t alen = p->family == 6 ? 16 : 4;
	if (smb_port(p->dport)) {
		dir = FLOW_TO_SERVER;
		memcpy(k.cli, p->src, alen);
		memcpy(k.srv, p->dst, alen);
		k.cport = p->sport;
		k.sport = p->dport;
	} else if (smb_port(p->sport)) {
		dir = FLOW_TO_CLIENT;
		memcpy(k.cli, p->dst, alen);
		memcpy(k.srv, p->src, alen);
		k.cport = p->dport;
		k.sport = p->sport;
	} else {
		return;
	}
	s->st.smb_packets++;
	bool syn = p->flags & PKT_TCP_SYN, ack = p->flags & PKT_TCP_ACK;
	/* a stray RST or FIN for a flow we never saw opens nothing */
	bool create = (syn && !ack) || p->payload_len > 0;
	/* not "the count grew": with the table full, a new flow replaces the
	 * evicted one and the count stays the same */
	bool created;
	struct flow *f = flow_lookup(s->flows, &k, s->now_us, create, &created);
	if (!f)
		return;
	if (created) {
		s->st.flows++;
		s->memory += sizeof *f;
	}
	if (syn && !ack && dir == FLOW_TO_SERVER) {
		if (!f->syn)
			host_connect_attempt(s, f);
		f->syn = true;
		reasm_syn(&f->rs[FLOW_TO_SERVER], p->seq);
	} else if (syn && ack && dir == FLOW_TO_CLIENT) {
		f->synack = true;
		f->established = true;
		reasm_syn(&f->rs[FLOW_TO_CLIENT], p->seq);
	}
	if (p->payload_len) {
		/* data from the server means the connection is up, even when
		 * the handshake was before the capture began */
		if (dir == FLOW_TO_CLIENT)
			f->established = true;
		f->bytes[dir] += p->payload_len;
		struct smb_conn *c = conn_of(s, f);
		if (c) {
			struct deliver_ctx d = {c, dir};
			long delta = reasm_segment(&f->rs[dir], p->seq, p->payload, p->payload_len,
						   s->cfg.flow_ooo_cap, on_bytes, &d);
			s->memory = (size_t)((long)s->memory + delta);
		}
	}
	if ((p->flags & (PKT_TCP_FIN | PKT_TCP_RST)) && dir == FLOW_TO_SERVER && f->smb)
		det_flow_client_closed(f->smb);
	if (p->flags & PKT_TCP_FIN)
		f->fin[dir] = true;
	if (p->flags & PKT_TCP_RST)
		f->rst = true;
	if (s->memory > s->st.peak_memory)
		s->st.peak_memory = s->memory;
	if (f->rst || (f->fin[0] && f->fin[1]))
		flow_close(s->flows, f, FLOW_END_CLOSED);
	while (s->memory > s->flow_memory_cap && flow_evict_one(s->flows))
		;
}

void sensor_finish(struct sensor *s)
{
	flow_close_all(s->flows, FLOW_END_SHUTDOWN);
	host_finish(s);
}

void sensor_add_capture_counts(struct sensor *s, uint64_t packets, uint64_t bytes,
			       uint64_t bad)
{
	s->st.packets += packets;
	s->st.bytes += bytes;
	s->st.bad_packets += bad;
}

void sensor_get_stats(const struct sensor *s, struct sensor_stats *out)
{
	*out = s->st;
	out->peak_flows = flow_peak(s->flows);
}

void sensor_summary_print(const struct sensor *s, FILE *f)
{
	summary_print(s, s->summary, f);
}
