/* prom.c - Prometheus text exposition writer; see prom.h. */
#include "monitor/prom.h"

#include <math.h>
#include <stdint.h>

void prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	/* HELP text escapes backslash and newline (not quotes) */
	fprintf(f, "# HELP %s ", name);
	for (const char *p = help; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

void prom_label_value(FILE *f, const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '"')
			fputs("\\\"", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p < 0x20 || *p >= 0x7f)
			fputc('?', f); /* keeps the output ASCII, hence valid UTF-8 */
		else
			fputc(*p, f);
	}
}

void prom_sample(FILE *f, const char *name, const struct prom_label *labels, unsigned n_labels,
		 double value)
{
	fputs(name, f);
	if (n_labels) {
		fputc('{', f);
		for (unsigned i = 0; i < n_labels; i++) {
			fprintf(f, "%s%s=\"", i ? "," : "", labels[i].name);
			prom_label_value(f, labels[i].value ? labels[i].value : "");
			fputc('"', f);
		}
		fputc('}', f);
	}
	if (isnan(value))
		fputs(" NaN\n", f);
	else if (isinf(value))
		fputs(value > 0 ? " +Inf\n" : " -Inf\n", f);
	else if (value == floor(value) && fabs(value) < 9007199254740992.0)
		fprintf(f, " %lld\n", (long long)value);
	else
		fprintf(f, " %.17g\n", value);
}
