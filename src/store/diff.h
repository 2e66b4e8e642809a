/* diff.h - what changed between two stored service records.
 *
 * Records are compared field by field after normalisation:
 *  - volatile fields never count: scanned_at, smb2.system_time,
 *    smb2.boot_time, errors (they differ on every scan);
 *  - shares[] is keyed by share name and findings[] by finding id, so a new
 *    share is one change "shares.NAME" (null -> the share) and a share's
 *    flag is "shares.NAME.anonymous_read"; a finding's evidence text is not
 *    compared (the field it rests on is);
 *  - other arrays (dialects, capabilities, ciphers) are one value each.
 * Field names are dotted JSON paths of the record contract. */
#ifndef SMBW_STORE_DIFF_H
#define SMBW_STORE_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* New array of {"field": "smb1.enabled", "old": false, "new": true}, sorted
 * by field; absent values are null. Empty when either record is NULL (a
 * service that appears or goes is not a field change). */
json_t *diff_records(json_t *old_rec, json_t *new_rec);

/* True for fields that never count as a change (and anything below them). */
bool diff_is_volatile(const char *field);

/* A copy of rec with the volatile fields removed and arrays keyed as above:
 * what diff_records compares. */
json_t *diff_normalize(json_t *rec);

/* The record's findings as an object id -> finding (borrowed values). */
json_t *diff_findings(json_t *rec);

/* A value for people: strings bare, absent as "(none)", the rest as compact
 * JSON. */
void diff_value_text(json_t *v, char *out, size_t outsz);

#endif
