/* scan_trend.h - the findings of earlier runs of the same scan (same
 * scope and view, complete runs only), read from the store for the HTML
 * report's "findings over time" chart. */
#ifndef SMBW_CLI_SCAN_TREND_H
#define SMBW_CLI_SCAN_TREND_H

#include <stddef.h>

#include "report/report.h"
#include "store/store.h"

/* At most max runs before cur (cur->id, cur->scope, cur->view), oldest
 * first, into out; returns how many (0 on any store error: the chart is
 * left out, the report is not). */
size_t scan_trend_load(struct store *st, const struct store_run *cur,
		       struct report_trend_point *out, size_t max);

#endif
