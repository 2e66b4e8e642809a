/* pos_ring.c - a FIFO of scan positions; see pos_ring.h. */
#include "net/pos_ring.h"

#include <stdlib.h>

bool pos_ring_push(struct pos_ring *r, const struct pos_entry *e)
{
	if (r->len == r->cap) {
		if (r->cap >= POS_RING_MAX)
			return false;
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct pos_entry *v = malloc(cap * sizeof *v);
		if (!v)
			return false;
		for (size_t i = 0; i < r->len; i++)
			v[i] = r->v[(r->head + i) % r->cap];
		free(r->v);
		r->v = v;
		r->cap = cap;
		r->head = 0;
	}
	r->v[(r->head + r->len) % r->cap] = *e;
	r->len++;
	return true;
}

const struct pos_entry *pos_ring_at(const struct pos_ring *r, size_t i)
{
	return &r->v[(r->head + i) % r->cap];
}

struct pos_entry pos_ring_pop(struct pos_ring *r)
{
	struct pos_entry e = r->v[r->head];
	r->head = (r->head + 1) % r->cap;
	r->len--;
	return e;
}

void pos_ring_free(struct pos_ring *r)
{
	free(r->v);
	*r = (struct pos_ring){0};
}
