/* nbns_probe.c - NBSTAT over UDP 137 for one address; see nbns_probe.h. */
#include "probe/nbns_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/rate_bucket.h"
#include "record/record.h"
#include "wire/nbns.h"

/* A token bucket (net/rate_bucket.h): rate datagrams a second, bursts of a
 * twentieth of that; probes beyond it wait in a FIFO drained by one timer. */
#define NBNS_BURST_MS 50
struct nbns_pacer {
	uv_loop_t *loop;
	struct rate_bucket bucket;
	uv_timer_t timer;
	struct pacer_waiter *head, *tail; /* waiting to send */
	uint64_t sent;
};

struct nbns_probe {
	struct nbns_pacer *pacer;
	struct pacer_waiter wait; /* in the pacer's FIFO until its query goes */
	const struct scan_opts *opts;
	struct sockaddr_storage sa;
	uv_udp_t udp;
	uv_timer_t timer;
	unsigned open_handles;
	bool reported;
	uint16_t tid;
	service_done_fn done;
	void *ud;
};

static void pacer_tick(uv_timer_t *t);

struct nbns_pacer *nbns_pacer_new(uv_loop_t *loop, unsigned rate)
{
	struct nbns_pacer *p = calloc(1, sizeof *p);
	if (!p)
		abort();
	p->loop = loop;
	rate_bucket_init(&p->bucket, rate ? rate : NBNS_RATE_UNCAPPED, NBNS_BURST_MS, uv_now(loop));
	uv_timer_init(loop, &p->timer);
	p->timer.data = p;
	return p;
}

static void pacer_closed(uv_handle_t *h)
{
	free(h->data);
}

void nbns_pacer_free(struct nbns_pacer *p)
{
	if (p)
		uv_close((uv_handle_t *)&p->timer, pacer_closed);
}

uint64_t nbns_pacer_sent(const struct nbns_pacer *p)
{
	return p ? p->sent : 0;
}

static void probe_handle_closed(uv_handle_t *h)
{
	struct nbns_probe *pr = h->data;
	if (--pr->open_handles == 0)
		free(pr);
}

/* Report once, then close: the record lives only during done(). */
static void finish(struct nbns_probe *pr, enum svc_outcome o, struct svc_record *rec,
		   const char *why)
{
	if (pr->reported)
		return;
	pr->reported = true;
	uv_udp_recv_stop(&pr->udp);
	uv_timer_stop(&pr->timer);
	uv_close((uv_handle_t *)&pr->udp, probe_handle_closed);
	uv_close((uv_handle_t *)&pr->timer, probe_handle_closed);
	pr->done(o, rec, why, pr->ud);
}

static void addr_text(const struct sockaddr_storage *ss, char *ip, size_t ipsz, uint16_t *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, (socklen_t)ipsz);
		*port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, ip, (socklen_t)ipsz);
		*port = ntohs(s4->sin_port);
	}
}

static void answered(struct nbns_probe *pr, const struct nbns_status *st)
{
	struct svc_record *rec = malloc(sizeof *rec);
	if (!rec)
		abort();
	record_init(rec);
	addr_text(&pr->sa, rec->ip, sizeof rec->ip, &rec->port);
	rec->udp = true;
	record_set_str(rec->view, sizeof rec->view, pr->opts->view);
	rec->scanned_at = (int64_t)time(NULL);
	struct rec_nbns *n = &rec->nbns;
	n->present = true;
	n->n_total = st->n_total;
	for (unsigned i = 0; i < st->n_names && n->n_names < REC_MAX_NBNS_NAMES; i++) {
		struct rec_nbns_name *e = &n->names[n->n_names++];
		record_set_str(e->name, sizeof e->name, st->names[i].name);
		e->suffix = st->names[i].suffix;
		e->group = (st->names[i].flags & NBNS_FLAG_GROUP) != 0;
		e->active = (st->names[i].flags & NBNS_FLAG_ACTIVE) != 0;
	}
	memcpy(n->mac, st->mac, sizeof n->mac);
	for (unsigned i = 0; i < 6; i++)
		n->has_mac |= st->mac[i] != 0;
	record_check_set(rec, RCHK_NBNS, RCHK_OK, NULL);
	finish(pr, SVC_OPEN, rec, NULL);
	free(rec);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)h;
	(void)hint;
	static char slab[2048]; /* one datagram at a time on this loop */
	*buf = uv_buf_init(slab, sizeof slab);
}

static void on_recv(uv_udp_t *u, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *from,
		    unsigned flags)
{
	struct nbns_probe *pr = u->data;
	(void)from; /* the socket is connected: only the target's datagrams arrive */
	if (pr->reported)
		return;
	if (nread == UV_ECONNREFUSED) {
		finish(pr, SVC_CLOSED, NULL, NULL); /* ICMP port unreachable */
		return;
	}
	if (nread < 0) {
		finish(pr, SVC_ERROR, NULL, uv_strerror((int)nread));
		return;
	}
	if (nread == 0 || (flags & UV_UDP_PARTIAL))
		return;
	struct nbns_status st;
	if (nbns_nbstat_parse((const uint8_t *)buf->base, (size_t)nread, &st) != WIRE_OK ||
	    st.tid != pr->tid)
		return; /* not our answer: keep waiting until the timeout */
	answered(pr, &st);
}

static void on_timeout(uv_timer_t *t)
{
	finish(t->data, SVC_FILTERED, NULL, NULL); /* silence: open|filtered */
}

static void send_query(struct nbns_probe *pr)
{
	uint8_t q[NBNS_QUERY_LEN];
	size_t len = 0;
	nbns_nbstat_query(pr->tid, q, sizeof q, &len);
	uv_buf_t b = uv_buf_init((char *)q, (unsigned)len);
	int rc = uv_udp_try_send(&pr->udp, &b, 1, NULL);
	if (rc < 0 && rc != UV_EAGAIN) {
		finish(pr, rc == UV_ECONNREFUSED ? SVC_CLOSED : SVC_ERROR, NULL,
		       rc == UV_ECONNREFUSED ? NULL : uv_strerror(rc));
		return;
	}
	uv_timer_start(&pr->timer, on_timeout, pr->opts->read_timeout_ms, 0);
}

/* A token for one datagram now? */
static bool take_token(struct nbns_pacer *p)
{
	return rate_bucket_take(&p->bucket, uv_now(p->loop));
}

static void pacer_tick(uv_timer_t *t)
{
	struct nbns_pacer *p = t->data;
	while (p->head && take_token(p)) {
		struct pacer_waiter *w = p->head;
		p->head = w->next;
		if (!p->head)
			p->tail = NULL;
		p->sent++;
		w->go(w);
	}
	if (!p->head)
		uv_timer_stop(&p->timer);
}

void nbns_pacer_wait(struct nbns_pacer *p, struct pacer_waiter *w)
{
	w->next = NULL;
	if (!p->head && take_token(p)) {
		p->sent++;
		w->go(w);
		return;
	}
	if (p->tail)
		p->tail->next = w;
	else
		p->head = w;
	p->tail = w;
	if (!uv_is_active((uv_handle_t *)&p->timer))
		uv_timer_start(&p->timer, pacer_tick, 5, 5);
}

/* The pacer's go for an NBSTAT probe: its query goes now. */
static void query_go(struct pacer_waiter *w)
{
	send_query((struct nbns_probe *)((char *)w - offsetof(struct nbns_probe, wait)));
}

void nbns_probe_start(struct nbns_pacer *p, const struct scan_opts *opts,
		      const struct sockaddr *sa, service_done_fn done, void *ud)
{
	struct nbns_probe *pr = calloc(1, sizeof *pr);
	if (!pr)
		abort();
	pr->pacer = p;
	pr->opts = opts;
	pr->done = done;
	pr->ud = ud;
	memcpy(&pr->sa, sa,
	       sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	pr->tid = (uint16_t)(rand() & 0xFFFF); /* matches answer to query, not a secret */
	uv_timer_init(p->loop, &pr->timer);
	pr->timer.data = pr;
	pr->open_handles = 1;
	int rc = uv_udp_init(p->loop, &pr->udp);
	if (rc == 0) {
		pr->udp.data = pr;
		pr->open_handles = 2;
		rc = uv_udp_connect(&pr->udp, sa);
	}
	if (rc == 0)
		rc = uv_udp_recv_start(&pr->udp, on_alloc, on_recv);
	if (rc != 0) {
		pr->reported = true;
		if (pr->open_handles == 2)
			uv_close((uv_handle_t *)&pr->udp, probe_handle_closed);
		uv_close((uv_handle_t *)&pr->timer, probe_handle_closed);
		done(SVC_ERROR, NULL, uv_strerror(rc), ud);
		return;
	}
	pr->wait.go = query_go;
	nbns_pacer_wait(p, &pr->wait);
}
