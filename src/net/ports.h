/* ports.h - port lists: "445,139", "1-1024,8445", nmap-style protocol
 * prefixes "T:445,U:137" (a prefix holds for the items after it). */
#ifndef SMBW_NET_PORTS_H
#define SMBW_NET_PORTS_H

#include <stddef.h>
#include <stdint.h>

struct port_list {
	unsigned n;
	uint16_t *ports; /* unique per protocol, in the order given */
	uint8_t *udp;    /* udp[i]: ports[i] is a UDP port; NULL when none is */
};

/* Is entry i a UDP port? */
static inline int ports_is_udp(const struct port_list *pl, unsigned i)
{
	return pl->udp && pl->udp[i];
}
/* Does the list hold any UDP port? */
int ports_has_udp(const struct port_list *pl);

/* Parse spec into pl (allocates pl->ports). Returns 0, or -1 with a one-line
 * message naming the bad item ("bad port '70000': must be 1-65535"). */
int ports_parse(const char *spec, struct port_list *pl, char *err, size_t errsz);
void ports_free(struct port_list *pl);

#endif
