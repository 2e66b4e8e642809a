/* sensor_int.h - shared between the sensor's files; not an API. */
#ifndef SMBW_SENSOR_SENSOR_INT_H
#define SMBW_SENSOR_SENSOR_INT_H

#include "sensor/alert.h"
#include "sensor/flow.h"
#include "sensor/sensor.h"
#include "sensor/smb_stream.h"

#define DET_PENDING 16
/* Open SMB1 transactions held per flow (grown on demand). A client with
 * this many open at once is grooming the server (Eternal*); the alert
 * fires at DET_TRANS_GROOM, so hitting the hard cap never hides anything. */
#define DET_TRANS_MAX 1024
#define DET_TRANS_GROOM 16
#define DET_KNOCKS 4
#define DET_USER 64

struct det_pending {
	uint64_t mid;
	uint8_t what;     /* enum smb_ev_what */
	bool used;
	bool ipc_path;    /* tree connect to ...\IPC$ */
	char name[24];    /* create: pipe name (lower case) */
};

/* One SMB1 transaction whose primary did not carry all its data or
 * parameters: it stays open until its final response (or an error). */
struct det_trans {
	uint8_t cmd;
	uint16_t mid, func;
	uint32_t total_data, got_data;
	uint32_t total_param, got_param;
};

/* Per-connection detector state (detect_flow.c). */
struct det_flow {
	uint8_t version;
	char dialect[32];
	bool sign_enabled, sign_required, encrypted;
	bool auth_pending, auth_anon, auth_noresp;
	char user[DET_USER], domain[DET_USER];
	bool anon_session, user_session, unsigned_done;
	uint64_t user_uid;
	uint32_t ipc_tid[4];
	unsigned n_ipc;
	bool anon_ipc;
	struct det_pending pend[DET_PENDING];
	unsigned pend_next;
	struct det_trans *tr;      /* open transactions, n_tr of cap_tr (heap) */
	unsigned n_tr, cap_tr;
	bool groom_raised;
	bool check_pending;
	uint64_t check_mid;
	uint16_t knock_mid[DET_KNOCKS];
	unsigned n_knock;
	uint32_t knock_timeout;
	bool knock_answered;
	/* SMBGhost: a 3.1.1 NEGOTIATE offering compression, then the client
	 * hangs up before any SESSION_SETUP */
	bool comp_offered, comp_answered, negotiate_answered, session_seen, client_closed;
	char comp_algs[48];        /* what the server chose */
	uint32_t max_size;         /* negotiated MaxTransact/Read/WriteSize, 0 unknown */
};

struct smb_conn {
	struct smb_stream stream;
	struct det_flow det;
	struct det_lateral *lat; /* detect_lateral.c, made on first use */
	struct sensor *s;
	struct flow *f;
};

struct sensor {
	struct sensor_config cfg;
	struct flow_table *flows;
	struct alert_dedupe *dedupe;
	struct host_table *hosts;
	struct summary *summary;
	struct lateral_recent *lateral; /* detect_lateral.c, made on first use */
	struct sensor_stats st;
	size_t memory;
	size_t flow_memory_cap; /* --max-memory less the per-source table's share */
	uint64_t now_us, last_expire_us;
};

/* detect_flow.c */
void det_flow_event(struct smb_conn *c, const struct smb_event *ev);
void det_flow_close(struct smb_conn *c);
/* The client sent FIN or RST (called before the flow closes). */
void det_flow_client_closed(struct smb_conn *c);

/* detect_lateral.c: services and tasks created over RPC, remote registry
 * writes and hive saves, executables written to administrative shares */
void det_lateral_event(struct smb_conn *c, const struct smb_event *ev);
void det_lateral_close(struct smb_conn *c);
void det_lateral_free(struct sensor *s);

/* detect_host.c: per-source windows for scanning and failed logons */
struct host_table *host_table_new(size_t max_hosts);
/* Bytes one tracked source costs (entries are never freed before the end). */
size_t host_entry_bytes(void);
size_t host_table_count(const struct host_table *t);
void host_table_free(struct host_table *t);
void host_connect_attempt(struct sensor *s, const struct flow *f);
void host_connect_result(struct sensor *s, const struct flow *f);
/* guess: the logon carried a password or challenge response (false: the
 * failure counts in the summary only, not towards SMB_BRUTE_FORCE) */
void host_logon_failure(struct sensor *s, const struct flow *f, const char *account,
			uint32_t status, bool guess);
/* End of capture: raise what the windows hold but did not yet report. */
void host_finish(struct sensor *s);
/* Top sources of failed logons for the summary: up to n, most first. */
size_t host_top_failures(const struct sensor *s, char (*addr)[48], uint64_t *count, size_t n);

/* summary.c */
struct summary *summary_new(void);
void summary_free(struct summary *m);
void summary_negotiated(struct summary *m, const struct flow *f, uint8_t version,
			const char *dialect, bool sign_required);
void summary_seen(struct summary *m, const struct flow *f);
void summary_alert(struct summary *m, const char *id, const char *severity);
void summary_print(const struct sensor *s, const struct summary *m, FILE *out);

/* sensor.c: raise an alert about flow f (src = client, dst = server), or
 * about a source only (f NULL, src given). extra widens the dedupe key;
 * window 0 means "once per flow" (the caller keeps that state). */
void sensor_alert_flow(struct sensor *s, const struct flow *f, struct sensor_alert *a,
		       const char *extra, uint64_t window_us);
void sensor_alert_raw(struct sensor *s, struct sensor_alert *a);
/* addr is in --approved-scanners. */
bool sensor_source_approved(const struct sensor *s, const char *addr);
void sensor_addr_str(const struct flow *f, bool server, char *out, size_t outsz);
/* Tell cfg.seen_fn about flow f's server (dialect "" = not negotiated). */
void sensor_report_seen(struct sensor *s, const struct flow *f, uint8_t version,
			const char *dialect, bool sign_required);

#endif
