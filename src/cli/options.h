/* options.h - parsing of `scan` options into a checked configuration, and
 * the small helpers the scan driver needs. */
#ifndef SMBW_CLI_OPTIONS_H
#define SMBW_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "net/ports.h"
#include "net/targets.h"
#include "probe/probe.h"
#include "report/report.h"

#define OPTIONS_HELP 1
#define OPTIONS_LIST_CHECKS 2 /* --list-checks: print check/check.h's table */
#define SCAN_MAX_FILE_OUTPUTS 6

struct syn_io;
struct policy;

struct scan_cli {
	struct target_set *targets; /* finalized */
	struct port_list ports;
	struct scan_opts sopts;
	enum report_format format;
	const char *output;
	/* more reports to files besides the one above: -oX FILE, -oA BASE */
	unsigned n_files;
	struct scan_file_output {
		enum report_format format;
		char *path; /* owned */
	} files[SCAN_MAX_FILE_OUTPUTS];
	unsigned max_inflight;
	/* monitor: seconds between its runs, stored with each run (serve shows
	 * when the next is due); 0 = a one-off scan */
	long every_s;
	unsigned rate;               /* --rate, 0 = no cap */
	bool rate_given;             /* else the adaptive default (net/pace.h) */
	unsigned connect_timeout_ms;
	bool connect_timeout_given;  /* else it may grow when servers are overloaded */
	bool force_large;
	bool no_progress;
	bool verbose;      /* -v: each error's target and reason on stderr */
	int fail_on; /* enum severity, or -1 */
	/* the store (store/store.h): --db PATH|URL, --no-db */
	const char *db;    /* NULL = the default path */
	bool no_db;
	char *target_spec; /* targets, -iL and excludes as typed: the run's scope */
	const char *ports_text;
	char ports_spec[512]; /* -p with what --surface adds: ports_text points here */
	/* -p itself names a management port (22, 3389, 5985, 5986): its services are
	 * reported on hosts without SMB too (scan/mgmt_hold.h) */
	bool mgmt_named;
	/* order, shards, resume (issue: scale) */
	uint64_t seed;
	bool seed_given;
	unsigned shard_k, shard_n;  /* 1/1 = the whole scan */
	uint64_t start_position;    /* shard-relative; set by --resume */
	const uint64_t *resume_done; /* finished above it (ascending), by --resume */
	size_t n_resume_done;
	const char *resume_file;    /* written when interrupted */
	unsigned stats_every_s;     /* 0 = no JSON stats lines */
	/* --syn: raw SYN discovery first (scan/scan_syn.h) */
	bool syn;
	const char *syn_iface;      /* --syn-iface; NULL = the route's interface */
	unsigned syn_queue;         /* --syn-queue; 0 = the default */
	struct syn_io *syn_io;      /* opened by `scan` before the privilege drop */
	struct policy *policy;      /* --policy FILE (policy/policy.h), or NULL */
	int failed_at;              /* argv index of the word an error is about, or 0 */
	int argc;                   /* the arguments as given, for the resume file */
	char **argv;
};

/* Parse argv (argv[0] = "scan"). Returns 0, OPTIONS_HELP for --help,
 * OPTIONS_LIST_CHECKS for --list-checks, or -1
 * with a one-line message in err. Resolves names and reads files. */
int options_parse_scan(int argc, char **argv, struct scan_cli *cli, char *err, size_t errsz);
void options_scan_free(struct scan_cli *cli);

/* "500ms", "2s", "1.5", "1m" -> milliseconds; -1 if malformed. */
long options_parse_duration_ms(const char *s);
/* An address count as text: targets_count() saturates at 2^64 - 1 (::/0
 * has 2^128), which is shown as "more than 2^64", never as 18446744073709551615. */
void options_count_text(uint64_t n, char *out, size_t outsz);
/* The address part of a sockaddr as text (no port, no brackets). */
/* The driver's own config (scan/scan_run.h) from the parsed options. */
struct scan_config;
void options_scan_config(const struct scan_cli *cli, struct scan_config *cfg);
/* Raise RLIMIT_NOFILE to its hard limit; returns the soft limit now. */
unsigned options_raise_nofile(void);

/* --format of the store commands (diff, history): "text" or "json" (sets
 * *json). Anything else: "smbwatch CMD: bad --format 'ARG': text or json"
 * on stderr and -1. */
int options_parse_text_json(const char *cmd, const char *arg, bool *json);
/* "smbwatch CMD: bad option 'ARG' (see --help)" on stderr, after
 * getopt_long returned an unknown option ('?') or a missing value (':'). */
void options_bad_option(const char *cmd, char **argv);
/* The option getopt_long just refused, as the user typed it ("-sV", "-Pn",
 * "--bogus"), from optind/optopt: argv[optind - 1] alone names the word
 * before an unknown short option that has letters after it. */
void options_unknown_option(char **argv, char *out, size_t outsz);

#endif
