/* diff.h - what changed between two stored service records.
 *
 * Records are compared field by field after normalisation:
 *  - volatile fields never count: scanned_at, smb2.system_time,
 *    smb2.boot_time, errors (they differ on every scan);
 *  - shares[] is keyed by share name and findings[] by finding id, so a new
 *    share is one change "shares.NAME" (null -> the share) and a share's
 *    flag is "shares.NAME.anonymous_read"; a finding's evidence text is not
 *    compared (the field it rests on is);
 *  - other arrays (dialects, capabilities, ciphers) are one value each;
 *  - a check's fields (and the findings resting on them) are compared only
 *    when the check has status "ok" in the new record and its value was
 *    known in the old one (status "ok", or "failed" with the last known
 *    value carried as stale); "checks" itself is volatile.
 * Field names are dotted JSON paths of the record contract. */
#ifndef SMBW_STORE_DIFF_H
#define SMBW_STORE_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* New array of {"field": "smb1.enabled", "old": false, "new": true}, sorted
 * by field; absent values are null. Empty when either record is NULL (a
 * service that appears or goes is not a field change). */
json_t *diff_records(json_t *old_rec, json_t *new_rec);

/* The same, comparing a check's fields whenever both records hold a value
 * for it (answered or stale): for looking back over history. */
json_t *diff_records_known(json_t *old_rec, json_t *new_rec);
/* The check a dotted field belongs to ("shares.x" -> "shares"); NULL for
 * fingerprint fields. */
const char *diff_check_of_field(const char *field);

/* True for fields that never count as a change (and anything below them). */
bool diff_is_volatile(const char *field);

/* A copy of rec with the volatile fields removed and arrays keyed as above:
 * what diff_records compares. */
json_t *diff_normalize(json_t *rec);

/* The record's findings as an object id -> finding (borrowed values). */
json_t *diff_findings(json_t *rec);

/* The record's check ids in order ("auth", "guest", "shares", ...); NULL
 * past the end. */
const char *diff_check_id(size_t i);
/* The check a finding id rests on, NULL for fingerprint findings. */
const char *diff_check_of_finding(const char *finding_id);
/* "ok" | "failed" | "not_run" (a record with no "checks" object: "ok"). */
const char *diff_check_status(json_t *rec, const char *check);
/* The record holds a value for the check: answered, or carried stale. */
bool diff_check_known(json_t *rec, const char *check);
/* Compare the check's fields between old and new? */
bool diff_check_comparable(json_t *old_rec, json_t *new_rec, const char *check);

/* For each check that failed in new_rec: when prev_rec (the previous
 * sighting, stored in run prev_run) knew its value, copy that value (and its
 * findings) into new_rec and mark checks.ID.stale_from_run with the run it
 * was learned in. Returns how many checks were carried. */
int diff_carry_stale(json_t *new_rec, json_t *prev_rec, int64_t prev_run);

/* A value for people: strings bare, absent as "(none)", the rest as compact
 * JSON. */
void diff_value_text(json_t *v, char *out, size_t outsz);

#endif
