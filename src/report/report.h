/* report.h - output writers: text (default), line, jsonl, csv, and the
 * formats other tools import (nmap-xml, defectdojo, ecs), and a
 * self-contained HTML report (html).
 *
 * Every writer has one interface so scan, monitor and sensor share them.
 * report_service() is called once per SMB service as soon as it is done
 * (jsonl/csv/line stream it out at once; text collects and prints one
 * block per host at report_finish()). */
#ifndef SMBW_REPORT_H
#define SMBW_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "record/record.h"

enum report_format {
	REPORT_TEXT = 0,
	REPORT_LINE,
	REPORT_JSONL,
	REPORT_CSV,
	REPORT_NMAP_XML,
	REPORT_DEFECTDOJO,
	REPORT_ECS,
	REPORT_HTML,
	REPORT_RELAY, /* NTLM relay targets (--relay-list) */
};

/* "text, line, jsonl, csv, nmap-xml, defectdojo, ecs, html, relay": for messages. */
extern const char report_format_names[];

/* Parse a format name (report_format_names); -1 if unknown. */
int report_format_parse(const char *s);

#define SUMMARY_MAX_REASONS 8

struct scan_summary {
	uint64_t targets;       /* addresses x ports attempted */
	uint64_t open, closed, filtered, errors;
	uint64_t services;      /* SMB services found */
	uint64_t other_services; /* other records: the endpoint mapper, the name service */
	uint64_t connections;   /* what the services found cost their servers */
	uint64_t conn_retries;  /*   (the records' cost), and the retries among them */
	double seconds;
	bool interrupted;       /* stopped by a signal before the end */
	/* errors by reason, most frequent first once sorted; reasons past the
	 * table are counted in other_errors */
	struct {
		char why[80];
		uint64_t n;
	} reasons[SUMMARY_MAX_REASONS];
	unsigned n_reasons;
	uint64_t other_errors;
};

/* "3 SMB services", or "3 SMB services and 2 other services" when the scan
 * found services that are not SMB (135, U:137): the summaries' first words. */
void summary_services_text(const struct scan_summary *sum, char *out, size_t outsz);

/* Count one error of reason why in sum (errors itself is the caller's). */
void summary_add_error(struct scan_summary *sum, const char *why);

struct report;
struct report *report_new(enum report_format fmt, FILE *out);
/* What the run was, for the writers whose format has a place for it (nmap
 * XML's nmaprun args/start/scaninfo, ECS's observer). Call before the first
 * report_service(); strings are copied. Any field may be NULL/0. */
/* Findings of one earlier run, by severity (enum severity index). */
struct report_trend_point {
	int64_t at;           /* unix seconds the run started */
	unsigned sev[SEV_CRITICAL + 1];
};
struct report_run {
	const char *args;     /* the command line as typed */
	const char *ports;    /* "445,139" */
	const char *view;     /* --view: where the scan ran from */
	int64_t start;        /* unix seconds */
	/* earlier complete runs of the same targets, ports and view, oldest
	 * first (copied): the HTML report charts them with this run */
	const struct report_trend_point *trend;
	size_t n_trend;
};
void report_set_run(struct report *r, const struct report_run *run);
void report_service(struct report *r, const struct svc_record *rec);
void report_finish(struct report *r, const struct scan_summary *sum);
void report_free(struct report *r);

/* One line of the relay target list (--relay-list, serve's relay.txt):
 * "ip" for port 445, else "ip:port" or "[v6]:port" (ntlmrelayx -tf). */
#define REPORT_RELAY_LINE_MAX 80
void report_relay_line(const char *ip, unsigned port, char *out, size_t outsz);

/* "Targets: N tried: O open, C closed, F filtered, E errors" and a newline,
 * then, when there were errors, "Errors: N reason; M reason": the text
 * report's closing lines, and stderr's for the other formats. */
void report_targets_line(FILE *f, const struct scan_summary *sum, const char *prefix);

#endif
