/* scan_store.h - storing a scan as it runs: one run row at the start, each
 * assessed service committed as soon as it is done, the counts at the end.
 * Shared by `scan` (one run) and `monitor` (one run per cycle).
 *
 * A store failure never stops the scan: the recorder prints one clear error,
 * stops writing and remembers it, so the caller still writes every result
 * to stdout/-o and exits with status 3. */
#ifndef SMBW_CLI_SCAN_STORE_H
#define SMBW_CLI_SCAN_STORE_H

#include <stdbool.h>

#include "cli/options.h"
#include "monitor/events.h"
#include "record/record.h"
#include "report/report.h"
#include "store/store.h"

struct scan_recorder {
	struct store *st;    /* borrowed; NULL = not storing */
	struct store_run run;
	const char *cmd;     /* "scan" / "monitor", for messages */
	bool failed;         /* an error was printed; nothing more is written */
	uint64_t stored;
	double put_seconds;  /* time spent in store_service_put (overhead) */
	/* the rules of the run's events, stored at its end (store.h:
	 * store_events_put); zero = the defaults. The monitor sets its own. */
	struct events_opts events_opts;
};

/* Open the store that cli asks for (--db, or the default path). Prints the
 * error (prefixed "smbwatch CMD: ") and returns -1 on failure. */
int scan_store_open(const struct scan_cli *cli, const char *cmd, struct store **out);
/* For readers (diff, history): a --db value (NULL = the default path) that
 * must already exist; nothing is created. */
int scan_store_open_existing(const char *db, const char *cmd, struct store **out);

/* Start a run; on failure prints, sets rec->failed and returns -1. */
int scan_store_begin(struct scan_recorder *rec, struct store *st, const struct scan_cli *cli,
		     const char *cmd);
void scan_store_service(struct scan_recorder *rec, const struct svc_record *r);
/* Close the run with the summary: complete unless interrupted. A complete
 * run's events are computed and stored with it (what `serve` shows);
 * events_out (may be NULL) then receives them, the caller's to decref (the
 * monitor delivers them without computing them again), else NULL. */
int scan_store_end(struct scan_recorder *rec, const struct scan_summary *sum,
		   json_t **events_out);

#endif
