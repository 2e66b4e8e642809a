/* store_int.h - the backend interface behind store.h. Each backend fills one
 * const struct store_ops; store.c picks it by URL and does the shared work
 * (argument checks, findings extraction, convenience queries). */
#ifndef SMBW_STORE_INT_H
#define SMBW_STORE_INT_H

#include "store/store.h"

/* A finding row derived from the record JSON by store.c. */
struct store_finding {
	const char *id, *severity, *title;
};

/* What service_latest keeps of a stored service beyond its row, derived
 * from the record by store.c: the inventory's search text
 * (store_search_text) and its open findings (severity other than info:
 * what the inventory shows and sorts by, migration 7). */
struct store_latest {
	const char *search;
	int64_t open_findings;
};

struct store_ops {
	const char *name;
	int (*open)(struct store *st, const char *where);
	void (*close)(struct store *st);
	int (*run_begin)(struct store *st, struct store_run *run);
	/* one transaction: the service row, all its findings, and its
	 * service_latest row (what *latest says beside the row itself) */
	int (*service_put)(struct store *st, const struct store_service *svc,
			   const struct store_finding *f, size_t nf,
			   const struct store_latest *latest);
	int (*run_end)(struct store *st, const struct store_run *run);
	int (*run_get)(struct store *st, int64_t id, struct store_run *out);
	int (*runs_list)(struct store *st, const char *scope, const char *view, bool complete_only,
			 int64_t after_id, int64_t before_id, unsigned limit, store_run_cb cb,
			 void *ud);
	int (*services_of_run)(struct store *st, int64_t run_id, store_service_cb cb, void *ud);
	int (*service_history)(struct store *st, const char *ip, int port, store_service_cb cb,
			       void *ud);
	/* one transaction: replace the run's events, mark it events_stored */
	int (*events_put)(struct store *st, int64_t run_id, const struct store_event *ev,
			  size_t n);
	int (*delivered_has)(struct store *st, const char *key, const char *sink, bool *has);
	int (*delivered_put)(struct store *st, const char *key, const char *sink, int64_t at);
	/* one transaction: a batch of sensor alerts and sightings */
	int (*sensor_put)(struct store *st, const struct store_sensor_batch *b);
	int (*query)(struct store *st, const char *sql, const struct store_param *params, size_t n,
		     store_row_cb cb, void *ud);
	int (*set_readonly)(struct store *st);
};

struct store {
	const struct store_ops *ops;
	void *impl;            /* the backend's connection */
	char err[512];
};

/* printf-style: set st->err; always returns -1. */
int store_fail(struct store *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* How many migrations to apply: all, unless the environment variable
 * SMBW_TEST_SCHEMA_MAX says fewer - only for the tests that build a store
 * of an older schema and check that opening it migrates it. */
int store_schema_target(int known);

/* NULL when the build has no such backend. */
extern const struct store_ops *const store_sqlite_ops;
extern const struct store_ops *const store_pg_ops;

/* The conflict clause of both backends' service_latest upsert: first/last
 * seen widen, a new run counts one more sighting, the newest run's row wins
 * (SQLite and PostgreSQL share this syntax). */
#define SERVICE_LATEST_UPSERT                                                            \
	" ON CONFLICT (ip, port) DO UPDATE SET"                                          \
	" first_seen = CASE WHEN excluded.first_seen < service_latest.first_seen"        \
	" THEN excluded.first_seen ELSE service_latest.first_seen END,"                  \
	" last_seen = CASE WHEN excluded.last_seen > service_latest.last_seen"           \
	" THEN excluded.last_seen ELSE service_latest.last_seen END,"                    \
	" sightings = service_latest.sightings"                                          \
	" + CASE WHEN excluded.run_id <> service_latest.run_id THEN 1 ELSE 0 END,"       \
	" service_id = CASE WHEN excluded.run_id >= service_latest.run_id"               \
	" THEN excluded.service_id ELSE service_latest.service_id END,"                  \
	" run_id = CASE WHEN excluded.run_id >= service_latest.run_id"                   \
	" THEN excluded.run_id ELSE service_latest.run_id END,"                          \
	" search = CASE WHEN excluded.run_id >= service_latest.run_id"                   \
	" THEN excluded.search ELSE service_latest.search END,"                          \
	" open_findings = CASE WHEN excluded.run_id >= service_latest.run_id"            \
	" THEN excluded.open_findings ELSE service_latest.open_findings END,"            \
	" views = CASE WHEN REPLACE(service_latest.views, excluded.views, '')"           \
	" = service_latest.views THEN service_latest.views"                              \
	" || SUBSTR(excluded.views, 2) ELSE service_latest.views END"

/* service_latest.search (migration 4): what the inventory's text search
 * reads instead of every record: the record's names, OS strings, shares
 * and their comments, lower case, one blank apart. Rows migrated from
 * schema 3 hold their whole record, lower case (a superset). */
#define STORE_SEARCH_MAX 4096
void store_search_text(json_t *rec, char *out, size_t outsz);

/* service_latest.open_findings (migration 7): the findings of the
 * service's latest row whose severity is not info - the one definition the
 * migration backfills with (SQL) and store_open_findings counts (C). */
#define OPEN_FINDING_COND(f) f ".severity <> 'info'"
#define OPEN_FINDINGS_OF(service_id)                                                     \
	"(SELECT COUNT(*) FROM findings f WHERE f.service_id = " service_id                 \
	" AND " OPEN_FINDING_COND("f") ")"
int64_t store_open_findings(const struct store_finding *f, size_t nf);

/* Migration 7 in both backends: the column, backfilled from the latest
 * rows' findings, and an index per direction of `serve`'s sort by it (the
 * tie-break is the address, ascending either way: api_inventory.c). */
#define MIGRATION_OPEN_FINDINGS                                                          \
	"ALTER TABLE service_latest ADD COLUMN open_findings INTEGER NOT NULL DEFAULT 0;"   \
	"UPDATE service_latest SET open_findings = "                                      \
	OPEN_FINDINGS_OF("service_latest.service_id") ";"                                \
	"CREATE INDEX service_latest_findings ON service_latest(open_findings, ip, port);"  \
	"CREATE INDEX service_latest_findings_desc"                                       \
	" ON service_latest(open_findings DESC, ip, port);"

/* service_latest.views (migration 4) is " view1 view2 ": the run's view as
 * inserted, given the run id as parameter N (both backends). */
#define SERVICE_LATEST_VIEW(n) "(SELECT ' ' || view || ' ' FROM runs WHERE id = " n ")"

/* finding_first (migration 4): when ip:port first had each finding, so
 * the age of an open finding is one lookup, not a walk of its history. */
#define FINDING_FIRST_UPSERT                                                             \
	" ON CONFLICT (ip, port, finding) DO UPDATE SET"                                 \
	" first_seen = CASE WHEN excluded.first_seen < finding_first.first_seen"         \
	" THEN excluded.first_seen ELSE finding_first.first_seen END"

/* A finding row's first_seen (migration 4): finding_first's, read after
 * the upsert above, so the age of the open findings of a run is one
 * index range (findings_age). */
#define FINDING_FIRST_OF(ip, port, finding)                                              \
	"(SELECT first_seen FROM finding_first WHERE ip = " ip " AND port = " port       \
	" AND finding = " finding ")"

/* The per-run counts (migration 4) the overview's trend reads: findings by
 * severity, SMB1 and unsigned services; set at run end and by the
 * migration (UPDATE runs SET RUN_COUNTS_SET WHERE ...). */
#define RUN_COUNT_OF(col, cond)                                                          \
	" " col " = (SELECT COUNT(*) FROM findings f WHERE f.run_id = runs.id AND " cond ")"
#define RUN_COUNTS_SET                                                                   \
	RUN_COUNT_OF("n_info", "f.severity = 'info'") ","                                \
	RUN_COUNT_OF("n_low", "f.severity = 'low'") ","                                  \
	RUN_COUNT_OF("n_medium", "f.severity = 'medium'") ","                            \
	RUN_COUNT_OF("n_high", "f.severity = 'high'") ","                                \
	RUN_COUNT_OF("n_critical", "f.severity = 'critical'") ","                        \
	RUN_COUNT_OF("n_smb1", "f.finding = 'SMB1_ENABLED'") ","                         \
	RUN_COUNT_OF("n_unsigned", "f.finding = 'SIGNING_NOT_REQUIRED'")

/* The sensor's tables (store_sensor_put): the same statements in both
 * backends, only the placeholder differs (SQLite ?N, PostgreSQL $N with a
 * cast), so each is a macro of its placeholders. Sightings widen first/last
 * seen; smb1 and signing flags only ever turn on. */
#define SENSOR_WIDEN(t)                                                                  \
	" first_seen = CASE WHEN excluded.first_seen < " t ".first_seen"                  \
	" THEN excluded.first_seen ELSE " t ".first_seen END,"                            \
	" last_seen = CASE WHEN excluded.last_seen > " t ".last_seen"                     \
	" THEN excluded.last_seen ELSE " t ".last_seen END"
#define SENSOR_FLAG(t, c)                                                                \
	", " c " = CASE WHEN excluded." c " > " t "." c " THEN excluded." c " ELSE " t "." c " END"
#define SENSOR_ALERT_INSERT(p1, p2, p3, p4, p5, p6, p7, p8, p9, p10)                    \
	"INSERT INTO sensor_alerts (at, at_us, kind, severity, src, dst, src_port, dst_port,"  \
	" approved, alert) VALUES (" p1 "," p2 "," p3 "," p4 "," p5 "," p6 "," p7 "," p8 ","   \
	p9 "," p10 ")"
#define SENSOR_SERVER_UPSERT(p1, p2, p3, p4, p5, p6)                                     \
	"INSERT INTO sensor_servers (ip, port, first_seen, last_seen, smb1, sign_required,"   \
	" sign_optional) VALUES (" p1 "," p2 "," p3 "," p3 "," p4 "," p5 "," p6 ")"            \
	" ON CONFLICT (ip, port) DO UPDATE SET" SENSOR_WIDEN("sensor_servers")                \
	SENSOR_FLAG("sensor_servers", "smb1") SENSOR_FLAG("sensor_servers", "sign_required")   \
	SENSOR_FLAG("sensor_servers", "sign_optional")
#define SENSOR_DIALECT_UPSERT(p1, p2, p3, p4)                                            \
	"INSERT INTO sensor_dialects (ip, port, dialect, first_seen, last_seen) VALUES ("     \
	p1 "," p2 "," p3 "," p4 "," p4 ")"                                                      \
	" ON CONFLICT (ip, port, dialect) DO UPDATE SET" SENSOR_WIDEN("sensor_dialects")
#define SENSOR_SMB1_UPSERT(p1, p2, p3, p4, p5)                                           \
	"INSERT INTO sensor_smb1 (client, server, port, dialect, first_seen, last_seen,"      \
	" negotiations) VALUES (" p1 "," p2 "," p3 "," p4 "," p5 "," p5 ",1)"                    \
	" ON CONFLICT (client, server, port) DO UPDATE SET" SENSOR_WIDEN("sensor_smb1")       \
	", dialect = excluded.dialect, negotiations = sensor_smb1.negotiations + 1"

#endif
