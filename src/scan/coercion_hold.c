/* coercion_hold.c - 135 records wait for their host's relay verdict; see
 * coercion_hold.h. */
#include "scan/coercion_hold.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/assess.h"
#include "assess/relay_verdict.h"
#include "check/check.h"
#include "probe/dc_ports.h"
#include "scan/record_shelf.h"

/* a host's DC signs seen in other records */
struct dc_host {
	char ip[64];
	char signs[128]; /* "TCP 88 open (Kerberos), <1C> name (LABAD)" */
};

struct coercion_hold {
	struct record_shelf kept;  /* the 135 records */
	struct host_set targets;   /* hosts whose SMB service is a relay target */
	struct dc_host *dcs;
	size_t n_dcs, cap_dcs;
};

struct coercion_hold *coercion_hold_new(void)
{
	struct coercion_hold *h = calloc(1, sizeof *h);
	if (!h)
		abort();
	return h;
}

static bool has_coercion(const struct svc_record *rec)
{
	for (unsigned i = 0; i < rec->n_findings; i++)
		if (strcmp(rec->findings[i].id, "COERCION_SURFACE") == 0)
			return true;
	return false;
}

static void note_dc_sign(struct coercion_hold *h, const char *ip, const char *sign)
{
	struct dc_host *d = NULL;
	for (size_t i = 0; i < h->n_dcs && !d; i++)
		if (strcmp(h->dcs[i].ip, ip) == 0)
			d = &h->dcs[i];
	if (!d) {
		shelf_grow((void **)&h->dcs, &h->cap_dcs, h->n_dcs, sizeof *h->dcs);
		d = &h->dcs[h->n_dcs++];
		memset(d, 0, sizeof *d);
		record_set_str(d->ip, sizeof d->ip, ip);
	}
	if (!strstr(d->signs, sign))
		check_join(d->signs, sizeof d->signs, sign);
}

static const struct dc_host *dc_host_of(const struct coercion_hold *h, const char *ip)
{
	for (size_t i = 0; i < h->n_dcs; i++)
		if (strcmp(h->dcs[i].ip, ip) == 0)
			return &h->dcs[i];
	return NULL;
}

void coercion_hold_note_open(struct coercion_hold *h, const char *ip, uint16_t port)
{
	const char *sign = dc_port_sign(port);
	if (sign)
		note_dc_sign(h, ip, sign);
}

/* <1C> is the domain's "domain controllers" group name: only a DC
 * registers it (RFC 1002 names, MS-WPO) */
static void note_nbns(struct coercion_hold *h, const struct svc_record *rec)
{
	for (unsigned i = 0; i < rec->nbns.n_names; i++) {
		if (rec->nbns.names[i].suffix != 0x1c)
			continue;
		char sign[64];
		snprintf(sign, sizeof sign, "<1C> name (%s)", rec->nbns.names[i].name);
		note_dc_sign(h, rec->ip, sign);
	}
}

bool coercion_hold_take(struct coercion_hold *h, const struct svc_record *rec)
{
	if (rec->nbns.present) {
		note_nbns(h, rec);
		return false;
	}
	if (record_is_smb(rec)) {
		struct relay_verdict v;
		relay_verdict_of(rec, &v);
		if (v.target)
			host_set_add(&h->targets, rec->ip);
		return false;
	}
	/* every 135 record waits: a DC sign may still come for its host */
	if (!rec->epm.present)
		return false;
	record_shelf_keep(&h->kept, rec);
	return true;
}

struct flush_ctx {
	const struct coercion_hold *h;
	void (*report)(struct svc_record *rec, void *ud);
	void *ud;
};

static void decide(struct svc_record *rec, void *arg)
{
	const struct flush_ctx *f = arg;
	const struct dc_host *dc = dc_host_of(f->h, rec->ip);
	if (dc)
		assess_dc_signs(rec, dc->signs);
	if (host_set_has(&f->h->targets, rec->ip) && has_coercion(rec))
		assess_coercion_relay_target(rec);
	f->report(rec, f->ud);
}

void coercion_hold_flush(struct coercion_hold *h, void (*report)(struct svc_record *rec, void *ud),
			 void *ud)
{
	struct flush_ctx f = {h, report, ud};
	record_shelf_drain(&h->kept, report ? decide : NULL, &f);
}

void coercion_hold_free(struct coercion_hold *h)
{
	if (!h)
		return;
	record_shelf_free(&h->kept);
	host_set_free(&h->targets);
	free(h->dcs);
	free(h);
}
