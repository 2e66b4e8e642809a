/* donewin.c - finished positions in a sliding window; see donewin.h. */
#include "net/donewin.h"

#include <stdlib.h>

int donewin_init(struct donewin *w, uint64_t start, uint64_t nbits)
{
	w->base = start;
	w->nbits = nbits;
	w->bits = NULL;
	if (nbits < 64 || (nbits & (nbits - 1)) != 0)
		return -1;
	w->bits = calloc(nbits / 64, sizeof *w->bits);
	return w->bits ? 0 : -1;
}

void donewin_free(struct donewin *w)
{
	free(w->bits);
	w->bits = NULL;
}

static uint64_t *word_of(const struct donewin *w, uint64_t j)
{
	return &w->bits[(j & (w->nbits - 1)) / 64];
}

bool donewin_done(const struct donewin *w, uint64_t j)
{
	return j < w->base || ((*word_of(w, j) >> (j % 64)) & 1);
}

void donewin_finish(struct donewin *w, uint64_t j)
{
	if (j < w->base)
		return;
	*word_of(w, j) |= 1ull << (j % 64);
	/* slide: clear each finished bit at the bottom as base passes it, so
	 * the ring slot is empty when position j + nbits comes round */
	for (;;) {
		uint64_t *word = word_of(w, w->base);
		if (w->base % 64 == 0 && *word == ~0ull) {
			*word = 0; /* a whole word at once */
			w->base += 64;
			continue;
		}
		uint64_t bit = 1ull << (w->base % 64);
		if (!(*word & bit))
			return;
		*word &= ~bit;
		w->base++;
	}
}

bool donewin_room(const struct donewin *w, uint64_t next)
{
	return next - w->base < w->nbits;
}
