/* record_shelf.h - records a scan holds back until its end, and the hosts
 * it noted meanwhile. Some verdicts need two records that finish in any
 * order (a 135 record and its host's SMB relay verdict; a management
 * record and whether SMB answered on its host): the scan keeps copies of
 * the waiting records here and lets them out when it ends
 * (scan/coercion_hold.c, scan/mgmt_hold.c say what each waits for). */
#ifndef SMBW_SCAN_RECORD_SHELF_H
#define SMBW_SCAN_RECORD_SHELF_H

#include <stdbool.h>
#include <stddef.h>

#include "record/record.h"

/* a set of host addresses (as the record spells them) */
struct host_set {
	char (*ips)[64];
	size_t n, cap;
};

void host_set_add(struct host_set *s, const char *ip);
bool host_set_has(const struct host_set *s, const char *ip);
void host_set_free(struct host_set *s);

/* copies of records, in the order they came */
struct record_shelf {
	struct svc_record **recs;
	size_t n, cap;
};

/* a deep copy of rec (record_copy: its heap parts too) */
void record_shelf_keep(struct record_shelf *s, const struct svc_record *rec);
/* Each record in order: fn may change it and report it; it is released
 * after fn returns, and the shelf is empty at the end. fn NULL: drop all. */
void record_shelf_drain(struct record_shelf *s, void (*fn)(struct svc_record *rec, void *ud),
			void *ud);
void record_shelf_free(struct record_shelf *s);

/* grow *p (an array of n used, *cap allocated, of size-byte items) to hold
 * one more; aborts when out of memory, as the scan's other tables do */
void shelf_grow(void **p, size_t *cap, size_t n, size_t size);

#endif
