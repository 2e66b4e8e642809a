/* sensor.h - the passive SMB sensor: packets in, alerts out.
 *
 * Feed decoded packets (packet.h) in capture order with sensor_packet();
 * call sensor_finish() at the end of a capture. Alerts go to cfg.alert_fn
 * as they are raised. Time is capture time throughout, so a file and a
 * live interface behave the same. Single-threaded; nothing global. */
#ifndef SMBW_SENSOR_SENSOR_H
#define SMBW_SENSOR_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sensor/alert.h"
#include "sensor/packet.h"

/* What the sensor saw of one SMB server, for `sensor --db`: a NEGOTIATE
 * answered (dialect set) or an established connection that ended
 * (dialect ""). */
struct sensor_seen {
	uint64_t ts_us;
	char server[48], client[48];
	uint16_t port;
	uint8_t version;             /* 1 or 2; 0 when not negotiated */
	char dialect[32];
	bool sign_required;
};
typedef void (*sensor_seen_fn)(void *ctx, const struct sensor_seen *o);

struct sensor_config {
	size_t max_flows;            /* flows held at once (LRU eviction beyond) */
	size_t max_memory;           /* bytes buffered over all flows */
	size_t flow_ooo_cap;         /* out-of-order bytes held per direction */
	uint64_t idle_timeout_us;    /* established flows */
	uint64_t short_timeout_us;   /* half-open or closing flows */
	unsigned scan_hosts;         /* SMB_SCAN: distinct destinations per source */
	unsigned scan_failed_hosts;  /* SMB_SCAN: ... of which unanswered or refused */
	uint64_t scan_window_us;
	unsigned brute_failures;     /* SMB_BRUTE_FORCE: failed logons per source */
	unsigned spray_accounts;     /* ... or distinct accounts failing */
	uint64_t brute_window_us;
	uint64_t dedupe_window_us;   /* per-pair alerts (SMB1_IN_USE, ...) */
	/* --approved-scanners: probe-type alerts whose source is in this set
	 * are recorded at info with approved_scanner true (not owned; NULL =
	 * none approved) */
	const struct target_set *approved_scanners;
	/* every alert, after the approved-scanner downgrade and before it
	 * leaves: may raise its severity and add evidence (sensor/escalate.h
	 * behind it in the CLI). NULL: alerts leave as raised. */
	void (*escalate_fn)(void *ctx, struct sensor_alert *a);
	void *escalate_ctx;
	/* Is addr inside the organisation (--inside, --policy segments)? An
	 * SMB_SCAN from such a source is SMB_PIVOT_SCAN. label: where that was
	 * said ("segment lan"). NULL: no address is inside. */
	bool (*inside_fn)(void *ctx, const char *addr, char *label, size_t labelsz);
	void *inside_ctx;
	sensor_alert_fn alert_fn;
	void *alert_ctx;
	sensor_seen_fn seen_fn;      /* NULL: sightings are not wanted */
	void *seen_ctx;
};

struct sensor_stats {
	uint64_t packets, tcp_packets, smb_packets, bad_packets;
	uint64_t bytes;              /* captured bytes handed in */
	uint64_t flows, flows_evicted, frames, gaps, alerts;
	/* SMB requests seen (SMB2 READ/WRITE, SMB1 READ_ANDX/WRITE_ANDX),
	 * logons answered with success, frames too long to buffer (head
	 * decoded, body skipped) */
	uint64_t reads, writes, sessions, oversize_frames;
	size_t peak_flows, peak_memory;
};

struct sensor;
struct target_set;

/* Defaults: 65536 flows, 256 MiB, 256 KiB per direction, 600 s / 30 s,
 * scan 32 hosts or 8 unanswered in 300 s, brute force 10 failures or 5
 * accounts in 300 s, de-duplication 3600 s. */
void sensor_config_defaults(struct sensor_config *cfg);

struct sensor *sensor_new(const struct sensor_config *cfg);
void sensor_packet(struct sensor *s, const struct pkt *p);
/* Let time pass without a packet (live capture on a quiet interface; now_us
 * on the clock of live packet timestamps, CLOCK_REALTIME): flows still time
 * out and what their end decides (SMB_SCAN's unanswered probes) is raised. */
void sensor_advance(struct sensor *s, uint64_t now_us);
/* End of capture: close every flow and evaluate what is pending. */
void sensor_finish(struct sensor *s);
/* Counters only the packet source knows (every frame, not just TCP). */
void sensor_add_capture_counts(struct sensor *s, uint64_t packets, uint64_t bytes,
			       uint64_t bad);
void sensor_get_stats(const struct sensor *s, struct sensor_stats *out);
/* The --summary table: SMB hosts, dialects, SMB1 talkers, failed logons,
 * message counts, alert totals by kind and severity. */
void sensor_summary_print(const struct sensor *s, FILE *f);
void sensor_free(struct sensor *s);

#endif
