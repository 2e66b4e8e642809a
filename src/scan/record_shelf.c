/* record_shelf.c - held records and noted hosts; see record_shelf.h. */
#include "scan/record_shelf.h"

#include <stdlib.h>
#include <string.h>

void shelf_grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return;
	*cap = *cap ? *cap * 2 : 16;
	void *q = realloc(*p, *cap * size);
	if (!q)
		abort();
	*p = q;
}

bool host_set_has(const struct host_set *s, const char *ip)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->ips[i], ip) == 0)
			return true;
	return false;
}

void host_set_add(struct host_set *s, const char *ip)
{
	if (host_set_has(s, ip))
		return;
	shelf_grow((void **)&s->ips, &s->cap, s->n, sizeof *s->ips);
	record_set_str(s->ips[s->n++], sizeof s->ips[0], ip);
}

void host_set_free(struct host_set *s)
{
	free(s->ips);
	memset(s, 0, sizeof *s);
}

void record_shelf_keep(struct record_shelf *s, const struct svc_record *rec)
{
	struct svc_record *copy = malloc(sizeof *copy);
	if (!copy)
		abort();
	record_copy(copy, rec); /* out of memory: kept without its heap parts */
	shelf_grow((void **)&s->recs, &s->cap, s->n, sizeof *s->recs);
	s->recs[s->n++] = copy;
}

void record_shelf_drain(struct record_shelf *s, void (*fn)(struct svc_record *rec, void *ud),
			void *ud)
{
	for (size_t i = 0; i < s->n; i++) {
		struct svc_record *rec = s->recs[i];
		if (fn)
			fn(rec, ud);
		record_release(rec);
		free(rec);
	}
	s->n = 0;
}

void record_shelf_free(struct record_shelf *s)
{
	record_shelf_drain(s, NULL, NULL);
	free(s->recs);
	memset(s, 0, sizeof *s);
}
