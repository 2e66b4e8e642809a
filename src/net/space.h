/* space.h - the scan space: shard-relative positions <-> (address, port).
 *
 * Position j of shard k/N is the element permute_at(k-1 + j*N) of the
 * targets x ports product (address index * ports + port index). The scan
 * walks j = 0, 1, ...; the SYN stage also goes back from a reply's address
 * and port to its j (for de-duplication and retries) without a table. */
#ifndef SMBW_NET_SPACE_H
#define SMBW_NET_SPACE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/permute.h"
#include "net/ports.h"
#include "net/targets.h"

struct scan_space {
	const struct target_set *targets; /* finalized; borrowed */
	const struct port_list *ports;	  /* borrowed */
	struct permute perm;
	unsigned shard_k, shard_n;
	uint64_t total;	      /* targets x ports */
	uint64_t shard_total; /* positions of this shard */
};

void space_init(struct scan_space *sp, const struct target_set *t, const struct port_list *ports,
		uint64_t seed, unsigned shard_k, unsigned shard_n);
/* Address and port (in ss, port set) of position j; false if j is out of
 * range. */
bool space_addr(const struct scan_space *sp, uint64_t j, struct sockaddr_storage *ss);
/* Is position j a UDP port (ports "U:137")? */
bool space_is_udp(const struct scan_space *sp, uint64_t j);
/* The position of an address and TCP port (from ss); false if the scan does
 * not hold it or another shard does. */
bool space_find(const struct scan_space *sp, const struct sockaddr_storage *ss, uint64_t *j);

#endif
