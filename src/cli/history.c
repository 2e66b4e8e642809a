/* history.c - `smbwatch history TARGET`: the timeline of one host (ip) or
 * service (ip:port) across the stored runs that scanned it: first seen,
 * changes (with fields), absences, gone and back - the same rules as the
 * monitor's events (monitor/events.h), shown per run. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/change_text.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "cli/scan_store.h"
#include "record/record.h"
#include "store/diff.h"
#include "store/store.h"

static const char history_usage[] =
	"usage: smbwatch history [options] TARGET\n"
	"\n"
	"The timeline of one host (198.18.1.10) or service (198.18.1.10:445,\n"
	"[2001:2::10]:445) over the stored complete runs that scanned it.\n"
	"  --db PATH|URL    the database (default $XDG_DATA_HOME/smbwatch/smbwatch.db)\n"
	"  --format FMT     text (default) or json (one JSON object per line)\n"
	"  --gone-after N   absent from N runs in a row counts as gone (default 2)\n"
	"\n"
	"exit status: 0 done (also when nothing is known), 2 bad usage, 3 database\n"
	"error\n";

/* One (port, scope, view) line of history: the rows where it was seen. */
struct track {
	unsigned port;
	char scope[24], view[32], targets[512];
	json_t *seen; /* run id (text) -> record */
};

struct hist {
	struct store *st;
	struct track *t;
	size_t n, cap;
	int err;
};

static int add_row(const struct store_service *svc, void *ud)
{
	struct hist *h = ud;
	struct store_run r;
	int rc = store_run_get(h->st, svc->run_id, &r);
	if (rc < 0) {
		h->err = 1;
		return 1;
	}
	if (rc > 0 || !r.complete)
		return 0;
	struct track *t = NULL;
	for (size_t i = 0; i < h->n && !t; i++)
		if (h->t[i].port == svc->port && strcmp(h->t[i].scope, r.scope) == 0 &&
		    strcmp(h->t[i].view, r.view) == 0)
			t = &h->t[i];
	if (!t) {
		if (h->n == h->cap) {
			size_t cap = h->cap ? h->cap * 2 : 4;
			struct track *nt = realloc(h->t, cap * sizeof *nt);
			if (!nt)
				abort();
			h->t = nt;
			h->cap = cap;
		}
		t = &h->t[h->n++];
		memset(t, 0, sizeof *t);
		t->port = svc->port;
		record_set_str(t->scope, sizeof t->scope, r.scope);
		record_set_str(t->view, sizeof t->view, r.view);
		record_set_str(t->targets, sizeof t->targets, r.targets);
		t->seen = json_object();
	}
	char k[32];
	snprintf(k, sizeof k, "%lld", (long long)svc->run_id);
	json_t *rec = json_loads(svc->record, 0, NULL);
	if (rec)
		json_object_set_new(t->seen, k, rec);
	return 0;
}

struct run_vec {
	struct store_run *r;
	size_t n, cap;
};

static int push_run(const struct store_run *run, void *ud)
{
	struct run_vec *v = ud;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		struct store_run *nr = realloc(v->r, cap * sizeof *nr);
		if (!nr)
			abort();
		v->r = nr;
		v->cap = cap;
	}
	v->r[v->n++] = *run;
	return 0;
}

static void line(bool json, const char *disp, const struct store_run *r, const char *status,
		 json_t *changes)
{
	char at[40];
	unix_to_rfc3339(r->started_at, at, sizeof at);
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s}", "service", disp, "view", r->view,
				      "run", (json_int_t)r->id, "at", at, "status", status);
		if (changes)
			json_object_set(o, "changes", changes);
		char *t = json_dumps(o, JSON_COMPACT);
		puts(t ? t : "{}");
		free(t);
		json_decref(o);
		return;
	}
	printf("  run %-6lld %s  %s\n", (long long)r->id, at, status);
	size_t i;
	json_t *ch;
	json_array_foreach(changes, i, ch) {
		char text[700];
		change_text(ch, text, sizeof text);
		printf("      %s\n", text);
	}
}

static int show_track(struct store *st, const char *ip, struct track *t, unsigned gone_after,
		      bool json)
{
	struct run_vec v = {0};
	if (store_runs_list(st, t->scope, t->view, true, 0, 0, 0, push_run, &v) != 0) {
		free(v.r);
		return -1;
	}
	char disp[96];
	store_svc_display(ip, t->port, disp, sizeof disp);
	if (!json)
		printf("%s  view %s  targets %s\n", disp, t->view, t->targets);
	json_t *last = NULL;
	unsigned absent = 0;
	/* runs_list is newest first: walk it backwards */
	for (size_t i = v.n; i-- > 0;) {
		char k[32];
		snprintf(k, sizeof k, "%lld", (long long)v.r[i].id);
		json_t *rec = json_object_get(t->seen, k);
		if (!rec) {
			if (!last)
				continue; /* before the first sighting */
			absent++;
			line(json, disp, &v.r[i], absent == gone_after ? "gone" : "absent", NULL);
			continue;
		}
		if (!last) {
			line(json, disp, &v.r[i], "new", NULL);
		} else {
			json_t *ch = diff_records(last, rec);
			const char *status = absent >= gone_after ? "back"
					     : json_array_size(ch) ? "changed"
								   : "same";
			line(json, disp, &v.r[i], status, json_array_size(ch) ? ch : NULL);
			json_decref(ch);
		}
		absent = 0;
		last = rec;
	}
	free(v.r);
	return 0;
}

/* "1.2.3.4", "1.2.3.4:445", "[2001:2::10]:445", "2001:2::10" */
static int split_target(const char *s, char *ip, size_t ipsz, int *port)
{
	*port = -1;
	const char *colon = strrchr(s, ':');
	const char *p = NULL;
	size_t n;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close)
			return -1;
		n = (size_t)(close - s - 1);
		if (close[1] == ':')
			p = close + 2;
		else if (close[1] != '\0')
			return -1;
		s++;
	} else if (colon && strchr(s, ':') == colon) {
		n = (size_t)(colon - s); /* one colon: IPv4 or a name with a port */
		p = colon + 1;
	} else {
		n = strlen(s);
	}
	if (n == 0 || n >= ipsz)
		return -1;
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (p) {
		char *end;
		errno = 0;
		long v = strtol(p, &end, 10);
		if (end == p || *end != '\0' || errno || v < 1 || v > 65535)
			return -1;
		*port = (int)v;
	}
	return 0;
}

int cli_history(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"db", required_argument, NULL, 'd'},
		{"format", required_argument, NULL, 'f'},
		{"gone-after", required_argument, NULL, 'g'},
		{NULL, 0, NULL, 0},
	};
	const char *db = NULL;
	bool json = false;
	unsigned gone_after = 2;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(history_usage, stdout); return 0;
		case 'd': {
			char why[200];
			if (store_check_where(optarg, why, sizeof why) != 0) {
				fprintf(stderr, "smbwatch history: %s\n", why);
				return 2;
			}
			db = optarg;
			break;
		}
		case 'f':
			if (options_parse_text_json("history", optarg, &json) != 0)
				return 2;
			break;
		case 'g': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (end == optarg || *end || v < 1 || v > 1000) {
				fprintf(stderr, "smbwatch history: bad --gone-after '%s': 1-1000\n",
					optarg);
				return 2;
			}
			gone_after = (unsigned)v;
			break;
		}
		default:
			options_bad_option("history", argv);
			return 2;
		}
	}
	char ip[64];
	int port;
	if (argc - optind != 1 || split_target(argv[optind], ip, sizeof ip, &port) != 0) {
		fprintf(stderr, "smbwatch history: one TARGET: an ip or ip:port (see --help)\n");
		return 2;
	}
	struct store *st;
	if (scan_store_open_existing(db, "history", &st) != 0)
		return 3;
	struct hist h = {.st = st};
	int rc = 0;
	if (store_service_history(st, ip, port, add_row, &h) != 0 || h.err)
		rc = 3;
	for (size_t i = 0; i < h.n && rc == 0; i++)
		if (show_track(st, ip, &h.t[i], gone_after, json) != 0)
			rc = 3;
	if (rc == 3)
		fprintf(stderr, "smbwatch history: database error: %s\n", store_error(st));
	else if (h.n == 0 && !json)
		printf("%s: not in any complete stored run\n", argv[optind]);
	for (size_t i = 0; i < h.n; i++)
		json_decref(h.t[i].seen);
	free(h.t);
	store_close(st);
	return rc;
}
