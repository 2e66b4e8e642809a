/* sensor.c - `smbwatch sensor`: read a capture file or an interface,
 * print alerts as JSON Lines, optionally a summary table at the end. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "monitor/metrics_http.h"
#include "monitor/sink.h"
#include "net/targets.h"
#include "sensor/alert.h"
#include "sensor/memcap.h"
#include "sensor/alert_ecs.h"
#include "sensor/escalate.h"
#include "sensor/inside.h"
#include "policy/policy.h"
#include "sensor/sensor.h"
#include "sensor/sensor_db.h"
#include "store/store.h"
#include "sensor/source.h"

#define SENSOR_MAX_SINKS 8

struct sensor_cli {
	const char *file, *iface, *bpf, *output, *user;
	bool summary, stats;
	struct memcap_plan mem; /* how --max-memory is split */
	struct sensor_config cfg;
	/* --sink: the monitor's sinks (stdout, file, syslog, webhook, exec) */
	const char *sink_specs[SENSOR_MAX_SINKS];
	unsigned n_sinks;
	const char *secret;
	struct sink sinks[SENSOR_MAX_SINKS];
	bool ecs;                  /* --format ecs for stdout / -o */
	FILE *out;                 /* stdout or -o FILE, when there is no --sink */
	const char *metrics_listen; /* --metrics-listen */
	bool metrics_allow_remote;
	struct metrics *metrics;   /* alerts by kind; NULL = not served */
	bool use_db;               /* --db given (db NULL: the default path) */
	const char *db;
	struct store *store;
	struct sensor_db *sdb;     /* batches alerts and sightings into store */
	struct escalate *esc;      /* --db: open scan findings the alerts meet */
	bool esc_failing;          /* the last refresh failed (said once) */
	struct inside_nets *inside; /* --inside and --policy segments; NULL none */
};

static uint64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static void db_report(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "smbwatch sensor: %s\n", msg);
}

/* Every alert, before it leaves: does it meet an open scan finding? The
 * cache is refreshed here when older than ESCALATE_REFRESH_MS: at most one
 * query a minute, only when there are alerts, never per packet. */
static void on_escalate(void *ctx, struct sensor_alert *a)
{
	struct sensor_cli *c = ctx;
	uint64_t now = mono_ms();
	if (escalate_due(c->esc, now)) {
		bool ok = escalate_refresh(c->esc, c->store, now) == 0;
		if (!ok && !c->esc_failing)
			fprintf(stderr,
				"smbwatch sensor: database: reading the open scan findings: %s "
				"(alerts are not escalated until it answers)\n",
				store_error(c->store));
		c->esc_failing = !ok;
	}
	escalate_apply(c->esc, a);
}

static bool on_inside(void *ctx, const char *addr, char *label, size_t labelsz)
{
	struct sensor_cli *c = ctx;
	return inside_match(c->inside, addr, label, labelsz);
}

static void on_seen(void *ctx, const struct sensor_seen *o)
{
	struct sensor_cli *c = ctx;
	sensor_db_seen(c->sdb, o, mono_ms());
}

/* Alerts through the monitor's sinks, one JSON object (or, for an ecs+
 * sink, one ECS document) per alert. */
static void alert_to_sinks(struct sensor_cli *c, const struct sensor_alert *a)
{
	char *text[2] = {NULL, NULL}; /* by enum sink_encoding, made when needed */
	for (unsigned i = 0; i < c->n_sinks; i++) {
		enum sink_encoding enc = c->sinks[i].encoding;
		if (!text[enc]) {
			json_t *o = enc == SINK_ECS ? alert_to_ecs(a) : alert_to_json(a);
			text[enc] = o ? json_dumps(o, JSON_COMPACT) : NULL;
			json_decref(o);
		}
		if (text[enc])
			(void)sink_deliver(&c->sinks[i], text[enc], a->id);
	}
	free(text[0]);
	free(text[1]);
}

/* Every alert: counted for /metrics, then to the sinks, or else to stdout
 * or -o FILE in --format. */
static void on_alert(void *ctx, const struct sensor_alert *a)
{
	struct sensor_cli *c = ctx;
	if (c->metrics)
		metrics_sensor_alert(c->metrics, a->id, a->severity);
	if (c->sdb)
		sensor_db_alert(c->sdb, a, mono_ms());
	if (c->n_sinks)
		alert_to_sinks(c, a);
	else if (c->ecs)
		alert_sink_ecs(c->out, a);
	else
		alert_sink_jsonl(c->out, a);
}

static volatile sig_atomic_t sensor_stop;
static struct sensor_source *sensor_live;

static void on_signal(int sig)
{
	(void)sig;
	sensor_stop = 1;
	if (sensor_live)
		source_break(sensor_live);
}

static void usage(FILE *f)
{
	fputs("usage: smbwatch sensor (-r FILE | -i IFACE) [options]\n"
	      "  -r, --read FILE        read a pcap or pcapng file ('-' = stdin)\n"
	      "  -i, --interface IFACE  capture live (needs root or CAP_NET_RAW)\n"
	      "      --bpf FILTER       BPF filter (default: tcp port 445 or tcp port 139)\n"
	      "  -o, --output FILE      write alerts (JSON Lines) to FILE instead of stdout\n"
	      "      --format FMT       json (default) or ecs: Elastic Common Schema documents\n"
	      "                         (Filebeat / Elastic Agent read them as they are)\n"
	      "      --db [URL|PATH]    also write alerts and what was seen (servers, dialects,\n"
	      "                         SMB1 clients, signing) to the store: a SQLite file\n"
	      "                         (default ~/.local/share/smbwatch/smbwatch.db) or a\n"
	      "                         postgres:// URL; batched, one transaction a second\n"
	      "                         With --db, an alert against a host whose latest stored\n"
	      "                         scan has the matching finding (MS17_010_EXPLOIT and\n"
	      "                         MS17_010, ...; docs/sensor.md) is escalated and names\n"
	      "                         the finding, its run and time\n"
	      "      --inside LIST|@FILE  the organisation's own prefixes (IPv4, IPv6; comma-\n"
	      "                         separated, or one a line in FILE): a scan from there\n"
	      "                         is SMB_PIVOT_SCAN (high), not SMB_SCAN\n"
	      "      --policy FILE      the policy file's [segment] cidrs are inside too\n"
	      "      --sink SPEC        send alerts where monitor sends events (repeatable):\n"
	      "                         stdout | file:PATH | syslog | webhook:URL | exec:COMMAND,\n"
	      "                         with ecs+ before it for ECS (ecs+file:PATH)\n"
	      "      --metrics-listen ADDR  serve Prometheus metrics (alerts by id and\n"
	      "                         severity) on http://ADDR/metrics, e.g. 127.0.0.1:9467\n"
	      "      --metrics-allow-remote allow a non-loopback --metrics-listen address\n"
	      "      --webhook-secret S sign webhook bodies (X-Smbwatch-Signature)\n"
	      "      --summary          print hosts, dialects, SMB1 talkers, failed logons,\n"
	      "                         message counts and alerts by kind at the end\n"
	      "      --stats            print packet, flow and memory counters to stderr at the end\n"
	      "      --user USER        live: drop privileges to USER (default nobody)\n"
	      "      --scan-hosts N     SMB_SCAN: distinct destinations per source (default 32)\n"
	      "      --scan-failed N    SMB_SCAN: unanswered/refused destinations (default 8)\n"
	      "      --scan-window SEC  SMB_SCAN window (default 300)\n"
	      "      --brute-failures N SMB_BRUTE_FORCE: failed logons per source (default 10)\n"
	      "      --spray-accounts N SMB_BRUTE_FORCE: distinct failing accounts (default 5)\n"
	      "      --brute-window SEC SMB_BRUTE_FORCE window (default 300)\n"
	      "      --max-flows N      concurrent flows tracked (default 65536)\n"
	      "      --max-memory MB    peak resident memory of the whole process (default 256);\n"
	      "                         least recently used flows are evicted to stay under it\n"
	      "      --approved-scanners LIST|@FILE\n"
	      "                         addresses/CIDRs (IPv4, IPv6; comma-separated, or one a\n"
	      "                         line in FILE) whose probes (SMB_SCAN, MS17_010_CHECK,\n"
	      "                         SMBGHOST_CHECK, DOUBLEPULSAR knock) are recorded at info\n"
	      "                         with approved_scanner: true; their other alerts keep\n"
	      "                         their severity\n",
	      f);
}

static int parse_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

enum {
	OPT_BPF = 256, OPT_SUMMARY, OPT_STATS, OPT_USER, OPT_SCAN_HOSTS, OPT_SCAN_FAILED,
	OPT_SCAN_WINDOW, OPT_BRUTE, OPT_SPRAY, OPT_BRUTE_WINDOW, OPT_MAX_FLOWS, OPT_MAX_MEMORY,
	OPT_SINK, OPT_SECRET, OPT_APPROVED, OPT_FORMAT, OPT_METRICS_LISTEN, OPT_METRICS_REMOTE, OPT_DB,
	OPT_INSIDE, OPT_POLICY,
};

/* --inside, accumulated over the options; freed by cli_sensor. */
static struct inside_nets *inside_set;

static struct inside_nets *inside_get(void)
{
	if (!inside_set)
		inside_set = calloc(1, sizeof *inside_set);
	if (!inside_set)
		fputs("smbwatch sensor: out of memory\n", stderr);
	return inside_set;
}

static int parse_inside(const char *arg)
{
	char err[512];
	struct inside_nets *in = inside_get();
	if (!in)
		return -1;
	if (inside_add_list(in, arg, err, sizeof err) != 0) {
		fprintf(stderr, "smbwatch sensor: --inside: %s\n", err);
		return -1;
	}
	return 0;
}

/* --policy FILE: its segments are the organisation's own networks. */
static int parse_policy(const char *path)
{
	struct policy_diag *d = calloc(1, sizeof *d);
	struct inside_nets *in = d ? inside_get() : NULL;
	if (!in) {
		free(d);
		return -1;
	}
	struct policy *p = policy_load(path, d);
	if (!p) {
		fprintf(stderr, "smbwatch sensor: --policy: %s\n", d->n ? d->msg[0] : "out of memory");
		free(d);
		return -1;
	}
	free(d);
	size_t n = inside_add_policy(in, p);
	policy_free(p);
	if (n == 0) {
		/* a policy without segments would make --policy look like it did something */
		fprintf(stderr, "smbwatch sensor: --policy %s: no [segment] with a cidr: nothing "
				"is inside\n",
			path);
		return -1;
	}
	return 0;
}

/* --approved-scanners, accumulated over the options; freed by cli_sensor. */
static struct target_set *approved_set;

/* LIST or @FILE through the scanner's target parser, names off: an address
 * we would have to look up is not an approval. */
static int parse_approved(const char *arg)
{
	char err[512];
	if (!approved_set) {
		approved_set = targets_new();
		if (!approved_set) {
			fputs("smbwatch sensor: out of memory\n", stderr);
			return -1;
		}
		targets_set_resolve(approved_set, false);
	}
	int rc = arg[0] == '@' ? targets_add_file(approved_set, arg + 1, err, sizeof err)
			       : targets_add_list(approved_set, arg, err, sizeof err);
	if (rc != 0) {
		fprintf(stderr, "smbwatch sensor: --approved-scanners: %s\n", err);
		return -1;
	}
	return 0;
}

static int parse(int argc, char **argv, struct sensor_cli *c)
{
	static const struct option opts[] = {
		{"read", required_argument, NULL, 'r'},
		{"interface", required_argument, NULL, 'i'},
		{"output", required_argument, NULL, 'o'},
		{"bpf", required_argument, NULL, OPT_BPF},
		{"summary", no_argument, NULL, OPT_SUMMARY},
		{"stats", no_argument, NULL, OPT_STATS},
		{"user", required_argument, NULL, OPT_USER},
		{"scan-hosts", required_argument, NULL, OPT_SCAN_HOSTS},
		{"scan-failed", required_argument, NULL, OPT_SCAN_FAILED},
		{"scan-window", required_argument, NULL, OPT_SCAN_WINDOW},
		{"brute-failures", required_argument, NULL, OPT_BRUTE},
		{"spray-accounts", required_argument, NULL, OPT_SPRAY},
		{"brute-window", required_argument, NULL, OPT_BRUTE_WINDOW},
		{"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
		{"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
		{"sink", required_argument, NULL, OPT_SINK},
		{"webhook-secret", required_argument, NULL, OPT_SECRET},
		{"approved-scanners", required_argument, NULL, OPT_APPROVED},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN},
		{"metrics-allow-remote", no_argument, NULL, OPT_METRICS_REMOTE},
		{"db", optional_argument, NULL, OPT_DB},
		{"inside", required_argument, NULL, OPT_INSIDE},
		{"policy", required_argument, NULL, OPT_POLICY},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;
	unsigned long v;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":r:i:o:h", opts, NULL)) != -1) {
		int bad = 0;
		switch (ch) {
		case 'r': c->file = optarg; break;
		case 'i': c->iface = optarg; break;
		case 'o': c->output = optarg; break;
		case OPT_BPF: c->bpf = optarg; break;
		case OPT_SUMMARY: c->summary = true; break;
		case OPT_STATS: c->stats = true; break;
		case OPT_USER: c->user = optarg; break;
		case OPT_SECRET: c->secret = optarg; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "ecs") != 0) {
				fprintf(stderr, "smbwatch sensor: bad --format '%s': json or ecs\n",
					optarg);
				return -1;
			}
			c->ecs = strcmp(optarg, "ecs") == 0;
			break;
		case OPT_METRICS_LISTEN: c->metrics_listen = optarg; break;
		case OPT_METRICS_REMOTE: c->metrics_allow_remote = true; break;
		case OPT_DB:
			/* --db alone: the default file; --db X or --db=X: X */
			c->use_db = true;
			if (optarg)
				c->db = optarg;
			else if (optind < argc && argv[optind][0] != '-')
				c->db = argv[optind++];
			break;
		case OPT_APPROVED:
			if (parse_approved(optarg) != 0)
				return -1;
			break;
		case OPT_INSIDE:
			if (parse_inside(optarg) != 0)
				return -1;
			break;
		case OPT_POLICY:
			if (parse_policy(optarg) != 0)
				return -1;
			break;
		case OPT_SINK:
			if (c->n_sinks == SENSOR_MAX_SINKS) {
				fputs("smbwatch sensor: too many --sink options\n", stderr);
				return -1;
			}
			c->sink_specs[c->n_sinks++] = optarg;
			break;
		case 'h': usage(stdout); return 1;
		default:
			if (ch == '?' || ch == ':' || !optarg) {
				char name[64];
				options_unknown_option(argv, name, sizeof name);
				fprintf(stderr,
					ch == ':' ? "smbwatch sensor: option '%s' needs a value (see "
						    "smbwatch sensor --help)\n"
						  : "smbwatch sensor: unknown option '%s' (see smbwatch "
						    "sensor --help)\n",
					name);
				return -1;
			}
			/* every threshold and limit is at least 1: 0 would switch a
			 * detector off without saying so */
			bad = parse_num(optarg, 100000000ul, &v);
			if (bad || v == 0) {
				const char *name = "?";
				for (size_t k = 0; opts[k].name; k++)
					if (opts[k].val == ch)
						name = opts[k].name;
				fprintf(stderr,
					"smbwatch sensor: bad --%s '%s': a whole number, 1-100000000\n",
					name, optarg);
				return -1;
			}
			switch (ch) {
			case OPT_SCAN_HOSTS: c->cfg.scan_hosts = (unsigned)v; break;
			case OPT_SCAN_FAILED: c->cfg.scan_failed_hosts = (unsigned)v; break;
			case OPT_SCAN_WINDOW: c->cfg.scan_window_us = v * 1000000ull; break;
			case OPT_BRUTE: c->cfg.brute_failures = (unsigned)v; break;
			case OPT_SPRAY: c->cfg.spray_accounts = (unsigned)v; break;
			case OPT_BRUTE_WINDOW: c->cfg.brute_window_us = v * 1000000ull; break;
			case OPT_MAX_FLOWS: c->cfg.max_flows = v; break;
			case OPT_MAX_MEMORY: c->cfg.max_memory = (size_t)v << 20; break;
			default: break;
			}
		}
	}
	if (optind < argc) {
		fprintf(stderr, "smbwatch sensor: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (approved_set) {
		targets_finalize(approved_set);
		if (targets_count(approved_set) == 0) {
			fputs("smbwatch sensor: --approved-scanners: no address given\n", stderr);
			return -1;
		}
		c->cfg.approved_scanners = approved_set;
	}
	if (inside_set) {
		c->inside = inside_set;
		c->cfg.inside_fn = on_inside;
		c->cfg.inside_ctx = c;
	}
	if (!!c->file == !!c->iface) {
		fputs("smbwatch sensor: give exactly one of -r FILE or -i IFACE\n", stderr);
		return -1;
	}
	if (c->metrics_listen) {
		struct sockaddr_storage ss;
		char err[512];
		if (metrics_listen_parse(c->metrics_listen, c->metrics_allow_remote, &ss, err,
					 sizeof err) != 0) {
			fprintf(stderr, "smbwatch sensor: %s\n", err);
			return -1;
		}
	}
	return 0;
}

static void print_stats(const struct sensor *s, const struct memcap_plan *mem)
{
	struct sensor_stats st;
	sensor_get_stats(s, &st);
	fprintf(stderr,
		"sensor: %llu packets (%llu bytes), %llu SMB-port packets, %llu undecodable; "
		"%llu flows (peak %zu, %llu evicted), %llu SMB messages, %llu gaps, "
		"peak buffered %zu bytes, %llu alerts; %llu READ, %llu WRITE requests, "
		"%llu sessions set up, %llu frames over the buffer\n",
		(unsigned long long)st.packets, (unsigned long long)st.bytes,
		(unsigned long long)st.smb_packets, (unsigned long long)st.bad_packets,
		(unsigned long long)st.flows, st.peak_flows, (unsigned long long)st.flows_evicted,
		(unsigned long long)st.frames, (unsigned long long)st.gaps, st.peak_memory,
		(unsigned long long)st.alerts, (unsigned long long)st.reads,
		(unsigned long long)st.writes, (unsigned long long)st.sessions,
		(unsigned long long)st.oversize_frames);
	fprintf(stderr,
		"sensor memory: --max-memory %zu KiB = program %zu + capture buffer %zu + "
		"allocator slack %zu + tables %zu KiB; flows peaked at %zu KiB; peak RSS %zu KiB\n",
		mem->cap >> 10, mem->program >> 10, mem->capture >> 10, mem->slack >> 10,
		mem->budget >> 10, st.peak_memory >> 10, memcap_peak_rss() >> 10);
}

static int run(struct sensor_cli *c, struct sensor_source *src, struct sensor *s)
{
	char err[512];
	int link = source_linktype(src);
	uint64_t packets = 0, bytes = 0, bad = 0;
	int rc = 0;

	for (;;) {
		const uint8_t *data;
		size_t caplen;
		uint64_t ts;
		int r = source_next(src, &data, &caplen, &ts, err, sizeof err);
		if (r == SOURCE_IDLE) {
			if (sensor_stop)
				break;
			if (c->iface) { /* a quiet interface: time still passes */
				struct timespec now;
				clock_gettime(CLOCK_REALTIME, &now);
				sensor_advance(s, (uint64_t)now.tv_sec * 1000000u +
							  (uint64_t)now.tv_nsec / 1000u);
			}
			if (c->sdb)
				sensor_db_tick(c->sdb, mono_ms());
			continue;
		}
		if (r == SOURCE_EOF)
			break;
		if (r == SOURCE_ERROR) {
			fprintf(stderr, "smbwatch sensor: %s: %s\n", c->file ? c->file : c->iface,
				err);
			rc = 3;
			break;
		}
		packets++;
		bytes += caplen;
		struct pkt p;
		int pr = pkt_decode(link, data, caplen, &p);
		if (pr == PKT_BAD_LINK) {
			fprintf(stderr, "smbwatch sensor: unsupported link type %d\n", link);
			rc = 3;
			break;
		}
		if (pr < 0) {
			bad++;
			continue;
		}
		if (pr != PKT_OK)
			continue;
		p.ts_us = ts;
		sensor_packet(s, &p);
		if (c->sdb && (packets & 1023) == 0)
			sensor_db_tick(c->sdb, mono_ms());
		if (sensor_stop)
			break;
	}
	sensor_add_capture_counts(s, packets, bytes, bad);
	return rc;
}

static int sensor_main(int argc, char **argv);

/* --db: open (and migrate) the store and the batcher over it. */
static int open_db(struct sensor_cli *c)
{
	char path[4096], err[600];
	const char *where = c->db;
	if (!where) {
		if (store_default_path(path, sizeof path) != 0) {
			fputs("smbwatch sensor: no database path: set HOME or XDG_DATA_HOME, or give "
			      "--db PATH\n",
			      stderr);
			return -1;
		}
		where = path;
	}
	if (store_open(where, &c->store, err, sizeof err) != 0) {
		fprintf(stderr, "smbwatch sensor: database error: %s\n", err);
		return -1;
	}
	c->sdb = sensor_db_new(c->store, 0, 0, db_report, c);
	if (!c->sdb) {
		fputs("smbwatch sensor: out of memory\n", stderr);
		store_close(c->store);
		c->store = NULL;
		return -1;
	}
	c->cfg.seen_fn = on_seen;
	c->cfg.seen_ctx = c;
	/* loaded now, so the first alert of a capture file already meets them */
	c->esc = escalate_new(0);
	if (!c->esc) {
		fputs("smbwatch sensor: out of memory\n", stderr);
		return -1;
	}
	if (escalate_refresh(c->esc, c->store, mono_ms()) != 0) {
		fprintf(stderr, "smbwatch sensor: database error: reading the open scan findings: %s\n",
			store_error(c->store));
		return -1;
	}
	c->cfg.escalate_fn = on_escalate;
	c->cfg.escalate_ctx = c;
	return 0;
}

/* Write what is left and close; the counts go with --stats. */
static void close_db(struct sensor_cli *c, bool stats)
{
	escalate_free(c->esc);
	c->esc = NULL;
	if (!c->sdb)
		return;
	struct sensor_db *d = c->sdb;
	c->sdb = NULL;
	sensor_db_flush(d, mono_ms());
	struct sensor_db_stats ds;
	sensor_db_get_stats(d, &ds);
	sensor_db_close(d, mono_ms());
	if (stats)
		fprintf(stderr,
			"sensor database: %llu alerts and %llu sightings stored in %llu "
			"transactions, %llu failed writes, %llu items dropped\n",
			(unsigned long long)ds.alerts, (unsigned long long)ds.seen,
			(unsigned long long)ds.transactions, (unsigned long long)ds.failures,
			(unsigned long long)ds.dropped);
	store_close(c->store);
	c->store = NULL;
}

static struct sensor_cli *sensor_cli_now; /* for close_db on every return */

int cli_sensor(int argc, char **argv)
{
	int rc = sensor_main(argc, argv);
	if (sensor_cli_now)
		close_db(sensor_cli_now, false);
	sensor_cli_now = NULL;
	targets_free(approved_set);
	approved_set = NULL;
	free(inside_set);
	inside_set = NULL;
	return rc;
}

static int sensor_main(int argc, char **argv)
{
	/* static: cli_sensor closes the database after any early return */
	static struct sensor_cli c;
	char err[512];
	FILE *out = stdout;

	memset(&c, 0, sizeof c);
	sensor_config_defaults(&c.cfg);
	sensor_cli_now = &c;
	int prc = parse(argc, argv, &c);
	if (prc != 0)
		return prc > 0 ? 0 : 2;

	/* the database first: a dead or unwritable store is an error before
	 * the first packet, not a surprise in the middle of a capture */
	if (c.use_db && open_db(&c) != 0)
		return 3;

	struct sensor_source *src = c.file ? source_open_file(c.file, err, sizeof err)
					   : source_open_live(c.iface, memcap_capture_buffer(c.cfg.max_memory),
							      err, sizeof err);
	if (!src) {
		fprintf(stderr, "smbwatch sensor: %s\n", err);
		return 3;
	}
	const char *bpf = c.bpf ? c.bpf : (c.iface ? "tcp port 445 or tcp port 139" : NULL);
	if (bpf && source_set_filter(src, bpf, err, sizeof err) != 0) {
		fprintf(stderr, "smbwatch sensor: %s\n", err);
		source_close(src);
		return 2;
	}
	/* the handle is open: give up root before the first untrusted byte */
	if (c.iface && source_drop_privileges(c.user, err, sizeof err) != 0) {
		fprintf(stderr, "smbwatch sensor: %s\n", err);
		source_close(src);
		return 3;
	}
	if (c.output && !(out = fopen(c.output, "a"))) {
		fprintf(stderr, "smbwatch sensor: %s: %s\n", c.output, strerror(errno));
		source_close(src);
		return 3;
	}
	c.out = out;
	c.cfg.alert_fn = on_alert;
	c.cfg.alert_ctx = &c;
	for (unsigned i = 0; i < c.n_sinks; i++) {
		int src_rc = sink_parse(c.sink_specs[i], &c.sinks[i], err, sizeof err);
		if (src_rc == 0) {
			c.sinks[i].secret = c.secret;
			src_rc = sink_open(&c.sinks[i], err, sizeof err);
		}
		if (src_rc != 0) {
			fprintf(stderr, "smbwatch sensor: %s\n", err);
			for (unsigned j = 0; j < i; j++)
				sink_close(&c.sinks[j]);
			source_close(src);
			if (out != stdout)
				fclose(out);
			return 2;
		}
	}
	/* --max-memory bounds the process, not only the tables the sensor
	 * counts: reserve what is resident already, the capture ring and the
	 * allocator's slack, and give the sensor the rest */
	if (memcap_plan(c.cfg.max_memory, memcap_peak_rss(),
			c.iface ? memcap_capture_buffer(c.cfg.max_memory) : 0, &c.mem) != 0) {
		fprintf(stderr,
			"smbwatch sensor: --max-memory %zu MiB is too small: this process takes "
			"%zu MiB before the first packet (capture buffer %zu MiB, allocator slack "
			"%zu MiB) and the sensor needs %zu MiB more\n",
			c.mem.cap >> 20, (c.mem.program + (1u << 20) - 1) >> 20, c.mem.capture >> 20,
			c.mem.slack >> 20, MEMCAP_MIN_BUDGET >> 20);
		for (unsigned i = 0; i < c.n_sinks; i++)
			sink_close(&c.sinks[i]);
		source_close(src);
		if (out != stdout)
			fclose(out);
		return 2;
	}
	c.cfg.max_memory = c.mem.budget;
	struct metrics_http *http = NULL;
	if (c.metrics_listen) {
		c.metrics = metrics_new(METRICS_SENSOR);
		http = c.metrics ? metrics_http_start(c.metrics_listen, c.metrics_allow_remote,
						      c.metrics, err, sizeof err)
				 : NULL;
		if (!http)
			fprintf(stderr, "smbwatch sensor: --metrics-listen: %s\n",
				c.metrics ? err : "out of memory");
	}
	struct sensor *s = (c.metrics_listen && !http) ? NULL : sensor_new(&c.cfg);
	if (!s) {
		if (!c.metrics_listen || http)
			fputs("smbwatch sensor: out of memory\n", stderr);
		metrics_http_stop(http);
		metrics_free(c.metrics);
		for (unsigned i = 0; i < c.n_sinks; i++)
			sink_close(&c.sinks[i]);
		source_close(src);
		if (out != stdout)
			fclose(out);
		return 3;
	}
	if (c.iface) {
		sensor_live = src;
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
	}
	int rc = run(&c, src, s);
	sensor_finish(s);
	if (c.summary)
		sensor_summary_print(s, stdout);
	if (c.stats)
		print_stats(s, &c.mem);
	sensor_free(s);
	close_db(&c, c.stats);
	sensor_cli_now = NULL;
	metrics_http_stop(http);
	metrics_free(c.metrics);
	for (unsigned i = 0; i < c.n_sinks; i++)
		sink_close(&c.sinks[i]);
	sensor_live = NULL;
	source_close(src);
	if (out != stdout)
		fclose(out);
	return rc;
}
