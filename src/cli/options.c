/* options.c - `scan` option parsing and validation; see options.h. */
#include "cli/options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "assess/assess.h"
#include "check/check.h"
#include "scan/scan_run.h"
#include "scan/scan_syn.h"
#include "net/surface.h"
#include "probe/quic_probe.h"
#include "net/permute.h"
#include "policy/policy.h"
#include "probe/mgmt.h"
#include "record/record.h"
#include "store/store.h"

/* ~2.5 KiB per connection in flight: 16k stay under 64 MiB */
#define MAX_INFLIGHT_DEFAULT 16384

enum {
	OPT_EXCLUDE = 256,
	OPT_EXCLUDE_FILE,
	OPT_FORCE_LARGE,
	OPT_FORMAT,
	OPT_VIEW,
	OPT_NO_PROGRESS,
	OPT_MAX_INFLIGHT,
	OPT_RATE,
	OPT_CONNECT_TIMEOUT,
	OPT_READ_TIMEOUT,
	OPT_RPC_TIMEOUT,
	OPT_TIMEOUT,
	OPT_RETRIES,
	OPT_IL,
	OPT_CHECKS,
	OPT_LIST_CHECKS,
	OPT_FAIL_ON,
	OPT_DB,
	OPT_NO_DB,
	OPT_SEED,
	OPT_SHARD,
	OPT_RESUME_FILE,
	OPT_STATS_EVERY,
	OPT_DIALECTS,
	OPT_SYN,
	OPT_SYN_IFACE,
	OPT_SYN_QUEUE,
	OPT_NMAP_OX,
	OPT_NMAP_OA,
	OPT_RELAY_LIST,
	OPT_POLICY,
	OPT_SURFACE,
	OPT_QUIC,
};

long options_parse_duration_ms(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno != 0 || v < 0)
		return -1;
	double scale = 1000.0; /* bare numbers are seconds */
	if (strcmp(end, "ms") == 0)
		scale = 1.0;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		scale = 1000.0;
	else if (strcmp(end, "m") == 0)
		scale = 60000.0;
	else
		return -1;
	double ms = v * scale;
	if (ms > 86400000.0)
		return -1;
	return (long)ms;
}

static int parse_uint(const char *s, unsigned long max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v > max || s[0] == '-')
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* "K/N" (1-based), or "env:VAR/N": the 0-based index in $VAR (what a
 * Kubernetes Indexed Job puts in JOB_COMPLETION_INDEX), so K = $VAR + 1
 * and the pod command needs no shell arithmetic. */
static int parse_shard(const char *arg, unsigned *k_out, unsigned *n_out, char *err, size_t errsz)
{
	char buf[160];
	unsigned k = 0, n = 0;
	record_set_str(buf, sizeof buf, arg);
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (strncmp(buf, "env:", 4) != 0) {
		if (!slash || parse_uint(buf, 65535, &k) != 0 || parse_uint(slash + 1, 65535, &n) != 0 ||
		    k < 1 || k > n) {
			snprintf(err, errsz, "bad --shard '%s': use K/N with 1 <= K <= N, or env:VAR/N", arg);
			return -1;
		}
		*k_out = k;
		*n_out = n;
		return 0;
	}
	const char *var = buf + 4;
	bool name_ok = var[0] != '\0' && !(var[0] >= '0' && var[0] <= '9');
	for (const char *c = var; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
			name_ok = false;
	if (!slash || !name_ok || parse_uint(slash + 1, 65535, &n) != 0 || n < 1) {
		snprintf(err, errsz, "bad --shard '%s': use env:VAR/N with N >= 1 (VAR holds the 0-based index)",
			 arg);
		return -1;
	}
	const char *val = getenv(var);
	unsigned idx = 0;
	if (!val) {
		snprintf(err, errsz, "bad --shard '%s': environment variable %s is not set", arg, var);
		return -1;
	}
	if (parse_uint(val, 65535, &idx) != 0) {
		snprintf(err, errsz, "bad --shard '%s': %s='%.40s' is not a 0-based index", arg, var, val);
		return -1;
	}
	if (idx >= n) {
		snprintf(err, errsz, "bad --shard '%s': %s=%u is not below N=%u (the index is 0-based)", arg,
			 var, idx, n);
		return -1;
	}
	*k_out = idx + 1;
	*n_out = n;
	return 0;
}

void options_count_text(uint64_t n, char *out, size_t outsz)
{
	if (n == UINT64_MAX)
		snprintf(out, outsz, "more than 2^64");
	else
		snprintf(out, outsz, "%llu", (unsigned long long)n);
}

void options_scan_config(const struct scan_cli *cli, struct scan_config *cfg)
{
	*cfg = (struct scan_config){
		.targets = cli->targets,
		.ports = cli->ports,
		.sopts = cli->sopts,
		.max_inflight = cli->max_inflight,
		.rate = cli->rate,
		.rate_given = cli->rate_given,
		.connect_timeout_ms = cli->connect_timeout_ms,
		.connect_timeout_given = cli->connect_timeout_given,
		.verbose = cli->verbose,
		.mgmt_named = cli->mgmt_named,
		.seed = cli->seed,
		.shard_k = cli->shard_k,
		.shard_n = cli->shard_n,
		.start_position = cli->start_position,
		.resume_done = cli->resume_done,
		.n_resume_done = cli->n_resume_done,
		.resume_file = cli->resume_file,
		.argc = cli->argc,
		.argv = cli->argv,
		.stats_every_s = cli->stats_every_s,
		.syn_io = cli->syn_io,
		.syn_queue = cli->syn_queue,
		.policy = cli->policy,
	};
}

unsigned options_raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur > 1000000 ? 1000000 : (unsigned)rl.rlim_cur;
}

static const struct option long_opts[] = {
	{"help", no_argument, NULL, 'h'},
	{"verbose", no_argument, NULL, 'v'},
	{"ports", required_argument, NULL, 'p'},
	{"output", required_argument, NULL, 'o'},
	{"exclude", required_argument, NULL, OPT_EXCLUDE},
	{"exclude-file", required_argument, NULL, OPT_EXCLUDE_FILE},
	{"force-large", no_argument, NULL, OPT_FORCE_LARGE},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"view", required_argument, NULL, OPT_VIEW},
	{"dialects", required_argument, NULL, OPT_DIALECTS},
	{"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
	{"max-inflight", required_argument, NULL, OPT_MAX_INFLIGHT},
	{"rate", required_argument, NULL, OPT_RATE},
	{"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
	{"read-timeout", required_argument, NULL, OPT_READ_TIMEOUT},
	{"rpc-timeout", required_argument, NULL, OPT_RPC_TIMEOUT},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"retries", required_argument, NULL, OPT_RETRIES},
	{"iL", required_argument, NULL, OPT_IL},
	{"checks", required_argument, NULL, OPT_CHECKS},
	{"list-checks", no_argument, NULL, OPT_LIST_CHECKS},
	{"fail-on", required_argument, NULL, OPT_FAIL_ON},
	{"db", required_argument, NULL, OPT_DB},
	{"no-db", no_argument, NULL, OPT_NO_DB},
	{"seed", required_argument, NULL, OPT_SEED},
	{"shard", required_argument, NULL, OPT_SHARD},
	{"resume-file", required_argument, NULL, OPT_RESUME_FILE},
	{"stats-every", required_argument, NULL, OPT_STATS_EVERY},
	{"syn", no_argument, NULL, OPT_SYN},
	{"syn-iface", required_argument, NULL, OPT_SYN_IFACE},
	{"syn-queue", required_argument, NULL, OPT_SYN_QUEUE},
	{"oX", required_argument, NULL, OPT_NMAP_OX},
	{"oA", required_argument, NULL, OPT_NMAP_OA},
	{"relay-list", required_argument, NULL, OPT_RELAY_LIST},
	{"policy", required_argument, NULL, OPT_POLICY},
	{"surface", required_argument, NULL, OPT_SURFACE},
	{"quic", no_argument, NULL, OPT_QUIC},
	{NULL, 0, NULL, 0},
};

/* nmap spells it -iL: rewrite it to --iL before getopt sees it. */
static void rewrite_il(int argc, char **argv)
{
	static char il[] = "--iL";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-iL") == 0)
			argv[i] = il;
	}
}

/* nmap's -oX FILE and -oA BASE: getopt would read "-oX" as -o X, so they
 * become --oX / --oA before it sees them (handled by add_nmap_outputs). */
static void rewrite_nmap_outputs(int argc, char **argv)
{
	static char ox[] = "--oX", oa[] = "--oA";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-oX") == 0)
			argv[i] = ox;
		else if (strcmp(argv[i], "-oA") == 0)
			argv[i] = oa;
	}
}

static int add_file_output(struct scan_cli *cli, enum report_format fmt, const char *base,
			   const char *suffix, char *err, size_t errsz)
{
	if (cli->n_files >= SCAN_MAX_FILE_OUTPUTS) {
		snprintf(err, errsz, "too many -oX/-oA/--relay-list outputs (at most %d files)",
			 SCAN_MAX_FILE_OUTPUTS);
		return -1;
	}
	size_t n = strlen(base) + strlen(suffix) + 1;
	char *path = malloc(n);
	if (!path)
		abort();
	snprintf(path, n, "%s%s", base, suffix);
	cli->files[cli->n_files].format = fmt;
	cli->files[cli->n_files].path = path;
	cli->n_files++;
	return 0;
}

/* -oX FILE: nmap XML to FILE; -oA BASE: BASE.txt (text), BASE.jsonl and
 * BASE.xml, like nmap's -oA. Written besides the --format/-o report. */
static int add_nmap_outputs(struct scan_cli *cli, bool all, const char *arg, char *err,
			    size_t errsz)
{
	if (arg[0] == '\0') {
		snprintf(err, errsz, "bad %s: empty file name", all ? "-oA" : "-oX");
		return -1;
	}
	if (!all)
		return add_file_output(cli, REPORT_NMAP_XML, arg, "", err, errsz);
	if (add_file_output(cli, REPORT_TEXT, arg, ".txt", err, errsz) != 0 ||
	    add_file_output(cli, REPORT_JSONL, arg, ".jsonl", err, errsz) != 0)
		return -1;
	return add_file_output(cli, REPORT_NMAP_XML, arg, ".xml", err, errsz);
}

/* nmap's -oN/-oG/-oS/-oM would parse as "-o N" (report to ./N) and the
 * file name after them would become a target: refuse them with the
 * spelling that works here (-oX and -oA work: rewrite_nmap_outputs).
 * Returns -1 with err set. */
static int refuse_nmap_output(int argc, char **argv, char *err, size_t errsz)
{
	static const struct {
		char letter;
		const char *what, *use;
	} nmap_out[] = {
		{'N', "normal output", "--format text -o FILE"},
		{'G', "grepable output", "--format line -o FILE"},
		{'S', "script kiddie output", "--format text -o FILE"},
		{'M', "machine output", "--format line -o FILE"},
	};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strncmp(argv[i], "-o", 2) != 0 || strlen(argv[i]) != 3)
			continue;
		for (size_t k = 0; k < sizeof nmap_out / sizeof nmap_out[0]; k++) {
			if (argv[i][2] != nmap_out[k].letter)
				continue;
			snprintf(err, errsz, "%s is nmap's %s; use %s", argv[i], nmap_out[k].what,
				 nmap_out[k].use);
			return -1;
		}
	}
	return 0;
}

/* A target that is an existing file is a -iL forgotten (or "-oX FILE" cut
 * short): refuse it rather than resolve its name. IP literals, ranges and
 * prefixes are never taken for files. */
static int refuse_file_target(const char *arg, char *err, size_t errsz)
{
	struct stat st;
	if (strspn(arg, "0123456789abcdefABCDEF.:/-") == strlen(arg))
		return 0;
	if (stat(arg, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	snprintf(err, errsz,
		 "target '%s' is a file: did you mean -iL %s? (a host of that name: "
		 "write '%s.')",
		 arg, arg, arg);
	return -1;
}

/* Is w a cluster of short options ("-sV") holding letter c? */
static bool short_cluster_has(const char *w, int c)
{
	return w && w[0] == '-' && w[1] != '-' && w[1] != '\0' && strchr(w + 1, c);
}

void options_unknown_option(char **argv, char *out, size_t outsz)
{
	/* getopt leaves optind on the word of an unknown short option while
	 * letters are left in it ("-sV"), after it otherwise; a long option
	 * (optopt 0, or its value beyond a char) has been stepped over */
	const char *word = argv[optind - 1];
	if (optopt > 0 && optopt < 128) {
		if (short_cluster_has(argv[optind], optopt))
			word = argv[optind];
		else if (!short_cluster_has(word, optopt) && strncmp(word, "--", 2) != 0) {
			snprintf(out, outsz, "-%c", optopt);
			return;
		}
	}
	/* "--db=x": the name only */
	size_t n = strcspn(word, "=");
	snprintf(out, outsz, "%.*s", (int)n, word);
}

/* Append "word" to the target spec (space-separated), growing it. */
static void spec_add(struct scan_cli *cli, const char *prefix, const char *word)
{
	size_t have = cli->target_spec ? strlen(cli->target_spec) : 0;
	size_t need = have + strlen(prefix) + strlen(word) + 2;
	char *s = realloc(cli->target_spec, need);
	if (!s)
		abort();
	snprintf(s + have, need - have, "%s%s%s", have ? " " : "", prefix, word);
	cli->target_spec = s;
}

static int set_duration(const char *name, const char *val, unsigned *out, char *err,
			size_t errsz)
{
	long ms = options_parse_duration_ms(val);
	if (ms <= 0) {
		snprintf(err, errsz, "bad %s '%s': use e.g. 500ms, 2s, 1.5 or 1m", name, val);
		return -1;
	}
	*out = (unsigned)ms;
	return 0;
}

/* What the SYN stage cannot do, said before anything is opened. */
static int check_syn(const struct scan_cli *cli, char *err, size_t errsz)
{
	if (ports_has_udp(&cli->ports)) {
		snprintf(err, errsz, "--syn probes TCP only: scan UDP ports (U:137) without --syn");
		return -1;
	}
	if (targets_count_family(cli->targets, AF_INET6)) {
		snprintf(err, errsz,
			 "--syn is IPv4 only: %llu IPv6 targets (scan them without --syn, or "
			 "exclude them)",
			 (unsigned long long)targets_count_family(cli->targets, AF_INET6));
		return -1;
	}
	return 0;
}

/* Does the -p list (not what --surface adds) name a management port over
 * TCP? Then its services are reported on hosts without SMB too. */
static bool names_mgmt_port(const char *ports)
{
	struct port_list pl;
	char err[128];
	if (ports_parse(ports, &pl, err, sizeof err) != 0)
		return false; /* the full list's parse reports the error */
	bool named = false;
	for (unsigned i = 0; i < pl.n; i++)
		named |= !ports_is_udp(&pl, i) && mgmt_service_of_port(pl.ports[i]) != MGMT_NONE;
	ports_free(&pl);
	return named;
}

static int load_policy(struct scan_cli *cli, const char *path, char *err, size_t errsz);

int options_parse_scan(int argc, char **argv, struct scan_cli *cli, char *err, size_t errsz)
{
	memset(cli, 0, sizeof *cli);
	cli->sopts.read_timeout_ms = 2000;
	cli->sopts.rpc_timeout_ms = 10000;
	cli->sopts.deadline_ms = 20000;
	cli->sopts.retries = 1;
	cli->sopts.checks = CHECK_ALL;
	cli->fail_on = -1;
	cli->shard_k = cli->shard_n = 1;
	cli->resume_file = "smbwatch.resume";
	cli->argc = argc;
	cli->argv = argv;
	record_set_str(cli->sopts.view, sizeof cli->sopts.view, "internal");
	cli->format = REPORT_TEXT;
	cli->rate = 0; /* with rate_given false: adaptive (net/pace.h) */
	cli->connect_timeout_ms = 1000;
	const char *ports = "445,139";
	const struct surface *surface = NULL;
	bool quic = false; /* --quic: U:443 too (a handshake an address: asked for, never default) */
	const char *policy_path = NULL;
	bool inflight_set = false;
	cli->targets = targets_new();

	rewrite_il(argc, argv);
	rewrite_nmap_outputs(argc, argv);
	if (refuse_nmap_output(argc, argv, err, errsz) != 0)
		return -1;
	/* 0, not 1: glibc then also forgets a cluster ("-sV") that a previous
	 * parse stopped in the middle of */
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":hvp:o:", long_opts, NULL)) != -1) {
		int rc = 0;
		cli->failed_at = optind - 1; /* the word just read, if this one is bad */
		switch (c) {
		case 'h': return OPTIONS_HELP;
		case OPT_LIST_CHECKS: return OPTIONS_LIST_CHECKS;
		case 'v': cli->verbose = true; break;
		case 'p': ports = optarg; break;
		case OPT_SURFACE:
			surface = surface_find(optarg);
			if (!surface) {
				char names[128];
				surface_names(names, sizeof names);
				snprintf(err, errsz, "bad --surface '%s': use %s", optarg, names);
				return -1;
			}
			break;
		case OPT_QUIC: quic = true; break;
		case 'o': cli->output = optarg; break;
		case OPT_EXCLUDE:
			rc = targets_exclude_list(cli->targets, optarg, err, errsz);
			spec_add(cli, "--exclude=", optarg);
			break;
		case OPT_EXCLUDE_FILE:
			rc = targets_exclude_file(cli->targets, optarg, err, errsz);
			spec_add(cli, "--exclude-file=", optarg);
			break;
		case OPT_IL:
			rc = targets_add_file(cli->targets, optarg, err, errsz);
			spec_add(cli, "-iL=", optarg);
			break;
		case OPT_DB:
			if (optarg[0] == '\0') {
				snprintf(err, errsz, "bad --db: empty path");
				return -1;
			}
			if (store_check_where(optarg, err, errsz) != 0)
				return -1;
			cli->db = optarg;
			break;
		case OPT_NO_DB: cli->no_db = true; break;
		case OPT_FORCE_LARGE: cli->force_large = true; break;
		case OPT_FORMAT: {
			int f = report_format_parse(optarg);
			if (f < 0) {
				snprintf(err, errsz, "bad --format '%s': use %s", optarg,
					 report_format_names);
				return -1;
			}
			cli->format = (enum report_format)f;
			break;
		}
		case OPT_VIEW:
			if (optarg[0] == '\0' || strlen(optarg) >= sizeof cli->sopts.view) {
				snprintf(err, errsz, "bad --view '%s': 1-31 characters", optarg);
				return -1;
			}
			record_set_str(cli->sopts.view, sizeof cli->sopts.view, optarg);
			break;
		case OPT_NO_PROGRESS: cli->no_progress = true; break;
		case OPT_NMAP_OX:
		case OPT_NMAP_OA:
			rc = add_nmap_outputs(cli, c == OPT_NMAP_OA, optarg, err, errsz);
			break;
		case OPT_POLICY: policy_path = optarg; break;
		case OPT_RELAY_LIST:
			if (optarg[0] == '\0') {
				snprintf(err, errsz, "bad --relay-list: empty file name");
				return -1;
			}
			rc = add_file_output(cli, REPORT_RELAY, optarg, "", err, errsz);
			break;
		case OPT_CHECKS:
			rc = check_parse_list(optarg, &cli->sopts.checks, err, errsz);
			break;
		case OPT_SEED: {
			char *end;
			errno = 0;
			cli->seed = strtoull(optarg, &end, 0);
			if (end == optarg || *end || errno || optarg[0] == '-') {
				snprintf(err, errsz, "bad --seed '%s': a number", optarg);
				return -1;
			}
			cli->seed_given = true;
			break;
		}
		case OPT_SHARD:
			if (parse_shard(optarg, &cli->shard_k, &cli->shard_n, err, errsz) != 0)
				return -1;
			break;
		case OPT_RESUME_FILE: cli->resume_file = optarg; break;
		case OPT_SYN: cli->syn = true; break;
		case OPT_SYN_IFACE:
			if (optarg[0] == '\0' || strlen(optarg) >= 16) {
				snprintf(err, errsz, "bad --syn-iface '%s': an interface name", optarg);
				return -1;
			}
			cli->syn_iface = optarg;
			cli->syn = true;
			break;
		case OPT_SYN_QUEUE:
			if (parse_uint(optarg, SYN_HITQ_CAP, &cli->syn_queue) != 0 ||
			    cli->syn_queue == 0) {
				snprintf(err, errsz, "bad --syn-queue '%s': 1-%u", optarg, SYN_HITQ_CAP);
				return -1;
			}
			cli->syn = true;
			break;
		case OPT_STATS_EVERY: {
			long ms = options_parse_duration_ms(optarg);
			if (ms < 1000) {
				snprintf(err, errsz, "bad --stats-every '%s': seconds, at least 1", optarg);
				return -1;
			}
			cli->stats_every_s = (unsigned)(ms / 1000);
			break;
		}
		case OPT_FAIL_ON:
			cli->fail_on = assess_severity_parse(optarg);
			if (cli->fail_on < 0) {
				snprintf(err, errsz,
					 "bad --fail-on '%s': use critical, high, medium, low or info",
					 optarg);
				return -1;
			}
			break;
		case OPT_MAX_INFLIGHT:
			if (parse_uint(optarg, 1000000, &cli->max_inflight) != 0 ||
			    cli->max_inflight == 0) {
				snprintf(err, errsz, "bad --max-inflight '%s': a number >= 1", optarg);
				return -1;
			}
			inflight_set = true;
			break;
		case OPT_RATE:
			if (parse_uint(optarg, 10000000, &cli->rate) != 0) {
				snprintf(err, errsz, "bad --rate '%s': connections per second, 0 = no cap",
					 optarg);
				return -1;
			}
			cli->rate_given = true;
			break;
		case OPT_CONNECT_TIMEOUT:
			rc = set_duration("--connect-timeout", optarg, &cli->connect_timeout_ms, err,
					  errsz);
			cli->connect_timeout_given = true;
			break;
		case OPT_READ_TIMEOUT:
			rc = set_duration("--read-timeout", optarg, &cli->sopts.read_timeout_ms, err,
					  errsz);
			break;
		case OPT_RPC_TIMEOUT:
			rc = set_duration("--rpc-timeout", optarg, &cli->sopts.rpc_timeout_ms, err,
					  errsz);
			break;
		case OPT_TIMEOUT:
			rc = set_duration("--timeout", optarg, &cli->sopts.deadline_ms, err, errsz);
			break;
		case OPT_DIALECTS:
			if (strcmp(optarg, "range") == 0 || strcmp(optarg, "each") == 0) {
				cli->sopts.dialects_each = optarg[0] == 'e';
			} else {
				snprintf(err, errsz, "bad --dialects '%s': range or each", optarg);
				return -1;
			}
			break;
		case OPT_RETRIES:
			if (parse_uint(optarg, 10, &cli->sopts.retries) != 0) {
				snprintf(err, errsz, "bad --retries '%s': 0-10", optarg);
				return -1;
			}
			break;
		case ':': {
			char name[64];
			options_unknown_option(argv, name, sizeof name);
			snprintf(err, errsz, "option '%s' needs a value", name);
			return -1;
		}
		default: {
			char name[64];
			options_unknown_option(argv, name, sizeof name);
			snprintf(err, errsz, "unknown option '%s'", name);
			return -1;
		}
		}
		if (rc != 0 && (c == OPT_EXCLUDE || c == OPT_EXCLUDE_FILE)) {
			/* say which list the bad item came from */
			char why[256];
			snprintf(why, sizeof why, "%s", err);
			snprintf(err, errsz, "%s: %s",
				 c == OPT_EXCLUDE ? "--exclude" : "--exclude-file", why);
		}
		if (rc != 0)
			return -1;
	}
	cli->mgmt_named = names_mgmt_port(ports); /* -p itself, before --quic adds */
	char with_quic[512];
	if (quic) {
		if ((size_t)snprintf(with_quic, sizeof with_quic, "%s,U:%u", ports, QUIC_SMB_PORT) >=
		    sizeof with_quic) {
			snprintf(err, errsz, "bad port list: too long");
			return -1;
		}
		ports = with_quic;
	}
	if (surface_ports(surface, ports, cli->ports_spec, sizeof cli->ports_spec) != 0) {
		snprintf(err, errsz, "bad port list: too long");
		return -1;
	}
	if (ports_parse(cli->ports_spec, &cli->ports, err, errsz) != 0)
		return -1;
	cli->ports_text = cli->ports_spec;
	cli->failed_at = 0;
	for (int i = optind; i < argc; i++) {
		cli->failed_at = i;
		if (refuse_file_target(argv[i], err, errsz) != 0)
			return -1;
		if (targets_add(cli->targets, argv[i], err, errsz) != 0)
			return -1;
		spec_add(cli, "", argv[i]);
	}
	cli->failed_at = 0;
	targets_finalize(cli->targets);
	if (targets_count(cli->targets) == 0) {
		snprintf(err, errsz, optind < argc ? "no targets left after excludes"
						   : "no targets given");
		return -1;
	}
	if (targets_is_large(cli->targets) && !cli->force_large) {
		char n[32];
		options_count_text(targets_count(cli->targets), n, sizeof n);
		snprintf(err, errsz,
			 "%s addresses is more than a /16 (IPv4) or /112 (IPv6); "
			 "add --force-large if you mean it",
			 n);
		return -1;
	}
	if (cli->syn && check_syn(cli, err, errsz) != 0)
		return -1;
	unsigned nofile = options_raise_nofile();
	/* leave descriptors for the loop, the output and the resolver */
	unsigned cap = nofile > 64 ? nofile - 32 : 32;
	if (!inflight_set)
		cli->max_inflight = cap < MAX_INFLIGHT_DEFAULT ? cap : MAX_INFLIGHT_DEFAULT;
	else if (cli->max_inflight > cap)
		cli->max_inflight = cap;
	if (policy_path && load_policy(cli, policy_path, err, errsz) != 0)
		return -1;
	return 0;
}

/* --policy FILE: parsed now, so a bad file stops the scan before it starts;
 * --view segment:NAME must name a segment of it (else nothing verifies it). */
static int load_policy(struct scan_cli *cli, const char *path, char *err, size_t errsz)
{
	struct policy_diag *d = malloc(sizeof *d);
	if (!d) {
		snprintf(err, errsz, "--policy: out of memory");
		return -1;
	}
	cli->policy = policy_load(path, d);
	if (!cli->policy) {
		if (d->n > 1)
			snprintf(err, errsz, "--policy: %s (and %u more: smbwatch policy check %s)",
				 d->msg[0], d->n - 1, path);
		else
			snprintf(err, errsz, "--policy: %s", d->n ? d->msg[0] : "out of memory");
		free(d);
		return -1;
	}
	free(d);
	const char *view = cli->sopts.view;
	if (strncmp(view, "segment:", 8) == 0 && !policy_vantage_section(cli->policy, view)) {
		snprintf(err, errsz, "--view %s: %s has no [segment %s]", view, path, view + 8);
		policy_free(cli->policy);
		cli->policy = NULL;
		return -1;
	}
	return 0;
}

void options_scan_free(struct scan_cli *cli)
{
	targets_free(cli->targets);
	cli->targets = NULL;
	free(cli->target_spec);
	cli->target_spec = NULL;
	ports_free(&cli->ports);
	policy_free(cli->policy);
	cli->policy = NULL;
	for (unsigned i = 0; i < cli->n_files; i++)
		free(cli->files[i].path);
	cli->n_files = 0;
}

int options_parse_text_json(const char *cmd, const char *arg, bool *json)
{
	if (strcmp(arg, "json") != 0 && strcmp(arg, "text") != 0) {
		fprintf(stderr, "smbwatch %s: bad --format '%s': text or json\n", cmd, arg);
		return -1;
	}
	*json = strcmp(arg, "json") == 0;
	return 0;
}

void options_bad_option(const char *cmd, char **argv)
{
	char name[64];
	options_unknown_option(argv, name, sizeof name);
	fprintf(stderr, "smbwatch %s: bad option '%s' (see --help)\n", cmd, name);
}
