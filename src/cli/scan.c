/* scan.c - `smbwatch scan`: options -> targets -> services -> report.
 *
 * Everything the user typed is checked before the first packet: a bad
 * target, port list, file or option ends with a one-line error and exit
 * status 2. */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <uv.h>

#include "assess/assess.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "net/engine.h"
#include "net/ports.h"
#include "net/targets.h"
#include "probe/service.h"
#include "report/progress.h"
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
	"input, 3 runtime failure\n";

struct scan_run {
	uv_loop_t *loop;
	struct engine *engine;
	struct scan_opts sopts;
	struct target_set *targets;
	struct port_list ports;
	struct report *report;
	struct progress *progress;
	uv_timer_t progress_timer;
	uint64_t total, next, done;
	unsigned active, max_active;
	struct scan_summary sum;
	struct nbname_cache *names;
	bool stopping;
	int fail_on;
	bool fail_hit;
	uv_signal_t sigint, sigterm;
};

static void feed(struct scan_run *run);

static void service_done(enum svc_outcome o, struct svc_record *rec, void *ud)
{
	struct scan_run *run = ud;
	run->active--;
	run->done++;
	switch (o) {
	case SVC_OPEN: run->sum.open++; break;
	case SVC_CLOSED: run->sum.closed++; break;
	case SVC_FILTERED: run->sum.filtered++; break;
	case SVC_ERROR: run->sum.errors++; break;
	}
	if (rec) {
		assess_record(rec);
		int worst = assess_worst(rec);
		if (run->fail_on >= 0 && worst >= run->fail_on)
			run->fail_hit = true;
		run->sum.services++;
		if (rec->ntlm.present && rec->ntlm.netbios_computer[0])
			nbname_cache_put(run->names, rec->ip, rec->ntlm.netbios_computer);
		report_service(run->report, rec);
	}
	feed(run);
}

/* Start services while under the cap. Order: address-major, so all ports of
 * a host run close together (445 before 139 when both are asked for lets
 * 139 learn the NetBIOS name). */
static void feed(struct scan_run *run)
{
	while (!run->stopping && run->active < run->max_active && run->next < run->total) {
		uint64_t idx = run->next++;
		uint64_t ai = idx / run->ports.n;
		uint16_t port = run->ports.ports[idx % run->ports.n];
		struct sockaddr_storage ss;
		if (!targets_get(run->targets, ai, &ss))
			continue;
		if (ss.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		else
			((struct sockaddr_in *)&ss)->sin_port = htons(port);
		char ip[64];
		options_addr_text(&ss, ip, sizeof ip);
		run->active++;
		service_start(run->engine, &run->sopts, (struct sockaddr *)&ss, port == 139,
			      nbname_cache_get(run->names, ip), service_done, run);
	}
	if (run->active == 0 && (run->next >= run->total || run->stopping)) {
		uv_timer_stop(&run->progress_timer);
		uv_signal_stop(&run->sigint);
		uv_signal_stop(&run->sigterm);
	}
}

static void progress_tick(uv_timer_t *t)
{
	struct scan_run *run = t->data;
	progress_update(run->progress, run->done, run->sum.services, engine_inflight(run->engine),
			(double)uv_now(run->loop) / 1000.0);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct scan_run *run = h->data;
	(void)signum;
	if (run->stopping) {
		fputs("smbwatch: stopping now\n", stderr);
		exit(EXIT_RUNTIME);
	}
	run->stopping = true; /* finish the services in flight, start no more */
	fputs("\nsmbwatch: interrupted, finishing the services in flight\n", stderr);
	feed(run);
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

	struct scan_run run;
	memset(&run, 0, sizeof run);
	run.targets = cli.targets;
	run.ports = cli.ports;
	run.sopts = cli.sopts;
	run.fail_on = cli.fail_on;
	run.total = targets_count(run.targets) * run.ports.n;

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
	run.report = report_new(cli.format, out);
	run.names = nbname_cache_new();
	run.loop = uv_default_loop();
	struct engine_opts eo = {
		.max_inflight = cli.max_inflight,
		.rate = cli.rate,
		.connect_timeout_ms = cli.connect_timeout_ms,
	};
	run.engine = engine_new(run.loop, &eo);
	/* each service holds at most two connections at once */
	run.max_active = cli.max_inflight / 2 ? cli.max_inflight / 2 : 1;

	bool show_progress = !cli.no_progress && isatty(STDERR_FILENO);
	run.progress = show_progress ? progress_new(stderr, run.total) : NULL;
	uv_timer_init(run.loop, &run.progress_timer);
	run.progress_timer.data = &run;
	if (run.progress)
		uv_timer_start(&run.progress_timer, progress_tick, 250, 250);
	uv_signal_init(run.loop, &run.sigint);
	uv_signal_init(run.loop, &run.sigterm);
	run.sigint.data = run.sigterm.data = &run;
	uv_signal_start(&run.sigint, on_signal, SIGINT);
	uv_signal_start(&run.sigterm, on_signal, SIGTERM);

	uint64_t t0 = uv_hrtime();
	feed(&run);
	uv_run(run.loop, UV_RUN_DEFAULT);
	run.sum.targets = run.done;
	run.sum.seconds = (double)(uv_hrtime() - t0) / 1e9;

	if (run.progress) {
		progress_update(run.progress, run.done, run.sum.services, 0,
				(double)uv_now(run.loop) / 1000.0);
		progress_free(run.progress);
	}
	report_finish(run.report, &run.sum);
	report_free(run.report);
	int status = run.fail_hit ? EXIT_FINDINGS : EXIT_OK;
	if (out != stdout) {
		if (fclose(out) != 0) {
			fprintf(stderr, "smbwatch scan: writing '%s': %s\n", cli.output,
				strerror(errno));
			status = EXIT_RUNTIME;
		}
	} else if (fflush(stdout) != 0) {
		status = EXIT_RUNTIME;
	}
	uv_close((uv_handle_t *)&run.progress_timer, NULL);
	uv_close((uv_handle_t *)&run.sigint, NULL);
	uv_close((uv_handle_t *)&run.sigterm, NULL);
	engine_free(run.engine);
	uv_run(run.loop, UV_RUN_DEFAULT);
	uv_loop_close(run.loop);
	nbname_cache_free(run.names);
	options_scan_free(&cli);
	return status;
}
