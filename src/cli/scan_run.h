/* scan_run.h - one scan: every target x port through the service
 * conversations, under the engine's caps, with progress and signal handling.
 * Used by `scan` and (on a schedule) by `monitor`. */
#ifndef SMBW_CLI_SCAN_RUN_H
#define SMBW_CLI_SCAN_RUN_H

#include <stdbool.h>

#include "cli/options.h"
#include "record/record.h"
#include "report/report.h"

struct scan_hooks {
	/* Called once per SMB service, with findings already assessed. */
	void (*service)(struct svc_record *rec, void *ud);
	void *ud;
};

/* Run the scan described by cli to the end (or until SIGINT/SIGTERM: the
 * services in flight finish, no new ones start, and sum->interrupted is
 * set). show_progress draws the stderr progress line. Returns 0, or -1 on a
 * local failure (the event loop could not start). */
int scan_execute(const struct scan_cli *cli, const struct scan_hooks *hooks, bool show_progress,
		 struct scan_summary *sum);

#endif
