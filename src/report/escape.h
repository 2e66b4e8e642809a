/* escape.h - the escaping every structured writer shares: strings off the
 * wire (names, share comments, OS strings) are attacker-controlled and may
 * hold markup, quotes, control bytes and invalid UTF-8. One place decides
 * how each comes out, so every writer is as safe as the others. */
#ifndef SMBW_REPORT_ESCAPE_H
#define SMBW_REPORT_ESCAPE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* Length (1-4) of the well-formed UTF-8 sequence at s, or 0 when the bytes
 * there are not one (stray continuation, overlong, surrogate, > U+10FFFF,
 * cut short by the NUL, or U+FFFE / U+FFFF, which XML forbids). */
size_t utf8_seq_len(const unsigned char *s);

/* Write s as XML character data, safe both inside an attribute value (in
 * double quotes) and as element content: & < > " ' become entities; tab, LF
 * and CR become character references (so attributes keep them); the other
 * control bytes, which XML 1.0 cannot carry at all, and bytes that are not
 * UTF-8 become the four characters "\xNN" (as nmap itself writes them). */
void xml_escape(FILE *f, const char *s);

/* A JSON string for s (new reference, never NULL unless out of memory):
 * invalid UTF-8 bytes become U+FFFD, everything else is kept; jansson
 * escapes quotes, backslashes and control bytes when it dumps. */
json_t *json_string_lossy(const char *s);

/* Write s as HTML text, safe both as element content and inside a quoted
 * attribute value: & < > " ' become entities (so no tag, attribute or
 * end-of-element such as </script> or </style> can be opened by a string);
 * tab, LF and CR are kept; other control bytes and bytes that are not UTF-8
 * become U+FFFD, so the page is always valid UTF-8. */
void html_escape(FILE *f, const char *s);

/* Write the JSON text of j for a <script type="application/json"> block:
 * compact JSON in which every < > & and U+2028/U+2029 is written as a \uXXXX
 * escape, so the text cannot end the script element ("</script>") or open a
 * comment ("<!--"), whatever strings it holds. Returns 0, -1 on failure. */
int json_script_dump(FILE *f, const json_t *j);

#endif
