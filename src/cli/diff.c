/* diff.c - `smbwatch diff [RUN_A] [RUN_B]`: services new, gone and changed
 * between two stored runs, with the changed fields (store/diff.h decides
 * what counts as a change). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/scan_store.h"
#include "record/record.h"
#include "store/diff.h"
#include "store/store.h"

static const char diff_usage[] =
	"usage: smbwatch diff [options] [RUN_A] [RUN_B]\n"
	"\n"
	"Compare two stored runs: services new, gone and changed, with each changed\n"
	"field (old -> new). Volatile fields (scanned_at, smb2.system_time,\n"
	"smb2.boot_time, errors) never count.\n"
	"  no run given   the last two complete runs of the same targets and view\n"
	"  RUN_A          RUN_A against the newest complete run of its targets and view\n"
	"  RUN_A RUN_B    exactly these two\n"
	"\n"
	"  --db PATH|URL  the database (default $XDG_DATA_HOME/smbwatch/smbwatch.db)\n"
	"  --format FMT   text (default) or json (one JSON object per line)\n"
	"\n"
	"exit status: 0 done, 2 bad usage or no such run, 3 database error\n";

static int parse_run_id(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v <= 0)
		return -1;
	*out = v;
	return 0;
}

static int newest(const struct store_run *run, void *ud)
{
	*(struct store_run *)ud = *run;
	return 1; /* one is enough */
}

static void run_line(const char *label, const struct store_run *r)
{
	char t[40];
	unix_to_rfc3339(r->started_at, t, sizeof t);
	printf("%s run %lld  %s  %s  targets %s  ports %s  view %s\n", label, (long long)r->id, t,
	       r->complete ? "complete" : "incomplete", r->targets, r->ports, r->view);
}

static void print_change_text(json_t *ch)
{
	const char *field = json_string_value(json_object_get(ch, "field"));
	json_t *o = json_object_get(ch, "old"), *n = json_object_get(ch, "new");
	char a[512], b[512];
	if (strncmp(field, "findings.", 9) == 0 && (json_is_null(o) || json_is_null(n))) {
		json_t *f = json_is_null(o) ? n : o;
		printf("      finding %s %s (%s: %s)\n", field + 9,
		       json_is_null(o) ? "opened" : "resolved",
		       json_string_value(json_object_get(f, "severity")),
		       json_string_value(json_object_get(f, "title")));
		return;
	}
	diff_value_text(o, a, sizeof a);
	diff_value_text(n, b, sizeof b);
	printf("      %s: %s \u2192 %s\n", field, a, b);
}

static void emit(bool json, const char *status, json_t *rec, json_t *changes)
{
	const char *ip = json_string_value(json_object_get(rec, "ip"));
	unsigned port = (unsigned)json_integer_value(json_object_get(rec, "port"));
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:i}", "type", "diff", "status", status, "ip",
				      ip ? ip : "", "port", (int)port);
		if (changes)
			json_object_set(o, "changes", changes);
		char *t = json_dumps(o, JSON_COMPACT);
		puts(t ? t : "{}");
		free(t);
		json_decref(o);
		return;
	}
	char disp[96];
	store_svc_display(ip ? ip : "?", port, disp, sizeof disp);
	printf("%-8s %s\n", status, disp);
	size_t i;
	json_t *ch;
	json_array_foreach(changes, i, ch) print_change_text(ch);
}

static int compare(struct store *st, const struct store_run *ra, const struct store_run *rb,
		   bool json)
{
	json_t *a = store_run_services(st, ra->id), *b = store_run_services(st, rb->id);
	if (!a || !b) {
		fprintf(stderr, "smbwatch diff: database error: %s\n", store_error(st));
		json_decref(a);
		json_decref(b);
		return 3;
	}
	if (!json) {
		run_line("from", ra);
		run_line("to  ", rb);
		if (strcmp(ra->scope, rb->scope) != 0 || strcmp(ra->view, rb->view) != 0)
			puts("note: the runs scanned different targets, ports or views");
	}
	unsigned n_new = 0, n_gone = 0, n_changed = 0, n_same = 0;
	const char *key;
	json_t *rec;
	json_object_foreach(b, key, rec) {
		json_t *old = json_object_get(a, key);
		if (!old) {
			emit(json, "new", rec, NULL);
			n_new++;
			continue;
		}
		json_t *ch = diff_records(old, rec);
		if (json_array_size(ch)) {
			emit(json, "changed", rec, ch);
			n_changed++;
		} else {
			n_same++;
		}
		json_decref(ch);
	}
	json_object_foreach(a, key, rec) {
		if (!json_object_get(b, key)) {
			emit(json, "gone", rec, NULL);
			n_gone++;
		}
	}
	if (json) {
		json_t *o = json_pack("{s:s, s:I, s:I, s:i, s:i, s:i, s:i}", "type", "diff_summary",
				      "run_a", (json_int_t)ra->id, "run_b", (json_int_t)rb->id, "new",
				      n_new, "gone", n_gone, "changed", n_changed, "unchanged", n_same);
		char *t = json_dumps(o, JSON_COMPACT);
		puts(t ? t : "{}");
		free(t);
		json_decref(o);
	} else {
		printf("%u new, %u gone, %u changed, %u unchanged\n", n_new, n_gone, n_changed,
		       n_same);
	}
	json_decref(a);
	json_decref(b);
	return 0;
}

/* Load run id into *r; prints and returns the exit status on failure. */
static int load_run(struct store *st, int64_t id, struct store_run *r)
{
	int rc = store_run_get(st, id, r);
	if (rc < 0) {
		fprintf(stderr, "smbwatch diff: database error: %s\n", store_error(st));
		return 3;
	}
	if (rc > 0) {
		fprintf(stderr, "smbwatch diff: no run %lld in the database\n", (long long)id);
		return 2;
	}
	return 0;
}

static int pick_runs(struct store *st, int nargs, char **args, struct store_run *ra,
		     struct store_run *rb)
{
	int64_t ida = 0, idb = 0;
	if ((nargs >= 1 && parse_run_id(args[0], &ida) != 0) ||
	    (nargs >= 2 && parse_run_id(args[1], &idb) != 0)) {
		fprintf(stderr, "smbwatch diff: a run is a number (see smbwatch history)\n");
		return 2;
	}
	int rc;
	memset(rb, 0, sizeof *rb);
	if (nargs == 2)
		return (rc = load_run(st, ida, ra)) != 0 ? rc : load_run(st, idb, rb);
	if (nargs == 1) {
		if ((rc = load_run(st, ida, ra)) != 0)
			return rc;
		if (store_runs_list(st, ra->scope, ra->view, true, ida, 0, 1, newest, rb) != 0)
			goto dberr;
		if (rb->id == 0) {
			fprintf(stderr, "smbwatch diff: no complete run after run %lld of the same "
					"targets and view\n",
				(long long)ida);
			return 2;
		}
		return 0;
	}
	if (store_runs_list(st, NULL, NULL, true, 0, 0, 1, newest, rb) != 0)
		goto dberr;
	memset(ra, 0, sizeof *ra);
	if (rb->id && store_runs_list(st, rb->scope, rb->view, true, 0, rb->id, 1, newest, ra) != 0)
		goto dberr;
	if (ra->id == 0) {
		fprintf(stderr, "smbwatch diff: need two complete runs of the same targets and view "
				"in the database\n");
		return 2;
	}
	return 0;
dberr:
	fprintf(stderr, "smbwatch diff: database error: %s\n", store_error(st));
	return 3;
}

int cli_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"db", required_argument, NULL, 'd'},
		{"format", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	const char *db = NULL;
	bool json = false;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(diff_usage, stdout); return 0;
		case 'd': {
			char why[200];
			if (store_check_where(optarg, why, sizeof why) != 0) {
				fprintf(stderr, "smbwatch diff: %s\n", why);
				return 2;
			}
			db = optarg;
			break;
		}
		case 'f':
			if (options_parse_text_json("diff", optarg, &json) != 0)
				return 2;
			break;
		default:
			options_bad_option("diff", argv);
			return 2;
		}
	}
	int nargs = argc - optind;
	if (nargs > 2) {
		fprintf(stderr, "smbwatch diff: at most two runs (see --help)\n");
		return 2;
	}
	struct store *st;
	if (scan_store_open_existing(db, "diff", &st) != 0)
		return 3;
	struct store_run ra, rb;
	int rc = pick_runs(st, nargs, argv + optind, &ra, &rb);
	if (rc == 0)
		rc = compare(st, &ra, &rb, json);
	store_close(st);
	if (rc == 0 && fflush(stdout) != 0)
		rc = 3;
	return rc;
}
