/* json.h - the service record as JSON (jansson), exactly the JSON Lines
 * contract of docs/record.md (the guide's architecture.md). */
#ifndef SMBW_RECORD_JSON_H
#define SMBW_RECORD_JSON_H

#include <jansson.h>

#include "record/record.h"

/* New reference to an object for rec ("type":"service", ...). Unknown fields
 * are left out. */
json_t *record_to_json(const struct svc_record *rec);

/* For the checks' to_json (check/check.h): put val under key, in the
 * object parent of root (created on first use; NULL parent = root itself).
 * A NULL val (an unknown field) puts nothing. Steals val. */
void record_json_put(json_t *root, const char *parent, const char *key, json_t *val);
/* true/false, or NULL for TRI_UNKNOWN */
json_t *record_json_tri(enum tri v);
/* "vulnerable"/"not_vulnerable", or NULL for VULN_UNKNOWN */
json_t *record_json_vuln(enum vuln v);
/* A JSON string for s; bytes that are not UTF-8 become '?'. */
json_t *record_json_str(const char *s);
/* Set key to s unless s is NULL or empty. */
void record_json_set_str(json_t *o, const char *key, const char *s);
/* A certificate summary as its JSON object (new reference): the same shape
 * under quic.certificate and mgmt.certificate (docs/record.md). */
json_t *record_json_cert(const struct rec_cert *c);
/* Sort a JSON array in place; cmp gets two json_t ** (qsort's way). Left
 * as it was when memory runs out. */
void record_json_sort(json_t *arr, int (*cmp)(const void *, const void *));

#endif
