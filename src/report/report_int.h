/* report_int.h - what the writers share inside report/: the writer
 * interface (one const table per format) and helpers that turn record
 * fields into display text. Not for use outside report/. */
#ifndef SMBW_REPORT_INT_H
#define SMBW_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "report/report.h"

struct report_ops {
	const char *name;
	/* per-writer state, or NULL on allocation failure */
	void *(*open)(FILE *out);
	/* optional: the run's context (report_set_run) */
	void (*run)(void *st, const struct report_run *run);
	void (*service)(void *st, const struct svc_record *rec);
	void (*finish)(void *st, const struct scan_summary *sum);
	void (*close)(void *st);
};

extern const struct report_ops report_text_ops;
extern const struct report_ops report_line_ops;
extern const struct report_ops report_jsonl_ops;
extern const struct report_ops report_csv_ops;
extern const struct report_ops report_nmapxml_ops;
extern const struct report_ops report_defectdojo_ops;
extern const struct report_ops report_ecs_ops;
extern const struct report_ops report_html_ops;
extern const struct report_ops report_relay_ops;


/* Copy s for a terminal: control bytes (ESC, CR, ...) from a hostile
 * server's strings become '?', so a NetBIOS name cannot rewrite the screen. */
void report_clean(const char *s, char *out, size_t outsz);
/* Best host name: NTLM NetBIOS computer, else SMB1 ServerName, else the
 * name service's unique <00> name; "" if none. */
const char *report_host_name(const struct svc_record *r);
/* "tcp", or "udp" for the name service's record */
const char *report_proto(const struct svc_record *r);
/* The record's transport word: "direct", "netbios" or "udp" */
const char *report_transport(const struct svc_record *r);
/* Best domain: NTLM NetBIOS domain, else SMB1 DomainName; "" if none. */
const char *report_domain(const struct svc_record *r);
/* "Windows 6.1 Build 0" from the NTLM VERSION (build_word picks the case
 * of "Build"); "" when absent. */
void report_windows_version(const struct svc_record *r, const char *build_word, char *out,
			    size_t outsz);
/* SMB2 dialect names joined by sep ("2.0.2 2.1"); "" when none. */
void report_dialects(const struct svc_record *r, const char *sep, char *out, size_t outsz);
/* The CVE a finding id stands for ("MS17_010" -> "CVE-2017-0143"), and a
 * page about it; NULL when it has none. */
const char *report_finding_cve(const char *id);
const char *report_finding_reference(const char *id);
/* Signing of the service: SMB2 when it answered, else SMB1. */
enum signing report_signing(const struct svc_record *r);

#endif
