/* nbns.h - the NetBIOS name service's node status (NBSTAT) exchange on
 * UDP 137 (RFC 1002 4.2.17 request, 4.2.18 response): the query for the
 * name `*` and the decoded answer, the node's name table and unit id (MAC). */
#ifndef SMBW_WIRE_NBNS_H
#define SMBW_WIRE_NBNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wire.h"

#define NBNS_PORT 137
#define NBNS_QUERY_LEN 50    /* 12 header + 34 encoded name + 4 type/class */
#define NBNS_MAX_NAMES 32    /* names kept; the rest are counted in n_total */

/* NAME_FLAGS of a name table entry (RFC 1002 4.2.18) */
#define NBNS_FLAG_GROUP 0x8000u     /* G: group name, not unique */
#define NBNS_FLAG_DEREG 0x1000u     /* DRG: being deregistered */
#define NBNS_FLAG_CONFLICT 0x0800u  /* CNF */
#define NBNS_FLAG_ACTIVE 0x0400u    /* ACT */
#define NBNS_FLAG_PERMANENT 0x0200u /* PRM */

struct nbns_name {
	char name[16];  /* the 15 name bytes, trailing spaces cut, printable ASCII */
	uint8_t suffix; /* the 16th byte: the name's role (<20> file server) */
	uint16_t flags;
};

struct nbns_status {
	uint16_t tid;
	unsigned n_total; /* NUM_NAMES as sent */
	unsigned n_names; /* kept in names[] (at most NBNS_MAX_NAMES) */
	struct nbns_name names[NBNS_MAX_NAMES];
	uint8_t mac[6]; /* UNIT_ID; all zero when the node does not give one */
};

/* The NBSTAT query for `*` with transaction id tid into out[cap]
 * (NBNS_QUERY_LEN bytes); *len receives the length. */
int nbns_nbstat_query(uint16_t tid, uint8_t *out, size_t cap, size_t *len);
/* Decode one NBSTAT response datagram. WIRE_UNSUPPORTED for a well formed
 * answer that is not a positive node status response (an error rcode, a
 * query, another record type). */
int nbns_nbstat_parse(const uint8_t *p, size_t n, struct nbns_status *st);
/* What a suffix means ("file server"), given the group flag; NULL for a
 * suffix we do not name. */
const char *nbns_suffix_role(uint8_t suffix, bool group);

#endif
