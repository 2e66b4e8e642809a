/* ports.h - port lists: "445,139", "1-1024,8445". */
#ifndef SMBW_NET_PORTS_H
#define SMBW_NET_PORTS_H

#include <stddef.h>
#include <stdint.h>

struct port_list {
	unsigned n;
	uint16_t *ports; /* unique, in the order given */
};

/* Parse spec into pl (allocates pl->ports). Returns 0, or -1 with a one-line
 * message naming the bad item ("bad port '70000': must be 1-65535"). */
int ports_parse(const char *spec, struct port_list *pl, char *err, size_t errsz);
void ports_free(struct port_list *pl);

#endif
