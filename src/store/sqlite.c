/* sqlite.c - the embedded store: one SQLite file in WAL mode.
 *
 * Why WAL + synchronous=NORMAL: a commit is one append to the WAL, so each
 * finished service can be its own transaction (the durability contract of
 * store.h) at a cost of tens of microseconds, and readers (`diff`,
 * `history`) never block the scanner. NORMAL keeps every commit across a
 * process crash (kill -9); only an OS crash or power loss may drop the last
 * few commits, never corrupt the file.
 *
 * Schema versions are PRAGMA user_version; migrations[] below are applied in
 * order inside one IMMEDIATE transaction at open. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "record/record.h"
#include "store/store_int.h"

/* How long a writer waits for another writer's lock before giving up with
 * "database is locked". Long enough for another scanner's commit, short
 * enough that a stuck lock is reported rather than hanging the scan. */
#define SQL_BUSY_MS 3000

static const char *const migrations[] = {
	/* 1: runs, services, findings */
	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" scope TEXT NOT NULL, view TEXT NOT NULL, targets TEXT NOT NULL,"
	" ports TEXT NOT NULL, options TEXT NOT NULL, scanner TEXT NOT NULL,"
	" started_at INTEGER NOT NULL, ended_at INTEGER NOT NULL DEFAULT 0,"
	" complete INTEGER NOT NULL DEFAULT 0,"
	" n_targets INTEGER NOT NULL DEFAULT 0, n_open INTEGER NOT NULL DEFAULT 0,"
	" n_closed INTEGER NOT NULL DEFAULT 0, n_filtered INTEGER NOT NULL DEFAULT 0,"
	" n_errors INTEGER NOT NULL DEFAULT 0, n_services INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX runs_scope ON runs(scope, view, id);"
	"CREATE TABLE services ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" ip TEXT NOT NULL, port INTEGER NOT NULL, scanned_at INTEGER NOT NULL,"
	" record TEXT NOT NULL, UNIQUE (run_id, ip, port));"
	"CREATE INDEX services_addr ON services(ip, port, run_id);"
	"CREATE TABLE findings ("
	" service_id INTEGER NOT NULL REFERENCES services(id),"
	" run_id INTEGER NOT NULL, finding TEXT NOT NULL,"
	" severity TEXT NOT NULL, title TEXT NOT NULL);"
	"CREATE INDEX findings_run ON findings(run_id, finding);",
	/* 2: the monitor's delivery log (one row per event and sink) */
	"CREATE TABLE delivered ("
	" event_key TEXT NOT NULL, sink TEXT NOT NULL, at INTEGER NOT NULL,"
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
	" ip TEXT NOT NULL, port INTEGER NOT NULL, first_seen INTEGER NOT NULL,"
	" last_seen INTEGER NOT NULL, sightings INTEGER NOT NULL, run_id INTEGER NOT NULL,"
	" service_id INTEGER NOT NULL, PRIMARY KEY (ip, port));"
	"INSERT INTO service_latest (ip, port, first_seen, last_seen, sightings, run_id, service_id)"
	" SELECT s.ip, s.port, a.first_seen, a.last_seen, a.sightings, a.run_id, s.id FROM"
	" (SELECT ip, port, MIN(scanned_at) AS first_seen, MAX(scanned_at) AS last_seen,"
	" COUNT(*) AS sightings, MAX(run_id) AS run_id FROM services GROUP BY ip, port) a"
	" JOIN services s ON s.ip = a.ip AND s.port = a.port AND s.run_id = a.run_id;"
	"CREATE INDEX service_latest_first ON service_latest(first_seen);"
	"CREATE INDEX service_latest_last ON service_latest(last_seen);"
	"CREATE INDEX service_latest_port ON service_latest(port, ip);",
	/* 4: `serve` at 100,000 services x 30 runs (docs/performance.md): what
	 * it used to compute per request is kept at store time. Per-run
	 * counts (set at run end), the views that saw each service, when
	 * each service first had each finding, and the monitor's events of
	 * each run (events_stored = 0: runs from before, computed on demand) */
	"ALTER TABLE runs ADD COLUMN n_info INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN n_low INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN n_medium INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN n_high INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN n_critical INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN n_smb1 INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN n_unsigned INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN events_stored INTEGER NOT NULL DEFAULT 0;"
	"UPDATE runs SET" RUN_COUNTS_SET ";"
	"ALTER TABLE service_latest ADD COLUMN views TEXT NOT NULL DEFAULT ' ';"
	"UPDATE service_latest SET views = ' ' || (SELECT group_concat(v, ' ') FROM"
	" (SELECT DISTINCT r.view AS v FROM services s JOIN runs r ON r.id = s.run_id"
	" WHERE s.ip = service_latest.ip AND s.port = service_latest.port ORDER BY r.view))"
	" || ' ';"
	"CREATE INDEX service_latest_service ON service_latest(service_id);"
	"ALTER TABLE service_latest ADD COLUMN search TEXT NOT NULL DEFAULT '';"
	"UPDATE service_latest SET search = (SELECT LOWER(record) FROM services"
	" WHERE id = service_latest.service_id);"
	"CREATE TABLE finding_first ("
	" ip TEXT NOT NULL, port INTEGER NOT NULL, finding TEXT NOT NULL,"
	" first_seen INTEGER NOT NULL, PRIMARY KEY (ip, port, finding));"
	"INSERT INTO finding_first (ip, port, finding, first_seen)"
	" SELECT s.ip, s.port, f.finding, MIN(s.scanned_at) FROM findings f"
	" JOIN services s ON s.id = f.service_id GROUP BY s.ip, s.port, f.finding;"
	"ALTER TABLE findings ADD COLUMN first_seen INTEGER NOT NULL DEFAULT 0;"
	"UPDATE findings SET first_seen = (SELECT ff.first_seen FROM services s"
	" JOIN finding_first ff ON ff.ip = s.ip AND ff.port = s.port"
	" AND ff.finding = findings.finding WHERE s.id = findings.service_id);"
	"CREATE INDEX findings_age ON findings(run_id, severity, first_seen);"
	"CREATE TABLE events ("
	" run_id INTEGER NOT NULL REFERENCES runs(id), seq INTEGER NOT NULL,"
	" event TEXT NOT NULL, severity INTEGER NOT NULL, ip TEXT NOT NULL,"
	" port INTEGER NOT NULL, view TEXT NOT NULL, body TEXT NOT NULL,"
	" PRIMARY KEY (run_id, seq));",
	/* 5: what `sensor --db`
	 * writes. sensor_alerts: every alert (capture time, kind, the alert
	 * JSON); sensor_servers / sensor_dialects: each SMB server seen on the
	 * wire, its dialects, SMB1 and signing, first/last seen; sensor_smb1:
	 * which clients used SMB1 with which server (smb1-usage reads it) */
	"CREATE TABLE sensor_alerts ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, at_us INTEGER NOT NULL,"
	" kind TEXT NOT NULL, severity TEXT NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL,"
	" src_port INTEGER NOT NULL, dst_port INTEGER NOT NULL, approved INTEGER NOT NULL,"
	" alert TEXT NOT NULL);"
	"CREATE INDEX sensor_alerts_at ON sensor_alerts(at);"
	"CREATE INDEX sensor_alerts_kind ON sensor_alerts(kind, at);"
	"CREATE INDEX sensor_alerts_src ON sensor_alerts(src, at);"
	"CREATE INDEX sensor_alerts_dst ON sensor_alerts(dst, at);"
	"CREATE TABLE sensor_servers ("
	" ip TEXT NOT NULL, port INTEGER NOT NULL, first_seen INTEGER NOT NULL,"
	" last_seen INTEGER NOT NULL, smb1 INTEGER NOT NULL, sign_required INTEGER NOT NULL,"
	" sign_optional INTEGER NOT NULL, PRIMARY KEY (ip, port));"
	"CREATE TABLE sensor_dialects ("
	" ip TEXT NOT NULL, port INTEGER NOT NULL, dialect TEXT NOT NULL,"
	" first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, PRIMARY KEY (ip, port, dialect));"
	"CREATE TABLE sensor_smb1 ("
	" client TEXT NOT NULL, server TEXT NOT NULL, port INTEGER NOT NULL,"
	" dialect TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	" negotiations INTEGER NOT NULL, PRIMARY KEY (client, server, port));"
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

#define DB(st) ((sqlite3 *)(st)->impl)

static int sql_fail(struct store *st, const char *what)
{
	return store_fail(st, "%s: %s", what, sqlite3_errmsg(DB(st)));
}

static int exec_sql(struct store *st, const char *sql, const char *what)
{
	char *msg = NULL;
	if (sqlite3_exec(DB(st), sql, NULL, NULL, &msg) != SQLITE_OK) {
		store_fail(st, "%s: %s", what, msg ? msg : sqlite3_errmsg(DB(st)));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* A set-up statement at open, BUSY retried until SQL_BUSY_MS after the
 * start. Why: scans that start together on a new database all switch it
 * to WAL; two connections that both read it and then both want to write
 * would deadlock, so SQLite answers one of them BUSY at once without its
 * busy handler (seen once in tests/hostile: 25 scans at once). Once the
 * other has switched, the same statement is a no-op. */
static int exec_setup(struct store *st, const char *sql, uint64_t start_ms)
{
	for (;;) {
		if (exec_sql(st, sql, "opening") == 0)
			return 0;
		int code = sqlite3_errcode(DB(st)) & 0xff;
		if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) ||
		    now_ms() - start_ms >= SQL_BUSY_MS)
			return -1;
		unsigned r = 0;
		sqlite3_randomness(sizeof r, &r);
		sqlite3_sleep(10 + (int)(r % 40)); /* apart from the others */
	}
}

/* mkdir -p of the file's directory, so the default path just works. */
static int make_parent(struct store *st, const char *path)
{
	char dir[4096];
	if (strlen(path) >= sizeof dir)
		return store_fail(st, "%s: path too long", path);
	record_set_str(dir, sizeof dir, path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return store_fail(st, "%s: cannot create directory %s: %s", path, dir,
					  strerror(errno));
		*p = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return store_fail(st, "%s: cannot create directory %s: %s", path, dir,
				  strerror(errno));
	return 0;
}

static int migrate(struct store *st)
{
	const int want = store_schema_target((int)(sizeof migrations / sizeof migrations[0]));
	if (exec_sql(st, "BEGIN IMMEDIATE", "locking the database") != 0)
		return -1;
	sqlite3_stmt *s = NULL;
	int have = -1;
	if (sqlite3_prepare_v2(DB(st), "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		have = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (have < 0) {
		sql_fail(st, "reading the schema version");
		goto fail;
	}
	if (have > want) {
		store_fail(st, "schema version %d is newer than this smbwatch knows (%d)", have,
			   want);
		goto fail;
	}
	for (int v = have; v < want; v++) {
		if (exec_sql(st, migrations[v], "migrating the schema") != 0)
			goto fail;
	}
	char pragma[64];
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", want);
	if (exec_sql(st, pragma, "migrating the schema") != 0)
		goto fail;
	return exec_sql(st, "COMMIT", "migrating the schema");
fail:
	sqlite3_exec(DB(st), "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int sq_open(struct store *st, const char *where)
{
	if (strncmp(where, "sqlite:", 7) == 0)
		where += 7;
	if (make_parent(st, where) != 0)
		return -1;
	/* an inventory of every weakness found: owner-only (SQLite would create
	 * it 0644 under the usual umask; its -wal and -shm copy this mode) */
	int fd = open(where, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return store_fail(st, "%s: %s", where, strerror(errno));
	close(fd);
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(where, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		store_fail(st, "%s: %s", where, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return -1;
	}
	st->impl = db;
	sqlite3_busy_timeout(db, SQL_BUSY_MS);
	uint64_t start = now_ms();
	/* journal_mode is the first statement to read the file: a corrupt or
	 * foreign file fails here ("file is not a database") */
	if (exec_setup(st, "PRAGMA journal_mode = WAL", start) != 0 ||
	    exec_setup(st, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", start) != 0 ||
	    migrate(st) != 0) {
		char why[sizeof st->err];
		record_set_str(why, sizeof why, st->err);
		store_fail(st, "%s: %s", where, why);
		sqlite3_close(db);
		st->impl = NULL;
		return -1;
	}
	return 0;
}

static void sq_close(struct store *st)
{
	sqlite3_close(DB(st));
	st->impl = NULL;
}

static int prep(struct store *st, const char *sql, sqlite3_stmt **s)
{
	if (sqlite3_prepare_v2(DB(st), sql, -1, s, NULL) != SQLITE_OK)
		return sql_fail(st, "preparing a query");
	return 0;
}

static int sq_run_begin(struct store *st, struct store_run *run)
{
	sqlite3_stmt *s;
	if (prep(st, "INSERT INTO runs (scope, view, targets, ports, options, scanner, started_at)"
		     " VALUES (?,?,?,?,?,?,?)",
		 &s) != 0)
		return -1;
	sqlite3_bind_text(s, 1, run->scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, run->view, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, run->targets, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, run->ports, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, run->options, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, run->scanner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, run->started_at);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sql_fail(st, "recording the run");
	run->id = sqlite3_last_insert_rowid(DB(st));
	return 0;
}

static int sq_service_put(struct store *st, const struct store_service *svc,
			  const struct store_finding *f, size_t nf,
			  const struct store_latest *latest)
{
	sqlite3_stmt *s = NULL;
	if (exec_sql(st, "BEGIN IMMEDIATE", "storing a service") != 0)
		return -1;
	/* an upsert, not INSERT OR REPLACE: a replace deletes the row its
	 * findings point to (a foreign key error when one run stores the same
	 * ip and port twice, e.g. -p 137,U:137); the old findings go below */
	if (prep(st, "INSERT INTO services (run_id, ip, port, scanned_at, record)"
		     " VALUES (?,?,?,?,?) ON CONFLICT (run_id, ip, port) DO UPDATE SET"
		     " record = excluded.record, scanned_at = excluded.scanned_at RETURNING id",
		 &s) != 0)
		goto fail;
	sqlite3_bind_int64(s, 1, svc->run_id);
	sqlite3_bind_text(s, 2, svc->ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, (int)svc->port);
	sqlite3_bind_int64(s, 4, svc->scanned_at);
	sqlite3_bind_text(s, 5, svc->record, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sql_fail(st, "storing a service");
		goto fail;
	}
	sqlite3_int64 sid = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	if (prep(st, "DELETE FROM findings WHERE service_id=?", &s) != 0)
		goto fail;
	sqlite3_bind_int64(s, 1, sid);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sql_fail(st, "storing a service");
		goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;
	/* the service's inventory row (store.h: service_latest); a service
	 * stored again in the same run is not a new sighting */
	if (prep(st, "INSERT INTO service_latest (ip, port, first_seen, last_seen, sightings, run_id,"
		     " service_id, views, search, open_findings) VALUES (?1,?2,?3,?3,1,?4,?5,"
		     SERVICE_LATEST_VIEW("?4") ",?6,?7)"
		     SERVICE_LATEST_UPSERT,
		 &s) != 0)
		goto fail;
	sqlite3_bind_text(s, 1, svc->ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, (int)svc->port);
	sqlite3_bind_int64(s, 3, svc->scanned_at);
	sqlite3_bind_int64(s, 4, svc->run_id);
	sqlite3_bind_int64(s, 5, sid);
	sqlite3_bind_text(s, 6, latest->search, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, latest->open_findings);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sql_fail(st, "storing a service");
		goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (nf) {
		if (prep(st, "INSERT INTO finding_first (ip, port, finding, first_seen)"
			     " VALUES (?,?,?,?)" FINDING_FIRST_UPSERT,
			 &s) != 0)
			goto fail;
		for (size_t i = 0; i < nf; i++) {
			sqlite3_reset(s);
			sqlite3_bind_text(s, 1, svc->ip, -1, SQLITE_STATIC);
			sqlite3_bind_int(s, 2, (int)svc->port);
			sqlite3_bind_text(s, 3, f[i].id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 4, svc->scanned_at);
			if (sqlite3_step(s) != SQLITE_DONE) {
				sql_fail(st, "storing a finding");
				goto fail;
			}
		}
		sqlite3_finalize(s);
		s = NULL;
		if (prep(st, "INSERT INTO findings (service_id, run_id, finding, severity, title,"
			     " first_seen) VALUES (?1,?2,?3,?4,?5," FINDING_FIRST_OF("?6", "?7", "?3") ")",
			 &s) != 0)
			goto fail;
		for (size_t i = 0; i < nf; i++) {
			sqlite3_reset(s);
			sqlite3_bind_int64(s, 1, sid);
			sqlite3_bind_int64(s, 2, svc->run_id);
			sqlite3_bind_text(s, 3, f[i].id, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 4, f[i].severity, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 5, f[i].title, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 6, svc->ip, -1, SQLITE_STATIC);
			sqlite3_bind_int(s, 7, (int)svc->port);
			if (sqlite3_step(s) != SQLITE_DONE) {
				sql_fail(st, "storing a finding");
				goto fail;
			}
		}
		sqlite3_finalize(s);
		s = NULL;
	}
	return exec_sql(st, "COMMIT", "committing a service");
fail:
	sqlite3_finalize(s);
	sqlite3_exec(DB(st), "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int sq_run_end(struct store *st, const struct store_run *run)
{
	sqlite3_stmt *s;
	if (prep(st, "UPDATE runs SET ended_at=?, complete=?, n_targets=?, n_open=?, n_closed=?,"
		     " n_filtered=?, n_errors=?, n_services=? WHERE id=?",
		 &s) != 0)
		return -1;
	sqlite3_bind_int64(s, 1, run->ended_at);
	sqlite3_bind_int(s, 2, run->complete);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)run->n_targets);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)run->n_open);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)run->n_closed);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)run->n_filtered);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)run->n_errors);
	sqlite3_bind_int64(s, 8, (sqlite3_int64)run->n_services);
	sqlite3_bind_int64(s, 9, run->id);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sql_fail(st, "finishing the run");
	if (prep(st, "UPDATE runs SET" RUN_COUNTS_SET " WHERE id=?", &s) != 0)
		return -1;
	sqlite3_bind_int64(s, 1, run->id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : sql_fail(st, "counting the run's findings");
}

static int sq_events_put(struct store *st, int64_t run_id, const struct store_event *ev,
			 size_t n)
{
	sqlite3_stmt *s = NULL;
	if (exec_sql(st, "BEGIN IMMEDIATE", "storing events") != 0)
		return -1;
	if (prep(st, "DELETE FROM events WHERE run_id=?", &s) != 0)
		goto fail;
	sqlite3_bind_int64(s, 1, run_id);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto fail_sql;
	sqlite3_finalize(s);
	if (prep(st, "INSERT INTO events (run_id, seq, event, severity, ip, port, view, body)"
		     " VALUES (?,?,?,?,?,?,?,?)",
		 &s) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, run_id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		sqlite3_bind_text(s, 3, ev[i].event, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 4, ev[i].severity);
		sqlite3_bind_text(s, 5, ev[i].ip, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 6, (int)ev[i].port);
		sqlite3_bind_text(s, 7, ev[i].view, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 8, ev[i].body, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto fail_sql;
	}
	sqlite3_finalize(s);
	if (prep(st, "UPDATE runs SET events_stored = 1 WHERE id=?", &s) != 0)
		goto fail;
	sqlite3_bind_int64(s, 1, run_id);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto fail_sql;
	sqlite3_finalize(s);
	return exec_sql(st, "COMMIT", "committing events");
fail_sql:
	sql_fail(st, "storing events");
fail:
	sqlite3_finalize(s);
	sqlite3_exec(DB(st), "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

#define RUN_COLS                                                                              \
	"id, scope, view, targets, ports, options, scanner, started_at, ended_at, complete,"  \
	" n_targets, n_open, n_closed, n_filtered, n_errors, n_services"

static void col_text(sqlite3_stmt *s, int i, char *out, size_t outsz)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	record_set_str(out, outsz, t ? (const char *)t : "");
}

static void row_to_run(sqlite3_stmt *s, struct store_run *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, r->scope, sizeof r->scope);
	col_text(s, 2, r->view, sizeof r->view);
	col_text(s, 3, r->targets, sizeof r->targets);
	col_text(s, 4, r->ports, sizeof r->ports);
	col_text(s, 5, r->options, sizeof r->options);
	col_text(s, 6, r->scanner, sizeof r->scanner);
	r->started_at = sqlite3_column_int64(s, 7);
	r->ended_at = sqlite3_column_int64(s, 8);
	r->complete = sqlite3_column_int(s, 9) != 0;
	r->n_targets = (uint64_t)sqlite3_column_int64(s, 10);
	r->n_open = (uint64_t)sqlite3_column_int64(s, 11);
	r->n_closed = (uint64_t)sqlite3_column_int64(s, 12);
	r->n_filtered = (uint64_t)sqlite3_column_int64(s, 13);
	r->n_errors = (uint64_t)sqlite3_column_int64(s, 14);
	r->n_services = (uint64_t)sqlite3_column_int64(s, 15);
}

static int sq_run_get(struct store *st, int64_t id, struct store_run *out)
{
	sqlite3_stmt *s;
	if (prep(st, "SELECT " RUN_COLS " FROM runs WHERE id=?", &s) != 0)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		row_to_run(s, out);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? 1 : sql_fail(st, "reading a run");
}

static int sq_runs_list(struct store *st, const char *scope, const char *view, bool complete_only,
			int64_t after_id, int64_t before_id, unsigned limit, store_run_cb cb,
			void *ud)
{
	sqlite3_stmt *s;
	/* NULL parameters mean "any": one statement for every combination */
	if (prep(st, "SELECT " RUN_COLS " FROM runs WHERE (?1 IS NULL OR scope=?1)"
		     " AND (?2 IS NULL OR view=?2) AND (?3=0 OR complete=1)"
		     " AND id>?4 AND (?5=0 OR id<?5) ORDER BY id DESC LIMIT ?6",
		 &s) != 0)
		return -1;
	if (scope)
		sqlite3_bind_text(s, 1, scope, -1, SQLITE_STATIC);
	if (view)
		sqlite3_bind_text(s, 2, view, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, complete_only);
	sqlite3_bind_int64(s, 4, after_id);
	sqlite3_bind_int64(s, 5, before_id);
	sqlite3_bind_int64(s, 6, limit ? (sqlite3_int64)limit : -1);
	int rc;
	struct store_run run;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		row_to_run(s, &run);
		if (cb(&run, ud) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : sql_fail(st, "listing runs");
}

static int service_rows(struct store *st, sqlite3_stmt *s, store_service_cb cb, void *ud)
{
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_service svc = {
			.run_id = sqlite3_column_int64(s, 0),
			.ip = (const char *)sqlite3_column_text(s, 1),
			.port = (unsigned)sqlite3_column_int(s, 2),
			.scanned_at = sqlite3_column_int64(s, 3),
			.record = (const char *)sqlite3_column_text(s, 4),
		};
		if (!svc.ip || !svc.record)
			continue;
		if (cb(&svc, ud) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : sql_fail(st, "reading services");
}

static int sq_services_of_run(struct store *st, int64_t run_id, store_service_cb cb, void *ud)
{
	sqlite3_stmt *s;
	if (prep(st, "SELECT run_id, ip, port, scanned_at, record FROM services WHERE run_id=?"
		     " ORDER BY ip, port",
		 &s) != 0)
		return -1;
	sqlite3_bind_int64(s, 1, run_id);
	return service_rows(st, s, cb, ud);
}

static int sq_service_history(struct store *st, const char *ip, int port, store_service_cb cb,
			      void *ud)
{
	sqlite3_stmt *s;
	if (prep(st, "SELECT run_id, ip, port, scanned_at, record FROM services WHERE ip=?1"
		     " AND (?2<0 OR port=?2) ORDER BY run_id, port",
		 &s) != 0)
		return -1;
	sqlite3_bind_text(s, 1, ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, port);
	return service_rows(st, s, cb, ud);
}

static int sq_delivered_has(struct store *st, const char *key, const char *sink, bool *has)
{
	sqlite3_stmt *s;
	if (prep(st, "SELECT 1 FROM delivered WHERE event_key=? AND sink=?", &s) != 0)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, sink, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	*has = rc == SQLITE_ROW;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sql_fail(st, "reading deliveries");
}

static int sq_delivered_put(struct store *st, const char *key, const char *sink, int64_t at)
{
	sqlite3_stmt *s;
	if (prep(st, "INSERT OR IGNORE INTO delivered (event_key, sink, at) VALUES (?,?,?)", &s) !=
	    0)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, sink, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, at);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : sql_fail(st, "recording a delivery");
}

/* A batch of the sensor's alerts and sightings in one transaction (the
 * sensor writes per batch, never per packet: store.h). */
static int sq_sensor_put(struct store *st, const struct store_sensor_batch *b)
{
	sqlite3_stmt *al = NULL, *sv = NULL, *di = NULL, *s1 = NULL;
	if (exec_sql(st, "BEGIN IMMEDIATE", "storing sensor data") != 0)
		return -1;
	if (prep(st, SENSOR_ALERT_INSERT("?1", "?2", "?3", "?4", "?5", "?6", "?7", "?8", "?9", "?10"),
		 &al) != 0 ||
	    prep(st, SENSOR_SERVER_UPSERT("?1", "?2", "?3", "?4", "?5", "?6"), &sv) != 0 ||
	    prep(st, SENSOR_DIALECT_UPSERT("?1", "?2", "?3", "?4"), &di) != 0 ||
	    prep(st, SENSOR_SMB1_UPSERT("?1", "?2", "?3", "?4", "?5"), &s1) != 0)
		goto fail;
	for (size_t i = 0; i < b->n_alerts; i++) {
		const struct store_sensor_alert *a = &b->alerts[i];
		sqlite3_reset(al);
		sqlite3_bind_int64(al, 1, a->at_us / 1000000);
		sqlite3_bind_int64(al, 2, a->at_us);
		sqlite3_bind_text(al, 3, a->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(al, 4, a->severity, -1, SQLITE_STATIC);
		sqlite3_bind_text(al, 5, a->src, -1, SQLITE_STATIC);
		sqlite3_bind_text(al, 6, a->dst, -1, SQLITE_STATIC);
		sqlite3_bind_int(al, 7, (int)a->src_port);
		sqlite3_bind_int(al, 8, (int)a->dst_port);
		sqlite3_bind_int(al, 9, a->approved);
		sqlite3_bind_text(al, 10, a->json, -1, SQLITE_STATIC);
		if (sqlite3_step(al) != SQLITE_DONE) {
			sql_fail(st, "storing a sensor alert");
			goto fail;
		}
	}
	for (size_t i = 0; i < b->n_seen; i++) {
		const struct store_sensor_seen *o = &b->seen[i];
		sqlite3_reset(sv);
		sqlite3_bind_text(sv, 1, o->server, -1, SQLITE_STATIC);
		sqlite3_bind_int(sv, 2, (int)o->port);
		sqlite3_bind_int64(sv, 3, o->at);
		sqlite3_bind_int(sv, 4, o->smb1);
		sqlite3_bind_int(sv, 5, o->dialect && o->sign_required);
		sqlite3_bind_int(sv, 6, o->dialect && !o->sign_required);
		if (sqlite3_step(sv) != SQLITE_DONE) {
			sql_fail(st, "storing a sensor sighting");
			goto fail;
		}
		if (o->dialect) {
			sqlite3_reset(di);
			sqlite3_bind_text(di, 1, o->server, -1, SQLITE_STATIC);
			sqlite3_bind_int(di, 2, (int)o->port);
			sqlite3_bind_text(di, 3, o->dialect, -1, SQLITE_STATIC);
			sqlite3_bind_int64(di, 4, o->at);
			if (sqlite3_step(di) != SQLITE_DONE) {
				sql_fail(st, "storing a sensor sighting");
				goto fail;
			}
		}
		if (o->smb1 && o->dialect) {
			sqlite3_reset(s1);
			sqlite3_bind_text(s1, 1, o->client, -1, SQLITE_STATIC);
			sqlite3_bind_text(s1, 2, o->server, -1, SQLITE_STATIC);
			sqlite3_bind_int(s1, 3, (int)o->port);
			sqlite3_bind_text(s1, 4, o->dialect, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s1, 5, o->at);
			if (sqlite3_step(s1) != SQLITE_DONE) {
				sql_fail(st, "storing a sensor sighting");
				goto fail;
			}
		}
	}
	sqlite3_finalize(al);
	sqlite3_finalize(sv);
	sqlite3_finalize(di);
	sqlite3_finalize(s1);
	return exec_sql(st, "COMMIT", "committing sensor data");
fail:
	sqlite3_finalize(al);
	sqlite3_finalize(sv);
	sqlite3_finalize(di);
	sqlite3_finalize(s1);
	sqlite3_exec(DB(st), "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Parameters are "$1".."$9" (store.h): bound by name, so a query may use
 * one twice or leave one out. */
static int sq_query(struct store *st, const char *sql, const struct store_param *params,
		    size_t n, store_row_cb cb, void *ud)
{
	sqlite3_stmt *s;
	if (prep(st, sql, &s) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char name[4] = {'$', (char)('1' + i), '\0', '\0'};
		int at = sqlite3_bind_parameter_index(s, name);
		if (at == 0)
			continue;
		if (params[i].is_int)
			sqlite3_bind_int64(s, at, params[i].num);
		else
			sqlite3_bind_text(s, at, params[i].text ? params[i].text : "", -1,
					  SQLITE_STATIC);
	}
	int rc;
	int ncol = sqlite3_column_count(s);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *row = json_object();
		for (int c = 0; c < ncol; c++) {
			json_t *v;
			switch (sqlite3_column_type(s, c)) {
			case SQLITE_INTEGER:
				v = json_integer(sqlite3_column_int64(s, c));
				break;
			case SQLITE_NULL:
				v = json_null();
				break;
			default: {
				const unsigned char *t = sqlite3_column_text(s, c);
				v = json_stringn(t ? (const char *)t : "",
						 (size_t)sqlite3_column_bytes(s, c));
				if (!v) /* not UTF-8: the record came from the wire */
					v = json_string("");
			}
			}
			json_object_set_new(row, sqlite3_column_name(s, c), v);
		}
		int stop = cb(row, ud);
		json_decref(row);
		if (stop) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : sql_fail(st, "querying");
}

static int sq_set_readonly(struct store *st)
{
	return exec_sql(st, "PRAGMA query_only = ON", "making the connection read-only");
}

static const struct store_ops sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.run_begin = sq_run_begin,
	.service_put = sq_service_put,
	.run_end = sq_run_end,
	.run_get = sq_run_get,
	.runs_list = sq_runs_list,
	.services_of_run = sq_services_of_run,
	.service_history = sq_service_history,
	.events_put = sq_events_put,
	.delivered_has = sq_delivered_has,
	.delivered_put = sq_delivered_put,
	.sensor_put = sq_sensor_put,
	.query = sq_query,
	.set_readonly = sq_set_readonly,
};

const struct store_ops *const store_sqlite_ops = &sqlite_ops;
