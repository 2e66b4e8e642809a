/* fuzz_record_json.c - a stored record read back (src/record/json_read.c,
 * what `serve`'s exports feed the report writers): any JSON text a store
 * may hold. Besides memory safety: whatever it reads, the record renders
 * (record_to_json) and reads back to the same JSON - the reader never
 * makes a record the writer and the reader disagree on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/json.h"
#include "record/json_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct svc_record a, b;
	if (size > 65536)
		return 0;
	json_t *o = json_loadb((const char *)data, size, 0, NULL);
	if (!o)
		return 0;
	if (record_from_json(o, 1700000000, &a) == 0) {
		json_t *j1 = record_to_json(&a);
		if (record_from_json(j1, 1700000000, &b) != 0)
			abort();
		json_t *j2 = record_to_json(&b);
		if (!json_equal(j1, j2))
			abort();
		json_decref(j1);
		json_decref(j2);
	}
	record_release(&a); /* the epm interfaces are on the heap */
	record_release(&b);
	json_decref(o);
	return 0;
}
