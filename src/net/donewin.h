/* donewin.h - which positions of an in-order walk are finished, in memory
 * that does not grow with the walk.
 *
 * A walk starts positions in order (start, start+1, ...) and finishes each
 * one later, in any order (the --syn stage: answered, given up, refused).
 * Every position below `base` is finished; the window keeps one bit for each
 * position from base up to base + nbits. The oldest unfinished position
 * holds the window back: the walker must not start a position that does not
 * fit (donewin_room), which only happens when one position stays unfinished
 * for nbits newer ones. */
#ifndef SMBW_NET_DONEWIN_H
#define SMBW_NET_DONEWIN_H

#include <stdbool.h>
#include <stdint.h>

struct donewin {
	uint64_t base;	/* every position below is finished */
	uint64_t *bits; /* ring: the bit of position j is j % nbits */
	uint64_t nbits; /* a power of two, at least 64 */
};

/* A window of nbits (a power of two >= 64) from position start. 0, or -1
 * (out of memory, or a bad nbits). */
int donewin_init(struct donewin *w, uint64_t start, uint64_t nbits);
void donewin_free(struct donewin *w);
/* True when j is finished (always for j below base). j must be below
 * base + nbits. */
bool donewin_done(const struct donewin *w, uint64_t j);
/* Mark j finished (no-op when it already is); base moves past every
 * finished position at the bottom. j must be below base + nbits. */
void donewin_finish(struct donewin *w, uint64_t j);
/* May position `next` be started (does it fit the window)? */
bool donewin_room(const struct donewin *w, uint64_t next);

#endif
