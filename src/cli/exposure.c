/* exposure.c - `smbwatch exposure`: one host, every vantage point, from the
 * store (every scan/monitor --view, and the sensor's sightings); the query
 * and its fold are store/exposure.h's, shared with serve's /api/exposure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/store_report.h"
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
		printf("\n%s  ports %s%s\n", answer_str(h, "ip"), ports,
		       json_is_true(json_object_get(h, "external")) ? "  SEEN FROM OUTSIDE" : "");
		json_array_foreach(json_object_get(h, "views"), k, v) {
			port_list(json_object_get(v, "ports"), ports, sizeof ports);
			store_report_utc(answer_num(v, "first_seen"), since, sizeof since);
			if (json_is_integer(json_object_get(v, "first_run")))
				snprintf(run, sizeof run, ", run %lld", answer_num(v, "first_run"));
			else
				run[0] = '\0';
			json_t *w = json_object_get(v, "worst");
			printf("  %-16s since %s UTC%s  ports %s  worst ", answer_str(v, "view"), since, run,
			       ports);
			if (json_is_object(w))
				printf("%s (%s) on %lld\n", answer_str(w, "id"), answer_str(w, "severity"),
				       answer_num(w, "port"));
			else
				printf("none\n");
		}
	}
}

static json_t *exposure_query(struct store *st, void *ud)
{
	(void)ud;
	return exposure_table(st);
}

int cli_exposure(int argc, char **argv)
{
	const struct store_report r = {
		.name = "exposure",
		.usage = usage_text,
		.query = exposure_query,
		.print_text = print_text,
	};
	return store_report_run(&r, argc, argv);
}
