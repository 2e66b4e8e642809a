/* scan_run.h - one scan: every target x port through the service
 * conversations, under net/pace's rate and window, with progress and signal
 * handling. Used by `scan` and (on a schedule) by `monitor`; cli/ parses the
 * options into a struct scan_config and knows nothing else of the driver. */
#ifndef SMBW_SCAN_SCAN_RUN_H
#define SMBW_SCAN_SCAN_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/ports.h"
#include "probe/probe.h"
#include "record/record.h"
#include "report/report.h"

struct target_set;
struct syn_io;
struct policy;

/* What one scan is asked to do: targets, pacing, order, resume, outputs
 * the driver itself writes (resume file, stats lines). */
struct scan_config {
	struct target_set *targets;
	struct port_list ports;
	struct scan_opts sopts;     /* per-service: checks, timeouts, retries, view */
	unsigned max_inflight;      /* connections at once */
	unsigned rate;              /* new connections a second, 0 = no cap */
	bool rate_given;            /* false: the adaptive default (net/pace.h) */
	unsigned connect_timeout_ms;
	bool connect_timeout_given; /* else it grows while servers are overloaded */
	bool verbose;               /* each error's target and reason on stderr */
	bool mgmt_named;            /* report management ports on hosts without SMB */
	uint64_t seed;
	unsigned shard_k, shard_n;
	uint64_t start_position;     /* shard-relative, from a resume file */
	const uint64_t *resume_done; /* finished above it (ascending) */
	size_t n_resume_done;
	const char *resume_file;     /* written when interrupted; NULL: none */
	int argc;                    /* the arguments, for the resume file */
	char **argv;
	unsigned stats_every_s;      /* 0 = no JSON stats lines */
	struct syn_io *syn_io;       /* --syn: raw SYN discovery first, or NULL */
	unsigned syn_queue;          /* 0 = the default */
	struct policy *policy;       /* POLICY_VIOLATION findings, or NULL */
};

struct scan_hooks {
	/* Called once per SMB service, with findings already assessed. */
	void (*service)(struct svc_record *rec, void *ud);
	void *ud;
};

/* Run the scan described by cfg to the end (or until SIGINT/SIGTERM: the
 * services in flight finish, no new ones start, and sum->interrupted is
 * set). show_progress draws the stderr progress line. Returns 0, or -1 on a
 * local failure (the event loop could not start). */
int scan_execute(const struct scan_config *cfg, const struct scan_hooks *hooks, bool show_progress,
		 struct scan_summary *sum);

#endif
