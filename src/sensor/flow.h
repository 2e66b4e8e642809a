/* flow.h - the sensor's table of TCP connections to SMB ports.
 *
 * A flow is keyed by (client address, client port, server address, server
 * port); the server is the side on an SMB port. Flows sit in a hash table
 * and on one LRU list ordered by last activity, so expiry and eviction
 * both start at the head and cost O(flows expired). The table never holds
 * more than max_flows: a new flow beyond that evicts the least recently
 * used one (which is closed normally, so its alerts are not lost). */
#ifndef SMBW_SENSOR_FLOW_H
#define SMBW_SENSOR_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/reasm.h"

enum flow_dir {
	FLOW_TO_SERVER = 0,
	FLOW_TO_CLIENT = 1,
};

enum flow_end {
	FLOW_END_CLOSED,   /* FIN both ways or RST */
	FLOW_END_TIMEOUT,  /* idle longer than its timeout */
	FLOW_END_EVICTED,  /* table or memory full */
	FLOW_END_SHUTDOWN, /* end of capture */
};

struct flow_key {
	uint8_t family;
	uint8_t cli[16], srv[16];
	uint16_t cport, sport;
};

struct smb_conn;

struct flow {
	struct flow *hnext;
	struct flow *lru_prev, *lru_next;
	struct flow_key key;
	uint32_t hash;
	uint64_t first_us, last_us;
	bool syn, synack, established, fin[2], rst;
	uint64_t bytes[2];        /* payload bytes seen per direction */
	struct reasm rs[2];       /* indexed by enum flow_dir */
	struct smb_conn *smb;     /* SMB decoder and detector state, lazily made */
};

struct flow_table;

typedef void (*flow_close_fn)(void *ctx, struct flow *f, enum flow_end why);

/* A table with at most max_flows entries; close_fn runs for every flow
 * that leaves it (and must release f->smb); it must not touch the table. */
struct flow_table *flow_table_new(size_t max_flows, flow_close_fn close_fn, void *ctx);
/* Closes every remaining flow (FLOW_END_SHUTDOWN) and frees the table. */
void flow_table_free(struct flow_table *t);

/* Find the flow for key; when absent and create is true, make a zeroed one
 * (evicting the LRU flow when full) and set *created (may be NULL). The
 * flow moves to the LRU tail. NULL when absent (create false) or out of
 * memory. */
struct flow *flow_lookup(struct flow_table *t, const struct flow_key *key, uint64_t now_us,
			 bool create, bool *created);
/* Close and free one flow now. */
void flow_close(struct flow_table *t, struct flow *f, enum flow_end why);
/* Close flows idle past their timeout: half-open ones (no SYN-ACK, or RST /
 * FIN seen) after short_us, others after long_us. */
void flow_expire(struct flow_table *t, uint64_t now_us, uint64_t short_us, uint64_t long_us);
/* Close every flow, oldest first. */
void flow_close_all(struct flow_table *t, enum flow_end why);
/* Close the least recently used flow (memory pressure); false if none. */
bool flow_evict_one(struct flow_table *t);
size_t flow_count(const struct flow_table *t);
/* Peak number of flows held at once. */
size_t flow_peak(const struct flow_table *t);

#endif
