/* nbname_cache.c - see nbname_cache.h. */
#include "scan/nbname_cache.h"

#include <stdlib.h>
#include <string.h>

#include "record/record.h"


/* A small open-addressing table; a full table simply forgets new names. */
#define NBCACHE_SLOTS 4096
struct nbname_entry {
	char ip[48];
	char name[16];
};
struct nbname_cache {
	struct nbname_entry e[NBCACHE_SLOTS];
};

static unsigned nb_hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct nbname_cache *nbname_cache_new(void)
{
	struct nbname_cache *c = calloc(1, sizeof *c);
	if (!c)
		abort();
	return c;
}

void nbname_cache_put(struct nbname_cache *c, const char *ip, const char *name)
{
	unsigned h = nb_hash(ip);
	for (unsigned i = 0; i < 16; i++) {
		struct nbname_entry *e = &c->e[(h + i) % NBCACHE_SLOTS];
		if (e->ip[0] == '\0' || strcmp(e->ip, ip) == 0) {
			record_set_str(e->ip, sizeof e->ip, ip);
			record_set_str(e->name, sizeof e->name, name);
			return;
		}
	}
}

const char *nbname_cache_get(const struct nbname_cache *c, const char *ip)
{
	unsigned h = nb_hash(ip);
	for (unsigned i = 0; i < 16; i++) {
		const struct nbname_entry *e = &c->e[(h + i) % NBCACHE_SLOTS];
		if (e->ip[0] == '\0')
			return NULL;
		if (strcmp(e->ip, ip) == 0)
			return e->name;
	}
	return NULL;
}

void nbname_cache_free(struct nbname_cache *c)
{
	free(c);
}
