/* monitor.c - `smbwatch monitor`: scan on a schedule, store every run,
 * report what changed as events to the sinks (monitor/sink.h). Runs in the
 * foreground (systemd: contrib/smbwatch-monitor.service).
 *
 * Monitor options are taken out of argv first; everything else is a scan
 * option and goes through the scan's own parser, so both commands accept
 * exactly the same targets, ports and checks. A --config file contributes
 * options before the command line's. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "cli/cli.h"
#include "cli/monitor.h"
#include "monitor/events.h"
#include "monitor/attack_rate.h"
#include "cli/scan_store.h"
#include "monitor/config.h"
#include "monitor/metrics_http.h"

static const char monitor_usage[] =
	"usage: smbwatch monitor [options] [scan options] TARGET...\n"
	"\n"
	"Scan the targets every interval, store each run, and report what changed\n"
	"as JSON events (docs/events.md): new, gone, back, changed, finding_opened,\n"
	"finding_resolved, policy_violation_opened, policy_violation_resolved (with\n"
	"--policy FILE, docs/policy.md), flapping, check_failing, check_recovered,\n"
	"attack_rate_changed (sensor alerts in the store vs their baseline). A check that did\n"
	"not answer (timeout) is no change: its last known value is kept. Takes every `smbwatch scan` target, port and check option.\n"
	"\n"
	"  --every T            interval between scan starts (default 1h; 30s, 5m, 2h)\n"
	"  --once               one cycle, then exit (for cron): exit 1 when an event at\n"
	"                       or above --fail-on appeared\n"
	"  --config FILE        INI file: targets, ports, checks, view, interval, db,\n"
	"                       sink, webhook_secret, gone_after, fail_on, ...\n"
	"  --gone-after N       report a service gone after N runs without it (default 2)\n"
	"  --failing-after N    report check_failing when a check has not answered N\n"
	"                       runs in a row (default 3), check_recovered when it does\n"
	"  --flap-runs K        a field back to a value it had within K runs is reported\n"
	"                       once as flapping, then quiet until it holds K runs\n"
	"                       (default 3; 0 = off)\n"
	"  --attack-baseline-days N  attack_rate_changed: the daily count of SMB_SCAN\n"
	"                       and SMB_BRUTE_FORCE alerts `sensor --db` stored, against\n"
	"                       the median of the N days before (default 14; 0 = off)\n"
	"  --sink SPEC          where events go (repeatable; default stdout):\n"
	"                       stdout | file:PATH | syslog | webhook:URL | exec:COMMAND\n"
	"  --webhook-secret S   sign webhook bodies: X-Smbwatch-Signature: sha256=HMAC\n"
	"  --sink-retries N     extra attempts of a failed webhook/exec (default 3)\n"
	"  --sink-backoff T     wait before the first retry, doubled each time (0.5s)\n"
	"  --metrics-listen ADDR serve Prometheus metrics on http://ADDR/metrics\n"
	"                       (e.g. 127.0.0.1:9466; docs/metrics.md): services by\n"
	"                       view and severity, open findings, last run time and\n"
	"                       duration, events by kind, sink failures\n"
	"  --metrics-allow-remote  allow a non-loopback --metrics-listen address (the\n"
	"                       page names hosts and their findings: firewall it)\n"
	"  --db PATH|URL        the store (required: events come from it; default\n"
	"                       $XDG_DATA_HOME/smbwatch/smbwatch.db)\n"
	"\n"
	"SIGTERM/SIGINT: the scan in flight finishes its open services and is stored\n"
	"as incomplete; events already delivered are never sent again after a\n"
	"restart.\n"
	"exit status: 0 stopped cleanly, 1 --once and an event at or above --fail-on,\n"
	"2 bad usage or config, 3 runtime failure (database; with --once also an\n"
	"event some sink did not take: it is kept and retried by the next run)\n";

struct mon_args {
	const char *config;
	const char *sinks[MONITOR_MAX_SINKS];
	unsigned n_sinks;
	const char *every, *gone_after, *secret, *sink_retries, *sink_backoff;
	const char *failing_after, *flap_runs, *metrics_listen, *attack_days;
	bool once, help, metrics_allow_remote;
	const char *bad;  /* the value an error is about (config_where() finds its line) */
	char **scan_argv; /* "monitor" + scan options */
	int scan_argc;
};

/* Take the monitor's own options ("--x v" or "--x=v") out of argv. */
static int take_monitor_opts(int argc, char **argv, struct mon_args *a, char *err, size_t errsz)
{
	static const char *const valued[] = {"config",	   "sink",	   "every",
					     "gone-after", "webhook-secret", "sink-retries",
					     "sink-backoff", "failing-after", "flap-runs",
					     "metrics-listen", "attack-baseline-days"};
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "--") == 0) {
			for (; i < argc; i++)
				a->scan_argv[a->scan_argc++] = argv[i];
			break;
		}
		if (strcmp(s, "--once") == 0) {
			a->once = true;
			continue;
		}
		if (strcmp(s, "--metrics-allow-remote") == 0) {
			a->metrics_allow_remote = true;
			continue;
		}
		if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
			a->help = true;
			continue;
		}
		const char *val = NULL;
		const char *name = NULL;
		for (size_t k = 0; k < sizeof valued / sizeof valued[0] && !name; k++) {
			size_t n = strlen(valued[k]);
			if (strncmp(s, "--", 2) != 0 || strncmp(s + 2, valued[k], n) != 0)
				continue;
			if (s[2 + n] == '=') {
				name = valued[k];
				val = s + 3 + n;
			} else if (s[2 + n] == '\0') {
				name = valued[k];
				if (i + 1 >= argc) {
					snprintf(err, errsz, "option '%s' needs a value", s);
					return -1;
				}
				val = argv[++i];
			}
		}
		if (!name) {
			a->scan_argv[a->scan_argc++] = argv[i];
			continue;
		}
		if (strcmp(name, "config") == 0)
			a->config = val;
		else if (strcmp(name, "sink") == 0) {
			if (a->n_sinks == MONITOR_MAX_SINKS) {
				snprintf(err, errsz, "at most %d sinks", MONITOR_MAX_SINKS);
				return -1;
			}
			a->sinks[a->n_sinks++] = val;
		} else if (strcmp(name, "every") == 0)
			a->every = val;
		else if (strcmp(name, "gone-after") == 0)
			a->gone_after = val;
		else if (strcmp(name, "webhook-secret") == 0)
			a->secret = val;
		else if (strcmp(name, "sink-retries") == 0)
			a->sink_retries = val;
		else if (strcmp(name, "failing-after") == 0)
			a->failing_after = val;
		else if (strcmp(name, "flap-runs") == 0)
			a->flap_runs = val;
		else if (strcmp(name, "metrics-listen") == 0)
			a->metrics_listen = val;
		else if (strcmp(name, "attack-baseline-days") == 0)
			a->attack_days = val;
		else
			a->sink_backoff = val;
	}
	return 0;
}

static int parse_small(const char *s, long lo, long hi, unsigned *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* argv of the config's options, then the command line's: the command line
 * wins for single-valued options (getopt keeps the last) and adds targets
 * and sinks. */
static int build_args(int argc, char **argv, struct mon_args *a, struct config_args *cfg,
		      char *err, size_t errsz)
{
	memset(a, 0, sizeof *a);
	memset(cfg, 0, sizeof *cfg);
	/* find --config first: its options go before the command line's */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			a->config = argv[i + 1];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			a->config = argv[i] + 9;
	}
	if (a->config && config_load(a->config, cfg, err, errsz) != 0)
		return -1;
	int all = 1 + cfg->argc + argc;
	char **merged = calloc((size_t)all + 1, sizeof *merged);
	a->scan_argv = calloc((size_t)all + 1, sizeof *a->scan_argv);
	if (!merged || !a->scan_argv)
		abort();
	int n = 0;
	merged[n++] = argv[0];
	for (int i = 0; i < cfg->argc; i++)
		merged[n++] = cfg->argv[i];
	for (int i = 1; i < argc; i++)
		merged[n++] = argv[i];
	a->scan_argv[a->scan_argc++] = argv[0];
	int rc = take_monitor_opts(n, merged, a, err, errsz);
	free(merged);
	return rc;
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct monitor *m = h->data;
	(void)signum;
	m->stop = true;
	uv_stop(h->loop);
}

static void on_timer(uv_timer_t *t)
{
	uv_stop(t->loop);
}

static int setup(struct monitor *m, struct mon_args *a, char *err, size_t errsz)
{
	m->every_ms = 3600 * 1000L;
	m->gone_after = 2;
	m->once = a->once;
	if (a->every) {
		m->every_ms = options_parse_duration_ms(a->every);
		if (m->every_ms < 1000) {
			a->bad = a->every;
			snprintf(err, errsz, "bad --every '%s': at least 1s (e.g. 30s, 5m, 1h)",
				 a->every);
			return -1;
		}
	}
	if (a->gone_after && parse_small(a->gone_after, 1, 1000, &m->gone_after) != 0) {
		a->bad = a->gone_after;
		snprintf(err, errsz, "bad --gone-after '%s': 1-1000 runs", a->gone_after);
		return -1;
	}
	m->failing_after = EVENTS_FAILING_AFTER;
	m->flap_runs = EVENTS_FLAP_RUNS;
	if (a->failing_after && parse_small(a->failing_after, 1, 1000, &m->failing_after) != 0) {
		snprintf(err, errsz, "bad --failing-after '%s': 1-1000 runs", a->failing_after);
		return -1;
	}
	if (a->flap_runs && parse_small(a->flap_runs, 0, 100, &m->flap_runs) != 0) {
		snprintf(err, errsz, "bad --flap-runs '%s': 0-100 runs", a->flap_runs);
		return -1;
	}
	m->attack_days = ATTACK_RATE_DAYS;
	if (a->attack_days &&
	    parse_small(a->attack_days, 0, ATTACK_RATE_MAX_DAYS, &m->attack_days) != 0) {
		a->bad = a->attack_days;
		snprintf(err, errsz, "bad --attack-baseline-days '%s': 0-%d days", a->attack_days,
			 ATTACK_RATE_MAX_DAYS);
		return -1;
	}
	unsigned retries = 3, backoff = 500;
	if (a->sink_retries && parse_small(a->sink_retries, 0, 20, &retries) != 0) {
		a->bad = a->sink_retries;
		snprintf(err, errsz, "bad --sink-retries '%s': 0-20", a->sink_retries);
		return -1;
	}
	if (a->sink_backoff) {
		long ms = options_parse_duration_ms(a->sink_backoff);
		if (ms < 0 || ms > 600000) {
			a->bad = a->sink_backoff;
			snprintf(err, errsz, "bad --sink-backoff '%s': e.g. 500ms, 2s",
				 a->sink_backoff);
			return -1;
		}
		backoff = (unsigned)ms;
	}
	if (a->metrics_listen) {
		struct sockaddr_storage ss;
		if (metrics_listen_parse(a->metrics_listen, a->metrics_allow_remote, &ss, err,
					 errsz) != 0) {
			a->bad = a->metrics_listen;
			return -1;
		}
	}
	if (a->n_sinks == 0)
		a->sinks[a->n_sinks++] = "stdout";
	for (unsigned i = 0; i < a->n_sinks; i++) {
		struct sink *s = &m->sinks[m->n_sinks];
		if (sink_parse(a->sinks[i], s, err, errsz) != 0) {
			a->bad = a->sinks[i];
			return -1;
		}
		s->retries = retries;
		s->backoff_ms = backoff;
		s->secret = a->secret;
		m->n_sinks++;
	}
	return 0;
}

/* Wait until the next cycle is due or a signal came. */
static void wait_next(struct monitor *m, uint64_t cycle_start_ms)
{
	uv_update_time(&m->loop);
	uint64_t now = uv_now(&m->loop);
	uint64_t due = cycle_start_ms + (uint64_t)m->every_ms;
	uv_run(&m->loop, UV_RUN_NOWAIT); /* a signal that came during the cycle */
	if (m->stop || now >= due)
		return;
	uv_timer_start(&m->timer, on_timer, due - now, 0);
	uv_run(&m->loop, UV_RUN_DEFAULT);
	uv_timer_stop(&m->timer);
}

static int run_monitor(struct monitor *m)
{
	int status = 0;
	/* catch up: events of the last stored run that a stop or crash kept
	 * from some sink (the delivery log makes this a no-op otherwise) */
	int64_t last = monitor_last_run(m);
	if (last > 0 && monitor_deliver_run(m, last, -1) < 0 && m->once)
		return 3;
	while (!m->stop) {
		uv_update_time(&m->loop);
		uint64_t start = uv_now(&m->loop);
		bool hit = false;
		if (monitor_cycle(m, &hit) != 0) {
			fprintf(stderr, "smbwatch monitor: cycle failed: %s\n", store_error(m->st));
			if (m->once)
				return 3;
		}
		if (m->once && m->failed_deliveries > 0) {
			fprintf(stderr,
				"smbwatch monitor: %u event deliver%s failed; kept and retried by the "
				"next run\n",
				m->failed_deliveries, m->failed_deliveries == 1 ? "y" : "ies");
			return 3;
		}
		if (m->once)
			return hit ? 1 : 0;
		wait_next(m, start);
	}
	fprintf(stderr, "smbwatch monitor: stopped\n");
	return status;
}

int cli_monitor(int argc, char **argv)
{
	char err[600];
	struct mon_args a;
	struct config_args cfg;
	struct monitor *m = calloc(1, sizeof *m);
	if (!m)
		abort();
	int status = 2;
	struct metrics_http *http = NULL;
	if (build_args(argc, argv, &a, &cfg, err, sizeof err) != 0) {
		fprintf(stderr, "smbwatch monitor: %s\n", err);
		goto out;
	}
	if (a.help) {
		fputs(monitor_usage, stdout);
		status = 0;
		goto out;
	}
	int rc = options_parse_scan(a.scan_argc, a.scan_argv, &m->cli, err, sizeof err);
	if (rc == OPTIONS_HELP || rc == OPTIONS_LIST_CHECKS) {
		if (rc == OPTIONS_LIST_CHECKS)
			check_print_list(stdout);
		else
			fputs(monitor_usage, stdout);
		status = 0;
		goto out_cli;
	}
	if (rc != 0 && m->cli.failed_at > 0 && m->cli.failed_at < a.scan_argc)
		a.bad = a.scan_argv[m->cli.failed_at];
	if (rc != 0 || setup(m, &a, err, sizeof err) != 0) {
		/* a bad value from the config file: say where it was written */
		const char *where = config_where(&cfg, a.bad);
		fprintf(stderr, "smbwatch monitor: %s%s%s (see --help)\n", where ? where : "",
			where ? ": " : "", err);
		goto out_cli;
	}
	/* an interrupted cycle is stored as incomplete; the next one starts
	 * over, so no resume file (scan's default would land in the cwd) */
	m->cli.resume_file = NULL;
	if (m->cli.syn) {
		fprintf(stderr, "smbwatch monitor: --syn is for `smbwatch scan` only\n");
		goto out_cli;
	}
	if (m->cli.no_db) {
		fprintf(stderr, "smbwatch monitor: --no-db: the monitor needs its database "
				"(events come from the stored history)\n");
		goto out_cli;
	}
	status = 3;
	if (scan_store_open(&m->cli, "monitor", &m->st) != 0)
		goto out_cli;
	unsigned opened = 0;
	for (; opened < m->n_sinks; opened++) {
		if (sink_open(&m->sinks[opened], err, sizeof err) != 0) {
			fprintf(stderr, "smbwatch monitor: sink %s: %s\n", m->sinks[opened].spec, err);
			status = 2;
			goto out_sinks;
		}
	}
	if (a.metrics_listen) {
		m->metrics = metrics_new(METRICS_MONITOR);
		const char *kinds[MONITOR_MAX_SINKS];
		for (unsigned i = 0; i < m->n_sinks; i++)
			kinds[i] = sink_kind(&m->sinks[i]);
		if (m->metrics)
			metrics_set_sinks(m->metrics, kinds, m->n_sinks);
		http = m->metrics ? metrics_http_start(a.metrics_listen, a.metrics_allow_remote,
						       m->metrics, err, sizeof err)
				  : NULL;
		if (!http) {
			fprintf(stderr, "smbwatch monitor: --metrics-listen: %s\n",
				m->metrics ? err : "out of memory");
			goto out_sinks;
		}
		fprintf(stderr, "smbwatch monitor: metrics on http://%s/metrics\n",
			a.metrics_listen);
	}
	/* an exec sink whose command exits early must not kill us */
	signal(SIGPIPE, SIG_IGN);
	uv_loop_init(&m->loop);
	uv_signal_init(&m->loop, &m->sigterm);
	uv_signal_init(&m->loop, &m->sigint);
	uv_timer_init(&m->loop, &m->timer);
	m->sigterm.data = m->sigint.data = m;
	uv_signal_start(&m->sigterm, on_signal, SIGTERM);
	uv_signal_start(&m->sigint, on_signal, SIGINT);
	status = run_monitor(m);
	uv_close((uv_handle_t *)&m->sigterm, NULL);
	uv_close((uv_handle_t *)&m->sigint, NULL);
	uv_close((uv_handle_t *)&m->timer, NULL);
	uv_run(&m->loop, UV_RUN_DEFAULT);
	uv_loop_close(&m->loop);
out_sinks:
	metrics_http_stop(http);
	metrics_free(m->metrics);
	for (unsigned i = 0; i < opened; i++)
		sink_close(&m->sinks[i]);
	store_close(m->st);
out_cli:
	options_scan_free(&m->cli);
out:
	free(a.scan_argv);
	config_free(&cfg);
	free(m);
	return status;
}
