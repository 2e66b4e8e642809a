/* scan.c - `smbwatch scan`: options -> targets -> services -> report.
 *
 * Everything the user typed is checked before the first packet: a bad
 * target, port list, file or option ends with a one-line error and exit
 * status 2. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "assess/assess.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "cli/scan_run.h"
#include "cli/scan_store.h"
#include "report/report.h"

#define EXIT_OK 0
#define EXIT_FINDINGS 1
#define EXIT_USAGE 2
#define EXIT_RUNTIME 3

static const char scan_usage[] =
	"usage: smbwatch scan [options] TARGET...\n"
	"\n"
	"Find every SMB service on the targets and ports and fingerprint it: SMBv1,\n"
	"every SMB2/3 dialect, signing, GUID, capabilities, time, 3.1.1 contexts,\n"
	"and the host names and OS version from NTLMSSP.\n"
	"\n"
	"targets: 198.18.1.5  198.18.1.0/24  198.18.1.10-20  198.18.1.10-198.18.2.5\n"
	"         2001:2::5  2001:2::/120  host.example (every address of the name)\n"
	"  -iL FILE              read targets from FILE (one a line, '#' comments)\n"
	"  --exclude LIST        never touch these (comma-separated targets)\n"
	"  --exclude-file FILE   never touch the targets in FILE\n"
	"  --force-large         allow more than a /16 (IPv4) or /112 (IPv6)\n"
	"  -p, --ports LIST      ports to probe (default 445,139); every open port is\n"
	"                        probed as SMB; 139 speaks NetBIOS session first\n"
	"\n"
	"output:\n"
	"  --format FMT          text (default), line, jsonl, csv\n"
	"  -o, --output FILE     write the report to FILE instead of stdout\n"
	"  --view NAME           where this scan runs from (default internal)\n"
	"  --no-progress         no progress line on stderr (shown only on a terminal)\n"
	"  --fail-on SEVERITY    exit 1 when a finding is at or above SEVERITY\n"
	"                        (critical, high, medium, low, info)\n"
	"\n"
	"history (see smbwatch diff / history):\n"
	"  --db PATH|URL         store the run here (default\n"
	"                        $XDG_DATA_HOME/smbwatch/smbwatch.db); postgres://... for\n"
	"                        PostgreSQL\n"
	"  --no-db               do not store this scan\n"
	"\n"
	"checks (all safe: no exploit, no write, no brute force):\n"
	"  --checks LIST         auth, shares, ms17_010, doublepulsar, cve_2020_0796,\n"
	"                        all (default) or none (fingerprint only)\n"
	"\n"
	"speed and politeness:\n"
	"  --max-inflight N      connections at once (default: from the open-file limit,\n"
	"                        at most 4096)\n"
	"  --rate N              new connections per second (default 2000: a LAN /24 in\n"
	"                        well under a second, gentle enough for a WAN; 0 = no cap)\n"
	"  --connect-timeout T   connect timeout (default 1s)\n"
	"  --read-timeout T      wait for each answer (default 2s)\n"
	"  --timeout T           deadline per service, all its connections (default 10s)\n"
	"  --retries N           retries of a timed-out connect (default 1)\n"
	"  T: 500ms, 2s, 1.5 (seconds), 1m\n"
	"\n"
	"exit status: 0 scan ran, 1 a finding at or above --fail-on, 2 bad usage or\n"
	"input, 3 runtime failure (also a database that cannot be written: the\n"
	"results are still printed)\n";

struct scan_output {
	struct report *report;
	struct scan_recorder rec;
	int fail_on;
	bool fail_hit;
};

static void on_service(struct svc_record *rec, void *ud)
{
	struct scan_output *o = ud;
	if (o->fail_on >= 0 && assess_worst(rec) >= o->fail_on)
		o->fail_hit = true;
	report_service(o->report, rec);
	scan_store_service(&o->rec, rec);
}

int cli_scan(int argc, char **argv)
{
	struct scan_cli cli;
	char err[512];
	int rc = options_parse_scan(argc, argv, &cli, err, sizeof err);
	if (rc == OPTIONS_HELP) {
		fputs(scan_usage, stdout);
		options_scan_free(&cli);
		return EXIT_OK;
	}
	if (rc != 0) {
		options_scan_free(&cli);
		fprintf(stderr, "smbwatch scan: %s (see --help)\n", err);
		return EXIT_USAGE;
	}

	FILE *out = stdout;
	if (cli.output) {
		out = fopen(cli.output, "w");
		if (!out) {
			fprintf(stderr, "smbwatch scan: cannot write '%s': %s\n", cli.output,
				strerror(errno));
			options_scan_free(&cli);
			return EXIT_USAGE;
		}
	}
	struct scan_output o = {
		.report = report_new(cli.format, out),
		.fail_on = cli.fail_on,
	};
	/* A database that cannot be opened or written costs the history of this
	 * run, never its results: scan anyway, exit 3 at the end. */
	struct store *st = NULL;
	bool db_failed = !cli.no_db && scan_store_open(&cli, "scan", &st) != 0;
	if (scan_store_begin(&o.rec, st, &cli, "scan") != 0)
		db_failed = true;
	struct scan_hooks hooks = {.service = on_service, .ud = &o};
	struct scan_summary sum;
	bool show_progress = !cli.no_progress && isatty(STDERR_FILENO);
	int status = EXIT_OK;
	if (scan_execute(&cli, &hooks, show_progress, &sum) != 0) {
		fprintf(stderr, "smbwatch scan: cannot start the event loop\n");
		status = EXIT_RUNTIME;
	}
	report_finish(o.report, &sum);
	report_free(o.report);
	if (scan_store_end(&o.rec, &sum) != 0)
		db_failed = true;
	store_close(st);
	if (status == EXIT_OK && o.fail_hit)
		status = EXIT_FINDINGS;
	if (db_failed)
		status = EXIT_RUNTIME;
	if (out != stdout) {
		if (fclose(out) != 0) {
			fprintf(stderr, "smbwatch scan: writing '%s': %s\n", cli.output,
				strerror(errno));
			status = EXIT_RUNTIME;
		}
	} else if (fflush(stdout) != 0) {
		status = EXIT_RUNTIME;
	}
	options_scan_free(&cli);
	return status;
}
