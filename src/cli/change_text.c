/* change_text.c - a stored change as text; see change_text.h. */
#include "cli/change_text.h"

#include <stdio.h>
#include <string.h>

#include "store/diff.h"

void change_text(json_t *ch, char *out, size_t outsz)
{
	const char *field = json_string_value(json_object_get(ch, "field"));
	json_t *o = json_object_get(ch, "old"), *n = json_object_get(ch, "new");
	if (!field)
		field = "?";
	/* a whole finding came or went: "findings.ID" with one side null (a
	 * finding whose text changed is "findings.ID.title" and shown as a
	 * field) */
	if (strncmp(field, "findings.", 9) == 0 && !strchr(field + 9, '.') &&
	    (json_is_null(o) || json_is_null(n))) {
		json_t *f = json_is_null(o) ? n : o;
		const char *sev = json_string_value(json_object_get(f, "severity"));
		const char *title = json_string_value(json_object_get(f, "title"));
		snprintf(out, outsz, "%s %s (%s)%s%s", json_is_null(o) ? "opened" : "resolved",
			 field + 9, sev ? sev : "?", title ? ": " : "", title ? title : "");
		return;
	}
	char a[256], b[256];
	diff_value_text(o, a, sizeof a);
	diff_value_text(n, b, sizeof b);
	snprintf(out, outsz, "%s: %s \u2192 %s", field, a, b);
}
