/* svc_summary.h - the few fields of a stored service record that the
 * dashboard lists (name, OS, dialects, SMB1, signing, findings), read from
 * the record JSON (docs/record.md). */
#ifndef SMBW_SERVE_SVC_SUMMARY_H
#define SMBW_SERVE_SVC_SUMMARY_H

#include <jansson.h>

/* row: a query row with "ip", "port", "record" (JSON text) and maybe
 * "scanned_at". Returns a new object: ip, port, scanned_at, name, os,
 * dialects (array), smb1 (bool), signing ("required" | "enabled" |
 * "disabled" | null), findings ([{id, severity, title}], info ones too),
 * worst (the highest severity, "" when none above info). */
json_t *svc_summary_of_row(json_t *row);
/* Sort an array of summaries: worst severity first, then address. */
void svc_summary_sort_worst_first(json_t *arr);
/* Rank of a summary's worst finding: -1 none, 1 low .. 4 critical. */
int svc_summary_worst_rank(json_t *sum);

#endif
