/* change_text.h - one stored change (diff_records' {field, old, new}) as
 * the line `smbwatch history` shows a person. */
#ifndef SMBW_CLI_CHANGE_TEXT_H
#define SMBW_CLI_CHANGE_TEXT_H

#include <jansson.h>
#include <stddef.h>

/* "opened SMB1_ENABLED (high): SMBv1 is enabled", "resolved ...", or
 * "field: old → new" for any other change. */
void change_text(json_t *ch, char *out, size_t outsz);

#endif
