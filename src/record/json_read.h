/* json_read.h - a stored record (docs/record.md JSON) back into a struct
 * svc_record for the report writers; see json_read.c. */
#ifndef SMBW_RECORD_JSON_READ_H
#define SMBW_RECORD_JSON_READ_H

#include <jansson.h>
#include <stdint.h>

#include "record/record.h"

/* Fill r from the record object o (scanned_at: the store's column, unix
 * seconds). 0, or -1 when o is not a service record (no ip or port). */
int record_from_json(json_t *o, int64_t scanned_at, struct svc_record *r);

#endif
