/* store_report.c - see store_report.h. */
#include "cli/store_report.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/scan_store.h"
#include "store/store.h"

#define MAX_OPTS 12

enum { OPT_DB = 0x1000, OPT_FORMAT, OPT_HELP };

void store_report_utc(long long t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || strftime(out, n, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, n, "?");
}

int store_report_run(const struct store_report *r, int argc, char **argv)
{
	struct option opts[MAX_OPTS] = {
		{"db", required_argument, NULL, OPT_DB},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"help", no_argument, NULL, OPT_HELP},
	};
	size_t n = 3;
	for (const struct option *o = r->extra; o && o->name && n + 1 < MAX_OPTS; o++)
		opts[n++] = *o;
	const char *db = NULL;
	bool json = false;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_DB:
			db = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0) {
				fprintf(stderr, "smbwatch %s: bad --format '%s': text or json\n",
					r->name, optarg);
				return 2;
			}
			json = strcmp(optarg, "json") == 0;
			break;
		case 'h':
		case OPT_HELP:
			fputs(r->usage, stdout);
			return 0;
		case '?':
			fputs(r->usage, stderr);
			return 2;
		default:
			if (!r->on_extra || r->on_extra(ch, optarg, r->ud) != 0)
				return 2;
			break;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "smbwatch %s: unexpected argument '%s'\n", r->name, argv[optind]);
		return 2;
	}
	struct store *st;
	if (scan_store_open_existing(db, r->name, &st) != 0)
		return 3;
	json_t *answer = r->query(st, r->ud);
	if (!answer) {
		fprintf(stderr, "smbwatch %s: database error: %s\n", r->name, store_error(st));
		store_close(st);
		return 3;
	}
	if (json) {
		char *s = json_dumps(answer, JSON_COMPACT);
		if (s)
			puts(s);
		free(s);
	} else {
		r->print_text(answer);
	}
	json_decref(answer);
	store_close(st);
	return 0;
}
