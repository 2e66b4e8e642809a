/* smb1_usage.c - `smbwatch smb1-usage`: who still needs SMBv1, from the
 * store (the latest scans joined with what `sensor --db` saw); the join
 * and its verdicts are store/smb1_usage.h's. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/store_report.h"
#include "store/smb1_usage.h"

static const char usage_text[] =
	"usage: smbwatch smb1-usage [--db PATH|URL] [--smb1-usage-days N] [--format text|json]\n"
	"  which servers have SMBv1 enabled (their latest stored scan) and which clients\n"
	"  the sensor (sensor --db) saw negotiate SMBv1 with them in the last N days:\n"
	"  used (upgrade or isolate those clients first), unused (safe to disable once\n"
	"  the sensor covered a day or more; the text gives the days),\n"
	"  not_observed (the sensor saw none of its traffic: no verdict), no_sensor;\n"
	"  then SCAN_GAP: servers seen speaking SMBv1 that no scan stored\n"
	"  --db PATH|URL            the store (default ~/.local/share/smbwatch/smbwatch.db)\n"
	"  --smb1-usage-days N      the window, 1-3650 days (default 30)\n"
	"  --format text|json       text (default) or one JSON object\n"
	"exit status: 0 done, 2 bad usage, 3 database error\n";


static void addr(json_t *o, char *out, size_t n)
{
	const char *ip = answer_str(o, "ip");
	snprintf(out, n, strchr(ip, ':') ? "[%s]:%lld" : "%s:%lld", ip, answer_num(o, "port"));
}

static void print_text(json_t *u)
{
	char a[80], t1[32], t2[32];
	json_t *cov = json_object_get(u, "coverage");
	printf("SMBv1 use in the last %lld days", answer_num(u, "days"));
	if (json_is_object(cov)) {
		store_report_utc(answer_num(cov, "first"), t1, sizeof t1);
		store_report_utc(answer_num(cov, "last"), t2, sizeof t2);
		printf(" (sensor data from %s to %s UTC, %lld days)\n", t1, t2, answer_num(cov, "days"));
	} else {
		printf(" (no sensor data in that window)\n");
	}
	json_t *srv = json_object_get(u, "servers");
	printf("\nServers with SMBv1 enabled (%zu)\n", json_array_size(srv));
	size_t i, k;
	json_t *s, *c;
	json_array_foreach(srv, i, s) {
		addr(s, a, sizeof a);
		printf("  %-24s %-12s %s\n", a, answer_str(s, "verdict"), answer_str(s, "text"));
		json_array_foreach(json_object_get(s, "clients"), k, c) {
			store_report_utc(answer_num(c, "last_seen"), t2, sizeof t2);
			printf("      client %-20s \"%s\" %lld negotiations, last %s UTC\n",
			       answer_str(c, "client"), answer_str(c, "dialect"), answer_num(c, "negotiations"), t2);
		}
	}
	json_t *gaps = json_object_get(u, "scan_gaps");
	printf("\nSCAN_GAP: seen speaking SMBv1 on the wire, never scanned (%zu)\n",
	       json_array_size(gaps));
	json_array_foreach(gaps, i, s) {
		addr(s, a, sizeof a);
		store_report_utc(answer_num(s, "last_seen"), t2, sizeof t2);
		printf("  %-24s %lld SMBv1 clients, last %s UTC: add it to the scan targets\n", a,
		       answer_num(s, "clients"), t2);
	}
}

static int days_option(int ch, const char *arg, void *ud)
{
	long *days = ud;
	char *end;
	(void)ch; /* --smb1-usage-days is its one option */
	errno = 0;
	*days = strtol(arg, &end, 10);
	if (errno || *end || end == arg || *days < 1 || *days > 3650) {
		fprintf(stderr, "smbwatch smb1-usage: bad --smb1-usage-days '%s': 1-3650\n", arg);
		return 2;
	}
	return 0;
}

static json_t *usage_query(struct store *st, void *ud)
{
	return smb1_usage(st, (int64_t)time(NULL), (int)*(long *)ud);
}

int cli_smb1_usage(int argc, char **argv)
{
	static const struct option days_opt[] = {
		{"smb1-usage-days", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	long days = SMB1_USAGE_DAYS;
	const struct store_report r = {
		.name = "smb1-usage",
		.usage = usage_text,
		.extra = days_opt,
		.on_extra = days_option,
		.query = usage_query,
		.print_text = print_text,
		.ud = &days,
	};
	return store_report_run(&r, argc, argv);
}
