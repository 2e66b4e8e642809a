/* postgres.c - the shared store: PostgreSQL through libpq, so several
 * scanners write to one place (`--db postgres://user@host/db`).
 *
 * Same tables as sqlite.c. Each statement runs in autocommit, and a
 * service with its findings is one explicit transaction, so the durability
 * contract of store.h holds here too. Migrations run under a transaction
 * advisory lock: scanners that start together migrate once. The schema
 * version lives in smbwatch_schema(version). */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/record.h"
#include "store/store_int.h"

static const char *const migrations[] = {
	/* 1: runs, services, findings */
	"CREATE TABLE runs ("
	" id BIGSERIAL PRIMARY KEY,"
	" scope TEXT NOT NULL, view TEXT NOT NULL, targets TEXT NOT NULL,"
	" ports TEXT NOT NULL, options TEXT NOT NULL, scanner TEXT NOT NULL,"
	" started_at BIGINT NOT NULL, ended_at BIGINT NOT NULL DEFAULT 0,"
	" complete BOOLEAN NOT NULL DEFAULT false,"
	" n_targets BIGINT NOT NULL DEFAULT 0, n_open BIGINT NOT NULL DEFAULT 0,"
	" n_closed BIGINT NOT NULL DEFAULT 0, n_filtered BIGINT NOT NULL DEFAULT 0,"
	" n_errors BIGINT NOT NULL DEFAULT 0, n_services BIGINT NOT NULL DEFAULT 0);"
	"CREATE INDEX runs_scope ON runs(scope, view, id);"
	"CREATE TABLE services ("
	" id BIGSERIAL PRIMARY KEY,"
	" run_id BIGINT NOT NULL REFERENCES runs(id),"
	" ip TEXT NOT NULL, port INTEGER NOT NULL, scanned_at BIGINT NOT NULL,"
	" record TEXT NOT NULL, UNIQUE (run_id, ip, port));"
	"CREATE INDEX services_addr ON services(ip, port, run_id);"
	"CREATE TABLE findings ("
	" service_id BIGINT NOT NULL REFERENCES services(id) ON DELETE CASCADE,"
	" run_id BIGINT NOT NULL, finding TEXT NOT NULL,"
	" severity TEXT NOT NULL, title TEXT NOT NULL);"
	"CREATE INDEX findings_run ON findings(run_id, finding);",
	/* 2: the monitor's delivery log */
	"CREATE TABLE delivered ("
	" event_key TEXT NOT NULL, sink TEXT NOT NULL, at BIGINT NOT NULL,"
	" PRIMARY KEY (event_key, sink));",
	/* 3: what `serve` looks up. service_latest: one row per ip:port ever
	 * stored (first/last seen, sightings, its latest row), kept by
	 * service_put, so the inventory pages without grouping every row; a
	 * service's findings; findings per run for the trend */
	"CREATE INDEX findings_service ON findings(service_id, finding);"
	"CREATE INDEX findings_id ON findings(finding, service_id);"
	"CREATE INDEX findings_trend ON findings(run_id, severity, finding);"
	"CREATE INDEX runs_view ON runs(view, complete, id);"
	"CREATE TABLE service_latest ("
	" ip TEXT NOT NULL, port INTEGER NOT NULL, first_seen BIGINT NOT NULL,"
	" last_seen BIGINT NOT NULL, sightings BIGINT NOT NULL, run_id BIGINT NOT NULL,"
	" service_id BIGINT NOT NULL, PRIMARY KEY (ip, port));"
	"INSERT INTO service_latest (ip, port, first_seen, last_seen, sightings, run_id, service_id)"
	" SELECT s.ip, s.port, a.first_seen, a.last_seen, a.sightings, a.run_id, s.id FROM"
	" (SELECT ip, port, MIN(scanned_at) AS first_seen, MAX(scanned_at) AS last_seen,"
	" COUNT(*) AS sightings, MAX(run_id) AS run_id FROM services GROUP BY ip, port) a"
	" JOIN services s ON s.ip = a.ip AND s.port = a.port AND s.run_id = a.run_id;"
	"CREATE INDEX service_latest_first ON service_latest(first_seen);"
	"CREATE INDEX service_latest_last ON service_latest(last_seen);"
	"CREATE INDEX service_latest_port ON service_latest(port, ip);",
	/* 4: `serve` at scale (sqlite.c has the why): per-run counts, the
	 * views of each service, when each service first had each finding,
	 * the monitor's events of each run */
	"ALTER TABLE runs ADD COLUMN n_info BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN n_low BIGINT NOT NULL DEFAULT 0, ADD COLUMN n_medium BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN n_high BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN n_critical BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN n_smb1 BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN n_unsigned BIGINT NOT NULL DEFAULT 0,"
	" ADD COLUMN events_stored INTEGER NOT NULL DEFAULT 0;"
	"UPDATE runs SET" RUN_COUNTS_SET ";"
	"ALTER TABLE service_latest ADD COLUMN views TEXT NOT NULL DEFAULT ' ';"
	"UPDATE service_latest SET views = ' ' || (SELECT string_agg(DISTINCT r.view, ' '"
	" ORDER BY r.view) FROM services s JOIN runs r ON r.id = s.run_id"
	" WHERE s.ip = service_latest.ip AND s.port = service_latest.port) || ' ';"
	"CREATE INDEX service_latest_service ON service_latest(service_id);"
	"ALTER TABLE service_latest ADD COLUMN search TEXT NOT NULL DEFAULT '';"
	"UPDATE service_latest SET search = (SELECT LOWER(record) FROM services"
	" WHERE id = service_latest.service_id);"
	"CREATE TABLE finding_first ("
	" ip TEXT NOT NULL, port INTEGER NOT NULL, finding TEXT NOT NULL,"
	" first_seen BIGINT NOT NULL, PRIMARY KEY (ip, port, finding));"
	"INSERT INTO finding_first (ip, port, finding, first_seen)"
	" SELECT s.ip, s.port, f.finding, MIN(s.scanned_at) FROM findings f"
	" JOIN services s ON s.id = f.service_id GROUP BY s.ip, s.port, f.finding;"
	"ALTER TABLE findings ADD COLUMN first_seen BIGINT NOT NULL DEFAULT 0;"
	"UPDATE findings SET first_seen = ff.first_seen FROM services s, finding_first ff"
	" WHERE s.id = findings.service_id AND ff.ip = s.ip AND ff.port = s.port"
	" AND ff.finding = findings.finding;"
	"CREATE INDEX findings_age ON findings(run_id, severity, first_seen);"
	"CREATE TABLE events ("
	" run_id BIGINT NOT NULL REFERENCES runs(id), seq INTEGER NOT NULL,"
	" event TEXT NOT NULL, severity INTEGER NOT NULL, ip TEXT NOT NULL,"
	" port INTEGER NOT NULL, view TEXT NOT NULL, body TEXT NOT NULL,"
	" PRIMARY KEY (run_id, seq));",
	/* 5: what `sensor --db`
	 * writes. sensor_alerts: every alert (capture time, kind, the alert
	 * JSON); sensor_servers / sensor_dialects: each SMB server seen on the
	 * wire, its dialects, SMB1 and signing, first/last seen; sensor_smb1:
	 * which clients used SMB1 with which server (smb1-usage reads it) */
	"CREATE TABLE sensor_alerts ("
	" id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, at_us BIGINT NOT NULL,"
	" kind TEXT NOT NULL, severity TEXT NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL,"
	" src_port INTEGER NOT NULL, dst_port INTEGER NOT NULL, approved INTEGER NOT NULL,"
	" alert TEXT NOT NULL);"
	"CREATE INDEX sensor_alerts_at ON sensor_alerts(at);"
	"CREATE INDEX sensor_alerts_kind ON sensor_alerts(kind, at);"
	"CREATE INDEX sensor_alerts_src ON sensor_alerts(src, at);"
	"CREATE INDEX sensor_alerts_dst ON sensor_alerts(dst, at);"
	"CREATE TABLE sensor_servers ("
	" ip TEXT NOT NULL, port INTEGER NOT NULL, first_seen BIGINT NOT NULL,"
	" last_seen BIGINT NOT NULL, smb1 INTEGER NOT NULL, sign_required INTEGER NOT NULL,"
	" sign_optional INTEGER NOT NULL, PRIMARY KEY (ip, port));"
	"CREATE TABLE sensor_dialects ("
	" ip TEXT NOT NULL, port INTEGER NOT NULL, dialect TEXT NOT NULL,"
	" first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, PRIMARY KEY (ip, port, dialect));"
	"CREATE TABLE sensor_smb1 ("
	" client TEXT NOT NULL, server TEXT NOT NULL, port INTEGER NOT NULL,"
	" dialect TEXT NOT NULL, first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL,"
	" negotiations BIGINT NOT NULL, PRIMARY KEY (client, server, port));"
	"CREATE INDEX sensor_smb1_server ON sensor_smb1(server, port, last_seen);",
	/* 6: the runs that are the latest of some service, one index step
	 * each: serve's finding filters read the findings of those runs
	 * only (api_inventory.c LATEST_FINDINGS) */
	"CREATE INDEX service_latest_run ON service_latest(run_id);",
	/* 7: each service's open findings, kept by service_put, so serve's
	 * sort by them is an index walk (store_int.h) */
	MIGRATION_OPEN_FINDINGS,
};
_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION,
	       "STORE_SCHEMA_VERSION is the number of migrations");

#define PG(st) ((PGconn *)(st)->impl)

/* libpq's messages span lines and end with a newline ("...refused\n\tIs
 * the server...\n"): one line, each run of white space one blank. */
static int pg_fail(struct store *st, const char *what, const char *msg)
{
	char m[400];
	size_t n = 0;
	for (const char *p = msg ? msg : ""; *p && n + 1 < sizeof m; p++) {
		bool space = *p == '\n' || *p == '\t' || *p == ' ';
		if (space && (n == 0 || m[n - 1] == ' '))
			continue;
		m[n++] = space ? ' ' : *p;
	}
	while (n && m[n - 1] == ' ')
		n--;
	m[n] = '\0';
	return store_fail(st, "%s: %s", what, m);
}

/* Run sql with text params; *out gets the result when wanted (caller
 * PQclear()s it). */
static int q(struct store *st, const char *what, const char *sql, int n, const char *const *v,
	     PGresult **out)
{
	/* PQexec for parameterless SQL: migrations are several statements */
	PGresult *r = n ? PQexecParams(PG(st), sql, n, NULL, v, NULL, NULL, 0) : PQexec(PG(st), sql);
	ExecStatusType s = PQresultStatus(r);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		pg_fail(st, what, PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	if (out)
		*out = r;
	else
		PQclear(r);
	return 0;
}

static int migrate(struct store *st)
{
	const int want = store_schema_target((int)(sizeof migrations / sizeof migrations[0]));
	PGresult *r = NULL;
	if (q(st, "migrating the schema", "BEGIN", 0, NULL, NULL) != 0)
		return -1;
	if (q(st, "migrating the schema", "SELECT pg_advisory_xact_lock(7415391)", 0, NULL, NULL) ||
	    q(st, "migrating the schema",
	      "CREATE TABLE IF NOT EXISTS smbwatch_schema (version INTEGER NOT NULL)", 0, NULL,
	      NULL) ||
	    q(st, "migrating the schema", "SELECT COALESCE(MAX(version), 0) FROM smbwatch_schema",
	      0, NULL, &r))
		goto fail;
	int have = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	if (have > want) {
		store_fail(st, "schema version %d is newer than this smbwatch knows (%d)", have,
			   want);
		goto fail;
	}
	for (int v = have; v < want; v++)
		if (q(st, "migrating the schema", migrations[v], 0, NULL, NULL) != 0)
			goto fail;
	char ver[16];
	snprintf(ver, sizeof ver, "%d", want);
	const char *p[] = {ver};
	if (have != want &&
	    (q(st, "migrating the schema", "DELETE FROM smbwatch_schema", 0, NULL, NULL) ||
	     q(st, "migrating the schema", "INSERT INTO smbwatch_schema VALUES ($1::int)", 1, p,
	       NULL)))
		goto fail;
	return q(st, "migrating the schema", "COMMIT", 0, NULL, NULL);
fail:
	PQclear(PQexec(PG(st), "ROLLBACK"));
	return -1;
}

static int pg_open(struct store *st, const char *where)
{
	PGconn *c = PQconnectdb(where);
	st->impl = c;
	if (!c || PQstatus(c) != CONNECTION_OK) {
		pg_fail(st, "cannot connect to PostgreSQL", c ? PQerrorMessage(c) : "out of memory");
		PQfinish(c);
		st->impl = NULL;
		return -1;
	}
	/* notices ("relation already exists, skipping") are not for users */
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	/* smbwatch's queries are index walks of milliseconds; JIT compiling
	 * the ones the planner costs high (a count over service_latest) took
	 * 25-60 ms each (EXPLAIN ANALYZE, 100,000 x 30) */
	PQclear(PQexec(c, "SET jit = off"));
	if (migrate(st) != 0) {
		PQfinish(c);
		st->impl = NULL;
		return -1;
	}
	return 0;
}

static void pg_close(struct store *st)
{
	PQfinish(PG(st));
	st->impl = NULL;
}

static void i64(char *out, size_t n, int64_t v)
{
	snprintf(out, n, "%" PRId64, v);
}

static int pg_run_begin(struct store *st, struct store_run *run)
{
	char t[24];
	i64(t, sizeof t, run->started_at);
	const char *v[] = {run->scope, run->view, run->targets, run->ports, run->options,
			   run->scanner, t};
	PGresult *r;
	if (q(st, "recording the run",
	      "INSERT INTO runs (scope, view, targets, ports, options, scanner, started_at)"
	      " VALUES ($1,$2,$3,$4,$5,$6,$7::bigint) RETURNING id",
	      7, v, &r) != 0)
		return -1;
	run->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

static int pg_service_put(struct store *st, const struct store_service *svc,
			  const struct store_finding *f, size_t nf,
			  const struct store_latest *latest)
{
	char rid[24], port[8], at[24], open[24];
	i64(rid, sizeof rid, svc->run_id);
	snprintf(port, sizeof port, "%u", svc->port);
	i64(at, sizeof at, svc->scanned_at);
	const char *v[] = {rid, svc->ip, port, at, svc->record};
	PGresult *r;
	if (q(st, "storing a service", "BEGIN", 0, NULL, NULL) != 0)
		return -1;
	if (q(st, "storing a service",
	      "INSERT INTO services (run_id, ip, port, scanned_at, record)"
	      " VALUES ($1::bigint,$2,$3::int,$4::bigint,$5)"
	      " ON CONFLICT (run_id, ip, port) DO UPDATE SET record = EXCLUDED.record,"
	      " scanned_at = EXCLUDED.scanned_at RETURNING id",
	      5, v, &r) != 0)
		goto fail;
	char sid[24];
	record_set_str(sid, sizeof sid, PQgetvalue(r, 0, 0));
	PQclear(r);
	/* the service's inventory row (service_latest, migration 3); a service
	 * stored again in the same run is not a new sighting */
	i64(open, sizeof open, latest->open_findings);
	const char *lv[] = {svc->ip, port, at, rid, sid, latest->search, open};
	if (q(st, "storing a service",
	      "INSERT INTO service_latest (ip, port, first_seen, last_seen, sightings, run_id,"
	      " service_id, views, search, open_findings) VALUES ($1,$2::int,$3::bigint,$3::bigint,"
	      "1,$4::bigint,$5::bigint," SERVICE_LATEST_VIEW("$4::bigint") ",$6,$7::int)"
	      SERVICE_LATEST_UPSERT,
	      7, lv, NULL) != 0)
		goto fail;
	if (q(st, "storing a service", "DELETE FROM findings WHERE service_id=$1::bigint", 1,
	      (const char *const[]){sid}, NULL) != 0)
		goto fail;
	for (size_t i = 0; i < nf; i++) {
		const char *ffv[] = {svc->ip, port, f[i].id, at};
		if (q(st, "storing a finding",
		      "INSERT INTO finding_first (ip, port, finding, first_seen)"
		      " VALUES ($1,$2::int,$3,$4::bigint)" FINDING_FIRST_UPSERT,
		      4, ffv, NULL) != 0)
			goto fail;
		const char *fv[] = {sid, rid, f[i].id, f[i].severity, f[i].title, svc->ip, port};
		if (q(st, "storing a finding",
		      "INSERT INTO findings (service_id, run_id, finding, severity, title, first_seen)"
		      " VALUES ($1::bigint,$2::bigint,$3,$4,$5,"
		      FINDING_FIRST_OF("$6", "$7::int", "$3") ")",
		      7, fv, NULL) != 0)
			goto fail;
	}
	return q(st, "committing a service", "COMMIT", 0, NULL, NULL);
fail:
	PQclear(PQexec(PG(st), "ROLLBACK"));
	return -1;
}

static int pg_run_end(struct store *st, const struct store_run *run)
{
	char b[8][24];
	i64(b[0], 24, run->ended_at);
	i64(b[1], 24, (int64_t)run->n_targets);
	i64(b[2], 24, (int64_t)run->n_open);
	i64(b[3], 24, (int64_t)run->n_closed);
	i64(b[4], 24, (int64_t)run->n_filtered);
	i64(b[5], 24, (int64_t)run->n_errors);
	i64(b[6], 24, (int64_t)run->n_services);
	i64(b[7], 24, run->id);
	const char *v[] = {b[0], run->complete ? "true" : "false", b[1], b[2], b[3], b[4], b[5],
			   b[6], b[7]};
	return q(st, "finishing the run",
		 "UPDATE runs SET ended_at=$1::bigint, complete=$2::boolean, n_targets=$3::bigint,"
		 " n_open=$4::bigint, n_closed=$5::bigint, n_filtered=$6::bigint,"
		 " n_errors=$7::bigint, n_services=$8::bigint WHERE id=$9::bigint",
		 9, v, NULL) ||
	       q(st, "counting the run's findings",
		 "UPDATE runs SET" RUN_COUNTS_SET " WHERE id=$1::bigint", 1,
		 (const char *const[]){b[7]}, NULL);
}

static int pg_events_put(struct store *st, int64_t run_id, const struct store_event *ev,
			 size_t n)
{
	char rid[24];
	i64(rid, sizeof rid, run_id);
	if (q(st, "storing events", "BEGIN", 0, NULL, NULL) != 0)
		return -1;
	if (q(st, "storing events", "DELETE FROM events WHERE run_id=$1::bigint", 1,
	      (const char *const[]){rid}, NULL) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		char seq[24], sev[8], port[8];
		i64(seq, sizeof seq, (int64_t)i);
		snprintf(sev, sizeof sev, "%d", ev[i].severity);
		snprintf(port, sizeof port, "%u", ev[i].port);
		const char *v[] = {rid, seq, ev[i].event, sev, ev[i].ip, port, ev[i].view, ev[i].body};
		if (q(st, "storing events",
		      "INSERT INTO events (run_id, seq, event, severity, ip, port, view, body)"
		      " VALUES ($1::bigint,$2::int,$3,$4::int,$5,$6::int,$7,$8)",
		      8, v, NULL) != 0)
			goto fail;
	}
	if (q(st, "storing events", "UPDATE runs SET events_stored = 1 WHERE id=$1::bigint", 1,
	      (const char *const[]){rid}, NULL) != 0)
		goto fail;
	return q(st, "committing events", "COMMIT", 0, NULL, NULL);
fail:
	PQclear(PQexec(PG(st), "ROLLBACK"));
	return -1;
}

#define RUN_COLS                                                                              \
	"id, scope, view, targets, ports, options, scanner, started_at, ended_at, complete,"  \
	" n_targets, n_open, n_closed, n_filtered, n_errors, n_services"

static uint64_t u64(PGresult *r, int row, int col)
{
	return strtoull(PQgetvalue(r, row, col), NULL, 10);
}

static void row_to_run(PGresult *r, int i, struct store_run *o)
{
	memset(o, 0, sizeof *o);
	o->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
	record_set_str(o->scope, sizeof o->scope, PQgetvalue(r, i, 1));
	record_set_str(o->view, sizeof o->view, PQgetvalue(r, i, 2));
	record_set_str(o->targets, sizeof o->targets, PQgetvalue(r, i, 3));
	record_set_str(o->ports, sizeof o->ports, PQgetvalue(r, i, 4));
	record_set_str(o->options, sizeof o->options, PQgetvalue(r, i, 5));
	record_set_str(o->scanner, sizeof o->scanner, PQgetvalue(r, i, 6));
	o->started_at = strtoll(PQgetvalue(r, i, 7), NULL, 10);
	o->ended_at = strtoll(PQgetvalue(r, i, 8), NULL, 10);
	o->complete = PQgetvalue(r, i, 9)[0] == 't';
	o->n_targets = u64(r, i, 10);
	o->n_open = u64(r, i, 11);
	o->n_closed = u64(r, i, 12);
	o->n_filtered = u64(r, i, 13);
	o->n_errors = u64(r, i, 14);
	o->n_services = u64(r, i, 15);
}

static int pg_run_get(struct store *st, int64_t id, struct store_run *out)
{
	char b[24];
	i64(b, sizeof b, id);
	const char *v[] = {b};
	PGresult *r;
	if (q(st, "reading a run", "SELECT " RUN_COLS " FROM runs WHERE id=$1::bigint", 1, v,
	      &r) != 0)
		return -1;
	int found = PQntuples(r) > 0;
	if (found)
		row_to_run(r, 0, out);
	PQclear(r);
	return found ? 0 : 1;
}

static int pg_runs_list(struct store *st, const char *scope, const char *view, bool complete_only,
			int64_t after_id, int64_t before_id, unsigned limit, store_run_cb cb,
			void *ud)
{
	char a[24], b[24], l[24];
	i64(a, sizeof a, after_id);
	i64(b, sizeof b, before_id);
	snprintf(l, sizeof l, "%u", limit);
	const char *v[] = {scope, view, complete_only ? "true" : "false", a, b, l};
	PGresult *r;
	if (q(st, "listing runs",
	      "SELECT " RUN_COLS " FROM runs WHERE ($1::text IS NULL OR scope=$1)"
	      " AND ($2::text IS NULL OR view=$2) AND (NOT $3::boolean OR complete)"
	      " AND id>$4::bigint AND ($5::bigint=0 OR id<$5::bigint) ORDER BY id DESC"
	      " LIMIT CASE WHEN $6::int=0 THEN NULL ELSE $6::int END",
	      6, v, &r) != 0)
		return -1;
	struct store_run run;
	for (int i = 0; i < PQntuples(r); i++) {
		row_to_run(r, i, &run);
		if (cb(&run, ud) != 0)
			break;
	}
	PQclear(r);
	return 0;
}

static int service_rows(PGresult *r, store_service_cb cb, void *ud)
{
	for (int i = 0; i < PQntuples(r); i++) {
		struct store_service svc = {
			.run_id = strtoll(PQgetvalue(r, i, 0), NULL, 10),
			.ip = PQgetvalue(r, i, 1),
			.port = (unsigned)strtoul(PQgetvalue(r, i, 2), NULL, 10),
			.scanned_at = strtoll(PQgetvalue(r, i, 3), NULL, 10),
			.record = PQgetvalue(r, i, 4),
		};
		if (cb(&svc, ud) != 0)
			break;
	}
	PQclear(r);
	return 0;
}

static int pg_services_of_run(struct store *st, int64_t run_id, store_service_cb cb, void *ud)
{
	char b[24];
	i64(b, sizeof b, run_id);
	const char *v[] = {b};
	PGresult *r;
	/* COLLATE "C": the same order as SQLite's byte-wise text order */
	if (q(st, "reading services",
	      "SELECT run_id, ip, port, scanned_at, record FROM services WHERE run_id=$1::bigint"
	      " ORDER BY ip COLLATE \"C\", port",
	      1, v, &r) != 0)
		return -1;
	return service_rows(r, cb, ud);
}

static int pg_service_history(struct store *st, const char *ip, int port, store_service_cb cb,
			      void *ud)
{
	char p[16];
	snprintf(p, sizeof p, "%d", port);
	const char *v[] = {ip, p};
	PGresult *r;
	if (q(st, "reading services",
	      "SELECT run_id, ip, port, scanned_at, record FROM services WHERE ip=$1"
	      " AND ($2::int<0 OR port=$2::int) ORDER BY run_id, port",
	      2, v, &r) != 0)
		return -1;
	return service_rows(r, cb, ud);
}

static int pg_delivered_has(struct store *st, const char *key, const char *sink, bool *has)
{
	const char *v[] = {key, sink};
	PGresult *r;
	if (q(st, "reading deliveries", "SELECT 1 FROM delivered WHERE event_key=$1 AND sink=$2",
	      2, v, &r) != 0)
		return -1;
	*has = PQntuples(r) > 0;
	PQclear(r);
	return 0;
}

static int pg_delivered_put(struct store *st, const char *key, const char *sink, int64_t at)
{
	char b[24];
	i64(b, sizeof b, at);
	const char *v[] = {key, sink, b};
	return q(st, "recording a delivery",
		 "INSERT INTO delivered (event_key, sink, at) VALUES ($1,$2,$3::bigint)"
		 " ON CONFLICT DO NOTHING",
		 3, v, NULL);
}

/* A batch of the sensor's alerts and sightings in one transaction. */
static int pg_sensor_put(struct store *st, const struct store_sensor_batch *b)
{
	/* a sensor runs for weeks: after the server restarted, reconnect
	 * (once per batch) rather than fail every batch until we exit */
	if (PQstatus(PG(st)) == CONNECTION_BAD)
		PQreset(PG(st));
	if (q(st, "storing sensor data", "BEGIN", 0, NULL, NULL) != 0)
		return -1;
	for (size_t i = 0; i < b->n_alerts; i++) {
		const struct store_sensor_alert *a = &b->alerts[i];
		char at[24], us[24], sp[8], dp[8];
		i64(at, sizeof at, a->at_us / 1000000);
		i64(us, sizeof us, a->at_us);
		snprintf(sp, sizeof sp, "%u", a->src_port);
		snprintf(dp, sizeof dp, "%u", a->dst_port);
		const char *v[] = {at, us, a->kind, a->severity, a->src, a->dst, sp, dp,
				   a->approved ? "1" : "0", a->json};
		if (q(st, "storing a sensor alert",
		      SENSOR_ALERT_INSERT("$1::bigint", "$2::bigint", "$3", "$4", "$5", "$6",
					  "$7::int", "$8::int", "$9::int", "$10"),
		      10, v, NULL) != 0)
			goto fail;
	}
	for (size_t i = 0; i < b->n_seen; i++) {
		const struct store_sensor_seen *o = &b->seen[i];
		char at[24], port[8];
		i64(at, sizeof at, o->at);
		snprintf(port, sizeof port, "%u", o->port);
		const char *v[] = {o->server, port, at, o->smb1 ? "1" : "0",
				   o->dialect && o->sign_required ? "1" : "0",
				   o->dialect && !o->sign_required ? "1" : "0"};
		if (q(st, "storing a sensor sighting",
		      SENSOR_SERVER_UPSERT("$1", "$2::int", "$3::bigint", "$4::int", "$5::int",
					   "$6::int"),
		      6, v, NULL) != 0)
			goto fail;
		if (o->dialect) {
			const char *dv[] = {o->server, port, o->dialect, at};
			if (q(st, "storing a sensor sighting",
			      SENSOR_DIALECT_UPSERT("$1", "$2::int", "$3", "$4::bigint"), 4, dv,
			      NULL) != 0)
				goto fail;
		}
		if (o->smb1 && o->dialect) {
			const char *sv[] = {o->client, o->server, port, o->dialect, at};
			if (q(st, "storing a sensor sighting",
			      SENSOR_SMB1_UPSERT("$1", "$2", "$3::int", "$4", "$5::bigint"), 5, sv,
			      NULL) != 0)
				goto fail;
		}
	}
	return q(st, "committing sensor data", "COMMIT", 0, NULL, NULL);
fail:
	PQclear(PQexec(PG(st), "ROLLBACK"));
	return -1;
}

/* PostgreSQL type oids (catalog/pg_type_d.h) read back as JSON integers. */
static bool pg_int_type(Oid t)
{
	return t == 20 || t == 21 || t == 23; /* int8, int2, int4 */
}

static int pg_query(struct store *st, const char *sql, const struct store_param *params,
		    size_t n, store_row_cb cb, void *ud)
{
	char num[9][24];
	const char *v[9];
	for (size_t i = 0; i < n && i < 9; i++) {
		if (params[i].is_int) {
			i64(num[i], sizeof num[i], params[i].num);
			v[i] = num[i];
		} else {
			v[i] = params[i].text ? params[i].text : "";
		}
	}
	PGresult *r = PQexecParams(PG(st), sql, (int)n, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_fail(st, "querying", PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	int rows = PQntuples(r), ncol = PQnfields(r);
	for (int i = 0; i < rows; i++) {
		json_t *row = json_object();
		for (int c = 0; c < ncol; c++) {
			json_t *val;
			const char *t = PQgetvalue(r, i, c);
			if (PQgetisnull(r, i, c))
				val = json_null();
			else if (pg_int_type(PQftype(r, c)))
				val = json_integer(strtoll(t, NULL, 10));
			else if (!(val = json_string(t)))
				val = json_string("");
			json_object_set_new(row, PQfname(r, c), val);
		}
		int stop = cb(row, ud);
		json_decref(row);
		if (stop)
			break;
	}
	PQclear(r);
	return 0;
}

static int pg_set_readonly(struct store *st)
{
	return q(st, "making the connection read-only",
		 "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", 0, NULL, NULL);
}

static const struct store_ops pg_ops = {
	.name = "postgres",
	.open = pg_open,
	.close = pg_close,
	.run_begin = pg_run_begin,
	.service_put = pg_service_put,
	.run_end = pg_run_end,
	.run_get = pg_run_get,
	.runs_list = pg_runs_list,
	.services_of_run = pg_services_of_run,
	.service_history = pg_service_history,
	.events_put = pg_events_put,
	.delivered_has = pg_delivered_has,
	.delivered_put = pg_delivered_put,
	.sensor_put = pg_sensor_put,
	.query = pg_query,
	.set_readonly = pg_set_readonly,
};

const struct store_ops *const store_pg_ops = &pg_ops;
