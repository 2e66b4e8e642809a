/* json.h - the service record as JSON (jansson), exactly the JSON Lines
 * contract of docs/record.md (the guide's architecture.md). */
#ifndef SMBW_RECORD_JSON_H
#define SMBW_RECORD_JSON_H

#include <jansson.h>

#include "record/record.h"

/* New reference to an object for rec ("type":"service", ...). Unknown fields
 * are left out. */
json_t *record_to_json(const struct svc_record *rec);

#endif
