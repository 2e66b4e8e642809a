/* exposure.c - `smbwatch exposure`: one host, every vantage point, from the
 * store (every scan/monitor --view, and the sensor's sightings); the query
 * and its fold are store/exposure.h's, shared with serve's /api/exposure. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/scan_store.h"
#include "store/exposure.h"

static const char usage_text[] =
	"usage: smbwatch exposure [--db PATH|URL] [--format text|json]\n"
	"  per host: the views that saw it (each scan/monitor --view, and 'sensor'\n"
	"  for what sensor --db saw answer on the wire), since when (first seen in\n"
	"  that view, and the run), on which ports, and the worst finding of the\n"
	"  latest sighting in each view (sensor: the worst alert against it)\n"
	"  --db PATH|URL            the store (default ~/.local/share/smbwatch/smbwatch.db)\n"
	"  --format text|json       text (default) or one JSON object\n"
	"exit status: 0 done, 2 bad usage, 3 database error\n";

static void utc(long long t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || strftime(out, n, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, n, "?");
}

static long long num(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* "445,139" */
static void port_list(json_t *ports, char *out, size_t n)
{
	size_t o = 0, i;
	json_t *p;
	out[0] = '\0';
	json_array_foreach(ports, i, p) {
		int w = snprintf(out + o, n - o, "%s%lld", i ? "," : "",
				 (long long)json_integer_value(p));
		if (w < 0 || (size_t)w >= n - o)
			break;
		o += (size_t)w;
	}
}

static void print_text(json_t *t)
{
	json_t *hosts = json_object_get(t, "hosts");
	size_t i, k;
	json_t *h, *v;
	char ports[128], since[32], run[32];
	printf("Exposure: %zu hosts\n", json_array_size(hosts));
	json_array_foreach(hosts, i, h) {
		port_list(json_object_get(h, "ports"), ports, sizeof ports);
		printf("\n%s  ports %s%s\n", str(h, "ip"), ports,
		       json_is_true(json_object_get(h, "external")) ? "  SEEN FROM OUTSIDE" : "");
		json_array_foreach(json_object_get(h, "views"), k, v) {
			port_list(json_object_get(v, "ports"), ports, sizeof ports);
			utc(num(v, "first_seen"), since, sizeof since);
			if (json_is_integer(json_object_get(v, "first_run")))
				snprintf(run, sizeof run, ", run %lld", num(v, "first_run"));
			else
				run[0] = '\0';
			json_t *w = json_object_get(v, "worst");
			printf("  %-16s since %s UTC%s  ports %s  worst ", str(v, "view"), since, run,
			       ports);
			if (json_is_object(w))
				printf("%s (%s) on %lld\n", str(w, "id"), str(w, "severity"),
				       num(w, "port"));
			else
				printf("none\n");
		}
	}
}

int cli_exposure(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *db = NULL;
	bool json = false;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			db = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0) {
				fprintf(stderr, "smbwatch exposure: bad --format '%s': text or json\n",
					optarg);
				return 2;
			}
			json = strcmp(optarg, "json") == 0;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "smbwatch exposure: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	struct store *st;
	if (scan_store_open_existing(db, "exposure", &st) != 0)
		return 3;
	json_t *t = exposure_table(st);
	if (!t) {
		fprintf(stderr, "smbwatch exposure: database error: %s\n", store_error(st));
		store_close(st);
		return 3;
	}
	if (json) {
		char *s = json_dumps(t, JSON_COMPACT);
		if (s)
			puts(s);
		free(s);
	} else {
		print_text(t);
	}
	json_decref(t);
	store_close(st);
	return 0;
}
