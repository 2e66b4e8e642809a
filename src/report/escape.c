/* escape.c - XML and JSON escaping of untrusted strings (see escape.h). */
#include "report/escape.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	uint32_t cp, min;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, cp = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3, cp = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0; /* continuation byte, 0xc0/0xc1, 0xf5-0xff */
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* also stops at the NUL */
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe ||
	    cp == 0xffff)
		return 0;
	return n;
}

void xml_escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		unsigned char c = *p;
		switch (c) {
		case '&': fputs("&amp;", f); p++; continue;
		case '<': fputs("&lt;", f); p++; continue;
		case '>': fputs("&gt;", f); p++; continue;
		case '"': fputs("&quot;", f); p++; continue;
		case '\'': fputs("&apos;", f); p++; continue;
		case '\t': fputs("&#x9;", f); p++; continue;
		case '\n': fputs("&#xa;", f); p++; continue;
		case '\r': fputs("&#xd;", f); p++; continue;
		default: break;
		}
		size_t n = (c < 0x20 || c == 0x7f) ? 0 : utf8_seq_len(p);
		if (n == 0) {
			fprintf(f, "\\x%02x", (unsigned)c);
			p++;
			continue;
		}
		fwrite(p, 1, n, f);
		p += n;
	}
}

json_t *json_string_lossy(const char *s)
{
	if (!s)
		s = "";
	json_t *j = json_string(s);
	if (j)
		return j;
	/* U+FFFD is 3 bytes: at most 3x the input */
	size_t len = strlen(s);
	char *clean = malloc(len * 3 + 1);
	if (!clean)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	while (*p) {
		size_t n = utf8_seq_len(p);
		if (n == 0) {
			memcpy(clean + o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
			continue;
		}
		memcpy(clean + o, p, n);
		o += n;
		p += n;
	}
	clean[o] = '\0';
	j = json_string(clean);
	free(clean);
	return j;
}

void html_escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		unsigned char c = *p;
		switch (c) {
		case '&': fputs("&amp;", f); p++; continue;
		case '<': fputs("&lt;", f); p++; continue;
		case '>': fputs("&gt;", f); p++; continue;
		case '"': fputs("&quot;", f); p++; continue;
		case '\'': fputs("&#39;", f); p++; continue;
		case '\t': case '\n': case '\r': fputc(c, f); p++; continue;
		default: break;
		}
		size_t n = (c < 0x20 || c == 0x7f) ? 0 : utf8_seq_len(p);
		if (n == 0) {
			fputs("\xef\xbf\xbd", f); /* U+FFFD */
			p++;
			continue;
		}
		fwrite(p, 1, n, f);
		p += n;
	}
}

int json_script_dump(FILE *f, const json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (!text)
		return -1;
	/* JSON_ENSURE_ASCII already writes U+2028/U+2029 as \u escapes; the
	 * three ASCII characters that matter to the HTML parser remain. Outside
	 * strings JSON has none of them, so each is inside a string here. */
	for (const char *p = text; *p; p++) {
		switch (*p) {
		case '<': fputs("\\u003c", f); break;
		case '>': fputs("\\u003e", f); break;
		case '&': fputs("\\u0026", f); break;
		default: fputc(*p, f); break;
		}
	}
	free(text);
	return 0;
}
