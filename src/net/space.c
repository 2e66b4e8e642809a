/* space.c - positions <-> (address, port); see space.h. */
#include "net/space.h"

#include <netinet/in.h>
#include <string.h>

void space_init(struct scan_space *sp, const struct target_set *t, const struct port_list *ports,
		uint64_t seed, unsigned shard_k, unsigned shard_n)
{
	memset(sp, 0, sizeof *sp);
	sp->targets = t;
	sp->ports = ports;
	sp->shard_k = shard_k;
	sp->shard_n = shard_n;
	sp->total = targets_count(t) * ports->n;
	permute_init(&sp->perm, sp->total, seed);
	sp->shard_total = shard_size(sp->total, shard_k, shard_n);
}

bool space_addr(const struct scan_space *sp, uint64_t j, struct sockaddr_storage *ss)
{
	if (j >= sp->shard_total) {
		memset(ss, 0, sizeof *ss);
		return false;
	}
	uint64_t idx = permute_at(&sp->perm, shard_position(sp->shard_k, sp->shard_n, j));
	uint16_t port = sp->ports->ports[idx % sp->ports->n];
	if (!targets_get(sp->targets, idx / sp->ports->n, ss))
		return false;
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)(void *)ss)->sin_port = htons(port);
	return true;
}

bool space_is_udp(const struct scan_space *sp, uint64_t j)
{
	if (j >= sp->shard_total)
		return false;
	uint64_t idx = permute_at(&sp->perm, shard_position(sp->shard_k, sp->shard_n, j));
	return ports_is_udp(sp->ports, (unsigned)(idx % sp->ports->n));
}

bool space_find(const struct scan_space *sp, const struct sockaddr_storage *ss, uint64_t *j)
{
	*j = 0;
	uint64_t ai, pos;
	uint16_t port = ss->ss_family == AF_INET6
			    ? ntohs(((const struct sockaddr_in6 *)(const void *)ss)->sin6_port)
			    : ntohs(((const struct sockaddr_in *)(const void *)ss)->sin_port);
	if (!targets_index(sp->targets, ss, &ai))
		return false;
	unsigned pi = 0;
	while (pi < sp->ports->n &&
	       (sp->ports->ports[pi] != port || ports_is_udp(sp->ports, pi)))
		pi++;
	if (pi == sp->ports->n)
		return false;
	return permute_position(&sp->perm, ai * sp->ports->n + pi, &pos) &&
	       shard_index(sp->shard_k, sp->shard_n, pos, j) && *j < sp->shard_total;
}
