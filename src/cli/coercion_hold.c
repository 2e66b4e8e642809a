/* coercion_hold.c - 135 records wait for their host's relay verdict; see
 * coercion_hold.h. */
#include "cli/coercion_hold.h"

#include <stdlib.h>
#include <string.h>

#include "assess/assess.h"
#include "assess/relay_verdict.h"

struct coercion_hold {
	struct svc_record **kept;
	size_t n_kept, cap_kept;
	char (*targets)[64]; /* hosts whose SMB service is a relay target */
	size_t n_targets, cap_targets;
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

static bool is_target(const struct coercion_hold *h, const char *ip)
{
	for (size_t i = 0; i < h->n_targets; i++)
		if (strcmp(h->targets[i], ip) == 0)
			return true;
	return false;
}

static void grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return;
	*cap = *cap ? *cap * 2 : 16;
	void *q = realloc(*p, *cap * size);
	if (!q)
		abort();
	*p = q;
}

bool coercion_hold_take(struct coercion_hold *h, const struct svc_record *rec)
{
	if (record_is_smb(rec)) {
		struct relay_verdict v;
		relay_verdict_of(rec, &v);
		if (v.target && !is_target(h, rec->ip)) {
			grow((void **)&h->targets, &h->cap_targets, h->n_targets, sizeof *h->targets);
			record_set_str(h->targets[h->n_targets++], sizeof h->targets[0], rec->ip);
		}
		return false;
	}
	if (!rec->epm.present || !has_coercion(rec))
		return false;
	struct svc_record *copy = malloc(sizeof *copy);
	if (!copy)
		abort();
	record_copy(copy, rec); /* out of memory: kept without its interfaces */
	grow((void **)&h->kept, &h->cap_kept, h->n_kept, sizeof *h->kept);
	h->kept[h->n_kept++] = copy;
	return true;
}

void coercion_hold_flush(struct coercion_hold *h, void (*report)(struct svc_record *rec, void *ud),
			 void *ud)
{
	for (size_t i = 0; i < h->n_kept; i++) {
		struct svc_record *rec = h->kept[i];
		if (is_target(h, rec->ip))
			assess_coercion_relay_target(rec);
		if (report)
			report(rec, ud);
		record_release(rec);
		free(rec);
	}
	h->n_kept = 0;
}

void coercion_hold_free(struct coercion_hold *h)
{
	if (!h)
		return;
	coercion_hold_flush(h, NULL, NULL);
	free(h->kept);
	free(h->targets);
	free(h);
}
