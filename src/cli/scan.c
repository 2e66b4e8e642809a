/* scan.c - `smbwatch scan`: options -> targets -> services -> report.
 *
 * Everything the user typed is checked before the first packet: a bad
 * target, port list, file or option ends with a one-line error and exit
 * status 2. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "assess/assess.h"
#include "check/check.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "scan/scan_run.h"
#include "cli/scan_store.h"
#include "cli/scan_trend.h"
#include "net/privdrop.h"
#include "net/resume.h"
#include "net/syn.h"
#include "net/targets.h"
#include "policy/policy.h"
#include "report/report.h"

#define EXIT_OK 0
#define EXIT_FINDINGS 1
#define EXIT_USAGE 2
#define EXIT_RUNTIME 3
#define EXIT_INTERRUPTED 130 /* 128 + SIGINT */

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
	"                        probed as SMB; 139 speaks NetBIOS session first;\n"
	"                        135 lists the RPC endpoint mapper (the epm check)\n"
	"                        U:137 (nmap style) asks the NetBIOS name service\n"
	"                        for its name table (NBSTAT over UDP); U:443 looks\n"
	"                        for SMB over QUIC (the quic check); 3389, 5985,\n"
	"                        5986 and 22 get the mgmt check (RDP, WinRM, WinRM\n"
	"                        over HTTPS with its certificate, SSH)\n"
	"  --surface NAME        default (the ports of -p) or full: adds 135, U:137\n"
	"                        and 3389, 5985, 5986, 22 (RDP, WinRM, SSH: reported\n"
	"                        only beside SMB, unless -p names them);\n"
	"  --quic                adds U:443: SMB over QUIC (a QUIC handshake an\n"
	"                        address, so never in the default scan);\n"
	"                        --list-checks shows which check runs on which port\n"
	"\n"
	"output:\n"
	"  --format FMT          text (default), line, jsonl, csv, nmap-xml (nmap's -oX\n"
	"                        format: Metasploit db_import, Faraday, libnmap),\n"
	"                        defectdojo (Generic Findings Import JSON), ecs (Elastic\n"
	"                        Common Schema JSON lines), html (one self-contained\n"
	"                        page: charts, hosts worst first, sortable tables;\n"
	"                        e.g. --format html -o report.html), relay (the\n"
	"                        --relay-list lines); see docs/exports.md\n"
	"  -o, --output FILE     write the report to FILE instead of stdout\n"
	"  -oX FILE              also write nmap XML to FILE (e.g. -oX lab.xml)\n"
	"  -oA BASE              also write BASE.txt (text), BASE.jsonl and BASE.xml\n"
	"  --relay-list FILE     also write the NTLM relay targets to FILE: every\n"
	"                        service that does not require signing, one 'ip' (or\n"
	"                        'ip:port' when not 445) a line, for ntlmrelayx -tf\n"
	"  --view NAME           where this scan runs from (default internal);\n"
	"                        external, or segment:NAME for a --policy segment\n"
	"  --policy FILE         check every service against the exposure policy in\n"
	"                        FILE (docs/policy.md): a broken rule is a\n"
	"                        POLICY_VIOLATION finding; from a view whose section\n"
	"                        says smb = deny, one line says whether the check\n"
	"                        passed (nothing answered SMB) or failed\n"
	"  --no-progress         no progress line on stderr (shown only on a terminal)\n"
	"  -v, --verbose         each target that ended in an error, with the reason,\n"
	"                        on stderr (the summary counts errors by reason)\n"
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
	"  --checks LIST         comma-separated check names (see --list-checks),\n"
	"                        all (default) or none (fingerprint only)\n"
	"  --list-checks         print every check with what it does, and exit\n"
	"\n"
	"speed and politeness:\n"
	"  --max-inflight N      connections at once (default: from the open-file limit,\n"
	"                        at most 16384; about 2.5 KiB each); a service may hold\n"
	"                        two, so N/2 services run at once (1: one, and each\n"
	"                        check opens its own connection)\n"
	"  --rate N              new connections per second, backed off while servers\n"
	"                        drop connections; 0 = no cap (default: adaptive, starts\n"
	"                        at 1000/s, grows by a quarter each second the targets\n"
	"                        keep up, to 10000/s; cut by a quarter on overload)\n"
	"  --connect-timeout T   connect timeout (default 1s)\n"
	"  --read-timeout T      wait for each answer (default 2s)\n"
	"  --rpc-timeout T       wait for each DCE/RPC answer: pipe open, bind, share\n"
	"                        list (default 10s: servers start RPC services on\n"
	"                        demand); a check that times out is retried once\n"
	"  --timeout T           deadline per service, all its connections (default 20s)\n"
	"  --retries N           retries of a timed-out connect (default 1)\n"
	"  --dialects range|each how to list SMB2/3 dialects: range (default) looks for\n"
	"                        the lowest (one more connection when 2.0.2 is accepted,\n"
	"                        at most 4; none with SMB1 on) and fills in the ones\n"
	"                        between (Windows and Samba have no holes); each asks\n"
	"                        one by one (one connection per dialect, finds holes)\n"
	"  T: 500ms, 2s, 1.5 (seconds), 1m\n"
	"\n"
	"order, shards, resume:\n"
	"  --seed N              order of the scan (a keyed permutation of addresses x\n"
	"                        ports); random by default and printed at start\n"
	"  --shard K/N           scan slice K of N; with the same --seed on N machines\n"
	"                        the slices are disjoint and together cover everything\n"
	"                        (without --seed, shards take it from the targets and\n"
	"                        ports as typed, the same on every shard)\n"
	"  --shard env:VAR/N     slice $VAR+1 of N: VAR holds a 0-based index, e.g.\n"
	"                        env:JOB_COMPLETION_INDEX/N in a Kubernetes Indexed Job\n"
	"  --resume FILE         continue an interrupted scan (Ctrl-C or SIGTERM writes\n"
	"                        FILE, default ./smbwatch.resume; see --resume-file)\n"
	"  --resume-file FILE    where to write the resume file when interrupted\n"
	"  --stats-every T       print progress as JSON lines on stderr every T\n"
	"\n"
	"raw SYN discovery (IPv4; needs root or CAP_NET_RAW, dropped once the\n"
	"sockets are open):\n"
	"  --syn                 find open ports with stateless raw SYNs at --rate per\n"
	"                        second (--retries resends after --connect-timeout);\n"
	"                        only ports that answer SYN-ACK get SMB connections\n"
	"  --syn-iface IF        capture replies on IF (default: the interface of the\n"
	"                        route to the first target); implies --syn\n"
	"  --syn-queue N         hits waiting for the SMB stage at most (default 262144);\n"
	"                        when full the SYN sender pauses; implies --syn\n"
	"\n"
	"exit status: 0 scan ran, 1 a finding at or above --fail-on, 2 bad usage or\n"
	"input, 3 runtime failure (a database that cannot be opened: nothing is\n"
	"scanned; one that fails later: the results are still printed), 130\n"
	"interrupted (Ctrl-C; resume with --resume FILE)\n";

struct scan_output {
	struct report *report;
	/* -oX / -oA files, besides the main report */
	unsigned n_files;
	struct report *file_reports[SCAN_MAX_FILE_OUTPUTS];
	FILE *files[SCAN_MAX_FILE_OUTPUTS];
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
	for (unsigned i = 0; i < o->n_files; i++)
		report_service(o->file_reports[i], rec);
	scan_store_service(&o->rec, rec);
}

/* `--resume FILE` alone (or with nothing else) replaces the command line
 * with the one saved in FILE. Returns 1 when argv asked for a resume. */
static int find_resume(int argc, char **argv, const char **path)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--resume") == 0 && i + 1 < argc) {
			*path = argv[i + 1];
			return 1;
		}
		if (strncmp(argv[i], "--resume=", 9) == 0) {
			*path = argv[i] + 9;
			return 1;
		}
	}
	return 0;
}

static uint64_t random_seed(void)
{
	uint64_t seed = 0;
	if (getrandom(&seed, sizeof seed, 0) != sizeof seed)
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	return seed & 0xFFFFFFFFFFFFull; /* short enough to type back in */
}

/* A sharded scan without --seed: every shard must walk the same
 * permutation or the slices overlap and miss, so the seed comes from what
 * all shards share, the targets and ports as typed (FNV-1a). The next run of
 * the same slice is then the same slice too. */
static uint64_t shared_seed(const char *targets, const char *ports)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *s = targets ? targets : ""; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	h = (h ^ '\n') * 0x100000001b3ull;
	for (const char *s = ports ? ports : ""; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h & 0xFFFFFFFFFFFFull;
}

/* Open the raw socket and the capture while we may (exit 2 if we may not). */
static int syn_open(struct scan_cli *cli)
{
	struct sockaddr_storage first;
	char err[512];
	targets_get(cli->targets, 0, &first); /* IPv4: options refused IPv6 */
	uint32_t dst = ntohl(((struct sockaddr_in *)(void *)&first)->sin_addr.s_addr);
	if (syn_io_open(cli->syn_iface, dst, &cli->syn_io, err, sizeof err) != 0) {
		fprintf(stderr, "smbwatch scan: %s\n", err);
		return -1;
	}
	char src[INET_ADDRSTRLEN];
	struct in_addr a = {.s_addr = htonl(syn_io_src(cli->syn_io))};
	inet_ntop(AF_INET, &a, src, sizeof src);
	fprintf(stderr, "smbwatch: --syn: capturing on %s, SYNs from %s:%u\n",
		syn_io_iface(cli->syn_io), src, syn_io_sport(cli->syn_io));
	return 0;
}

/* After the drop: say now, not at Ctrl-C, if the resume file cannot be
 * written any more (it is replaced by rename, so its directory counts). */
static void syn_check_resume(const char *path, uid_t uid)
{
	char dir[4096];
	if (!path || strlen(path) >= sizeof dir)
		return;
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (access(dir, W_OK | X_OK) != 0)
		fprintf(stderr,
			"smbwatch: --syn: uid %lu cannot write in '%s': if interrupted, this scan "
			"cannot save its resume file (see --resume-file)\n",
			(unsigned long)uid, dir);
}

static int syn_drop(const char *resume_file)
{
	uid_t uid;
	gid_t gid;
	char err[256];
	if (privdrop(&uid, &gid, err, sizeof err) != 0) {
		fprintf(stderr, "smbwatch scan: --syn: %s; not scanning\n", err);
		return -1;
	}
	fprintf(stderr, "smbwatch: --syn: privileges dropped, now uid %lu gid %lu\n",
		(unsigned long)uid, (unsigned long)gid);
	syn_check_resume(resume_file, uid);
	return 0;
}

/* "smbwatch scan ARG..." for the reports that record the command line. */
static char *command_line(int argc, char **argv)
{
	size_t n = sizeof "smbwatch";
	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	char *s = malloc(n);
	if (!s)
		return NULL;
	size_t len = (size_t)snprintf(s, n, "smbwatch");
	for (int i = 0; i < argc; i++)
		len += (size_t)snprintf(s + len, n - len, " %s", argv[i]);
	return s;
}

/* Open the -oX / -oA files and their reports; -1 with a message if one
 * cannot be written. */
static int open_file_outputs(const struct scan_cli *cli, struct scan_output *o, bool append)
{
	for (unsigned i = 0; i < cli->n_files; i++) {
		FILE *f = fopen(cli->files[i].path, append ? "a" : "w");
		if (!f) {
			fprintf(stderr, "smbwatch scan: cannot write '%s': %s\n", cli->files[i].path,
				strerror(errno));
			return -1;
		}
		o->files[o->n_files] = f;
		o->file_reports[o->n_files] = report_new(cli->files[i].format, f);
		o->n_files++;
		if (!o->file_reports[o->n_files - 1])
			return -1;
	}
	return 0;
}

/* Finish and close the -oX / -oA files; -1 if one could not be written. */
static int close_file_outputs(const struct scan_cli *cli, struct scan_output *o,
			      const struct scan_summary *sum)
{
	int rc = 0;
	for (unsigned i = 0; i < o->n_files; i++) {
		if (o->file_reports[i]) {
			if (sum)
				report_finish(o->file_reports[i], sum);
			report_free(o->file_reports[i]);
		}
		if (fclose(o->files[i]) != 0) {
			fprintf(stderr, "smbwatch scan: writing '%s': %s\n", cli->files[i].path,
				strerror(errno));
			rc = -1;
		}
	}
	o->n_files = 0;
	return rc;
}

/* The run's counts on stderr, for formats whose stream holds services only. */
static void print_summary(const struct scan_summary *sum)
{
	char what[96];
	summary_services_text(sum, what, sizeof what);
	fprintf(stderr, "smbwatch: %s in %.1f s%s\n", what, sum->seconds,
		sum->interrupted ? " (interrupted)" : "");
	report_targets_line(stderr, sum, "smbwatch: ");
}

/* --policy with --view external / segment:NAME whose section says smb =
 * deny: the segmentation check's verdict, passed included (docs/policy.md). */
static void print_vantage_verdict(const struct scan_cli *cli, const struct scan_summary *sum)
{
	char line[400];
	if (policy_vantage_verdict(cli->policy, cli->sopts.view, sum->services, sum->errors,
				   sum->interrupted, line, sizeof line) != POLICY_VANTAGE_NONE)
		fprintf(stderr, "smbwatch: %s\n", line);
}

int cli_scan(int argc, char **argv)
{
	struct scan_cli cli;
	char err[512];
	struct resume_state resume = {0};
	const char *resume_path = NULL;
	if (find_resume(argc, argv, &resume_path)) {
		if (resume_read(resume_path, &resume, err, sizeof err) != 0) {
			fprintf(stderr, "smbwatch scan: %s\n", err);
			return EXIT_USAGE;
		}
		argc = resume.argc;
		argv = resume.argv;
	}
	int rc = options_parse_scan(argc, argv, &cli, err, sizeof err);
	if (rc == 0 && resume_path) {
		cli.seed = resume.seed;
		cli.seed_given = true;
		cli.shard_k = resume.shard_k;
		cli.shard_n = resume.shard_n;
		cli.start_position = resume.position;
		cli.resume_done = resume.done;
		cli.n_resume_done = resume.n_done;
		cli.resume_file = resume_path;
	}
	if (rc == OPTIONS_LIST_CHECKS) {
		check_print_list(stdout);
		options_scan_free(&cli);
		resume_free(&resume);
		return EXIT_OK;
	}
	if (rc == OPTIONS_HELP) {
		fputs(scan_usage, stdout);
		options_scan_free(&cli);
		return EXIT_OK;
	}
	if (rc != 0) {
		options_scan_free(&cli);
		resume_free(&resume);
		fprintf(stderr, "smbwatch scan: %s (see --help)\n", err);
		return EXIT_USAGE;
	}
	if (cli.syn && syn_open(&cli) != 0) {
		options_scan_free(&cli);
		resume_free(&resume);
		return EXIT_USAGE;
	}
	if (!cli.seed_given)
		cli.seed = cli.shard_n > 1 ? shared_seed(cli.target_spec, cli.ports_text) : random_seed();
	unsigned long long n_addr = targets_count(cli.targets);
	char n_text[32];
	options_count_text(n_addr, n_text, sizeof n_text);
	fprintf(stderr, "smbwatch: %s address%s x %u port%s, seed %llu%s", n_text,
		n_addr == 1 ? "" : "es", cli.ports.n, cli.ports.n == 1 ? "" : "s",
		(unsigned long long)cli.seed, cli.shard_n > 1 ? "" : "\n");
	if (cli.shard_n > 1)
		fprintf(stderr, ", shard %u/%u\n", cli.shard_k, cli.shard_n);

	struct scan_output o = {.fail_on = cli.fail_on};
	/* The store is opened (created) and the run begun before the first
	 * packet: a database that cannot be written would otherwise cost the
	 * history of a whole scan, found out only at its end. A write that
	 * fails later still costs only the history: exit 3 at the end. */
	struct store *st = NULL;
	int status_early = EXIT_OK;
	bool db_failed = false;
	if ((!cli.no_db && scan_store_open(&cli, "scan", &st) != 0) ||
	    scan_store_begin(&o.rec, st, &cli, "scan") != 0) {
		fprintf(stderr, "smbwatch scan: nothing scanned (--db PATH elsewhere, or --no-db "
				"to scan without history)\n");
		store_close(st);
		syn_io_free(cli.syn_io);
		options_scan_free(&cli);
		resume_free(&resume);
		return EXIT_RUNTIME;
	}

	FILE *out = stdout;
	if (cli.output) {
		/* a resumed scan adds to what the first part wrote */
		out = fopen(cli.output, resume_path ? "a" : "w");
		if (!out) {
			fprintf(stderr, "smbwatch scan: cannot write '%s': %s\n", cli.output,
				strerror(errno));
			store_close(st);
			syn_io_free(cli.syn_io);
			options_scan_free(&cli);
			resume_free(&resume);
			return EXIT_USAGE;
		}
	}
	o.report = report_new(cli.format, out);
	if (open_file_outputs(&cli, &o, resume_path != NULL) != 0) {
		close_file_outputs(&cli, &o, NULL);
		report_free(o.report);
		if (out != stdout)
			fclose(out);
		store_close(st);
		syn_io_free(cli.syn_io);
		options_scan_free(&cli);
		resume_free(&resume);
		return EXIT_USAGE;
	}
	char *args = command_line(argc, argv);
	/* the HTML report charts the findings of this scan's earlier runs */
	struct report_trend_point trend[30];
	size_t n_trend = 0;
	bool want_trend = cli.format == REPORT_HTML;
	for (unsigned i = 0; i < cli.n_files; i++)
		want_trend = want_trend || cli.files[i].format == REPORT_HTML;
	if (want_trend && !o.rec.failed)
		n_trend = scan_trend_load(o.rec.st, &o.rec.run, trend, sizeof trend / sizeof trend[0]);
	struct report_run run = {
		.args = args,
		.ports = cli.ports_text,
		.view = cli.sopts.view,
		.start = (int64_t)time(NULL),
		.trend = trend,
		.n_trend = n_trend,
	};
	report_set_run(o.report, &run);
	for (unsigned i = 0; i < o.n_files; i++)
		report_set_run(o.file_reports[i], &run);
	free(args);
	/* everything that needs root is open now (raw socket, capture, output,
	 * database): give it up before the first packet is parsed */
	if (cli.syn_io && syn_drop(cli.resume_file) != 0)
		status_early = EXIT_RUNTIME;
	struct scan_hooks hooks = {.service = on_service, .ud = &o};
	struct scan_summary sum;
	bool show_progress = !cli.no_progress && isatty(STDERR_FILENO);
	int status = status_early;
	if (status != EXIT_OK)
		memset(&sum, 0, sizeof sum); /* privileges kept: scan nothing */
	struct scan_config cfg;
	options_scan_config(&cli, &cfg);
	if (status == EXIT_OK && scan_execute(&cfg, &hooks, show_progress, &sum) != 0) {
		fprintf(stderr, "smbwatch scan: the scan could not start\n");
		status = EXIT_RUNTIME;
	}
	report_finish(o.report, &sum);
	report_free(o.report);
	if (close_file_outputs(&cli, &o, &sum) != 0)
		status = EXIT_RUNTIME;
	if (cli.format != REPORT_TEXT && status == EXIT_OK)
		print_summary(&sum); /* the text report ends with it; the others have no place */
	if (status == EXIT_OK)
		print_vantage_verdict(&cli, &sum);
	if (scan_store_end(&o.rec, &sum, NULL) != 0)
		db_failed = true;
	store_close(st);
	if (status == EXIT_OK && o.fail_hit)
		status = EXIT_FINDINGS;
	/* Ctrl-C: the shell's convention, so scripts see the scan is partial
	 * (the resume hint was printed when the services in flight ended) */
	if (status != EXIT_RUNTIME && sum.interrupted)
		status = EXIT_INTERRUPTED;
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
	syn_io_free(cli.syn_io);
	options_scan_free(&cli);
	resume_free(&resume);
	return status;
}
