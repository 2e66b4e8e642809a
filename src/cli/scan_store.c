/* scan_store.c - a scan into the store; see scan_store.h. */
#include "cli/scan_store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "record/json.h"
#include "store/diff.h"

static int open_store(const char *db, const char *cmd, bool must_exist, struct store **out)
{
	char path[4096];
	const char *where = db;
	*out = NULL;
	if (!where) {
		if (store_default_path(path, sizeof path) != 0) {
			fprintf(stderr,
				"smbwatch %s: no database path: set HOME or XDG_DATA_HOME, or use "
				"--db PATH or --no-db\n",
				cmd);
			return -1;
		}
		where = path;
	}
	if (must_exist && !store_is_postgres(where)) {
		/* a reader must not create an empty database at a mistyped path */
		const char *file = strncmp(where, "sqlite:", 7) == 0 ? where + 7 : where;
		if (access(file, F_OK) != 0) {
			fprintf(stderr,
				"smbwatch %s: no database at %s (scan and monitor create it; "
				"see --db)\n",
				cmd, file);
			return -1;
		}
	}
	char err[600];
	if (store_open(where, out, err, sizeof err) != 0) {
		fprintf(stderr, "smbwatch %s: database error: %s\n", cmd, err);
		return -1;
	}
	return 0;
}

int scan_store_open(const struct scan_cli *cli, const char *cmd, struct store **out)
{
	return open_store(cli->db, cmd, false, out);
}

int scan_store_open_existing(const char *db, const char *cmd, struct store **out)
{
	return open_store(db, cmd, true, out);
}

static void options_json(const struct scan_cli *cli, char *out, size_t outsz)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:s}", "checks",
			      (json_int_t)cli->sopts.checks, "timeout_ms",
			      (json_int_t)cli->sopts.deadline_ms, "read_timeout_ms",
			      (json_int_t)cli->sopts.read_timeout_ms, "rpc_timeout_ms",
			      (json_int_t)cli->sopts.rpc_timeout_ms, "retries",
			      (json_int_t)cli->sopts.retries, "rate", (json_int_t)cli->rate, "ports",
			      cli->ports_text ? cli->ports_text : "");
	if (o && !cli->rate_given) /* net/pace.h's adaptive default, not "no cap" (0) */
		json_object_set_new(o, "rate", json_string("adaptive"));
	if (o && cli->every_s > 0) /* a monitor's: when its next run is due */
		json_object_set_new(o, "every_s", json_integer(cli->every_s));
	char *txt = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	snprintf(out, outsz, "%s", txt ? txt : "{}");
	free(txt);
	json_decref(o);
}

static void recorder_fail(struct scan_recorder *rec, const char *what)
{
	if (!rec->failed)
		fprintf(stderr, "smbwatch %s: database error: %s: %s (results still go to the "
				"output)\n",
			rec->cmd, what, store_error(rec->st));
	rec->failed = true;
}

int scan_store_begin(struct scan_recorder *rec, struct store *st, const struct scan_cli *cli,
		     const char *cmd)
{
	memset(rec, 0, sizeof *rec);
	rec->st = st;
	rec->cmd = cmd;
	if (!st)
		return 0;
	struct store_run *run = &rec->run;
	const char *spec = cli->target_spec ? cli->target_spec : "";
	const char *ports = cli->ports_text ? cli->ports_text : "";
	/* shards of one scan cover different addresses: each is its own scope */
	char shard[48] = "";
	if (cli->shard_n > 1)
		snprintf(shard, sizeof shard, " --shard=%u/%u", cli->shard_k, cli->shard_n);
	snprintf(run->targets, sizeof run->targets, "%s%s", spec, shard);
	store_scope_of(run->targets, ports, run->scope, sizeof run->scope);
	snprintf(run->view, sizeof run->view, "%s", cli->sopts.view);
	snprintf(run->ports, sizeof run->ports, "%s", ports);
	options_json(cli, run->options, sizeof run->options);
	char host[64] = "";
	gethostname(host, sizeof host - 1);
	snprintf(run->scanner, sizeof run->scanner, "%s:%ld", host, (long)getpid());
	run->started_at = (int64_t)time(NULL);
	if (store_run_begin(st, run) != 0) {
		recorder_fail(rec, "starting the run");
		return -1;
	}
	return 0;
}

/* A check that did not answer keeps the value the last sighting knew, marked
 * stale with the run it came from (docs/record.md): the store never forgets
 * a share list because one bind timed out. */
static int scan_store_carry_stale(struct scan_recorder *rec, const struct svc_record *r,
				  json_t *o)
{
	bool failed = false;
	for (unsigned i = 0; i < RCHK_N; i++)
		failed |= r->checks[i].status == RCHK_FAILED;
	if (!failed)
		return 0; /* the common case costs no lookup */
	json_t *prev = NULL;
	int64_t prev_run = 0;
	int rc = store_last_sighting(rec->st, r->ip, r->port, rec->run.scope, rec->run.view,
				     rec->run.id, &prev, &prev_run);
	if (rc < 0)
		return -1;
	if (rc == 0)
		diff_carry_stale(o, prev, prev_run);
	json_decref(prev);
	return 0;
}

void scan_store_service(struct scan_recorder *rec, const struct svc_record *r)
{
	if (!rec->st || rec->failed)
		return;
	json_t *o = record_to_json(r);
	if (o && scan_store_carry_stale(rec, r, o) != 0)
		recorder_fail(rec, "reading the previous sighting");
	char *txt = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	if (!txt) {
		fprintf(stderr, "smbwatch %s: cannot encode %s:%u for the database\n", rec->cmd,
			r->ip, r->port);
		return;
	}
	struct store_service svc = {
		.run_id = rec->run.id,
		.ip = r->ip,
		.port = r->port,
		.scanned_at = r->scanned_at,
		.record = txt,
	};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = store_service_put(rec->st, &svc);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rec->put_seconds += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	free(txt);
	if (rc != 0)
		recorder_fail(rec, "storing a service");
	else
		rec->stored++;
}

/* The run's events (monitor/events.h) as the store keeps them; evs is
 * the run's events_for_run_opts(). */
static int scan_store_events(struct scan_recorder *rec, json_t *evs)
{
	size_t n = json_array_size(evs);
	struct store_event *rows = calloc(n ? n : 1, sizeof *rows);
	char **bodies = calloc(n ? n : 1, sizeof *bodies);
	int rc = -1;
	if (!rows || !bodies)
		goto out;
	for (size_t i = 0; i < n; i++) {
		json_t *ev = json_array_get(evs, i);
		const char *ip = json_string_value(json_object_get(ev, "ip"));
		const char *view = json_string_value(json_object_get(ev, "view"));
		const char *name = json_string_value(json_object_get(ev, "event"));
		bodies[i] = json_dumps(ev, JSON_COMPACT);
		if (!bodies[i])
			goto out;
		rows[i] = (struct store_event){
			.event = name ? name : "",
			.severity = events_severity(ev),
			.ip = ip ? ip : "",
			.port = (unsigned)json_integer_value(json_object_get(ev, "port")),
			.view = view ? view : rec->run.view,
			.body = bodies[i],
		};
	}
	rc = store_events_put(rec->st, rec->run.id, rows, n);
out:
	for (size_t i = 0; bodies && i < n; i++)
		free(bodies[i]);
	free(bodies);
	free(rows);
	return rc;
}

int scan_store_end(struct scan_recorder *rec, const struct scan_summary *sum,
		   json_t **events_out)
{
	if (events_out)
		*events_out = NULL;
	if (!rec->st)
		return 0;
	if (rec->failed)
		return -1;
	struct store_run *run = &rec->run;
	run->ended_at = (int64_t)time(NULL);
	run->complete = !sum->interrupted;
	run->n_targets = sum->targets;
	run->n_open = sum->open;
	run->n_closed = sum->closed;
	run->n_filtered = sum->filtered;
	run->n_errors = sum->errors;
	run->n_services = sum->services + sum->other_services; /* every record stored */
	if (store_run_end(rec->st, run) != 0) {
		recorder_fail(rec, "finishing the run");
		return -1;
	}
	if (run->complete) {
		json_t *evs = events_for_run_opts(rec->st, run->id, &rec->events_opts);
		if (!evs || scan_store_events(rec, evs) != 0) {
			json_decref(evs);
			recorder_fail(rec, "storing the run's events");
			return -1;
		}
		if (events_out)
			*events_out = evs;
		else
			json_decref(evs);
	}
	if (getenv("SMBW_STORE_STATS"))
		fprintf(stderr, "smbwatch %s: stored run %lld: %llu services, %.1f us each\n",
			rec->cmd, (long long)run->id, (unsigned long long)rec->stored,
			rec->stored ? rec->put_seconds * 1e6 / (double)rec->stored : 0.0);
	return 0;
}
