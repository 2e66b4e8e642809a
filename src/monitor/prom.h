/* prom.h - the Prometheus text exposition format (version 0.0.4), the
 * writing half only: a family's HELP and TYPE lines, then its samples with
 * escaped label values. Used by monitor/metrics.c; nothing here knows what
 * smbwatch measures. */
#ifndef SMBW_MONITOR_PROM_H
#define SMBW_MONITOR_PROM_H

#include <stdio.h>

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct prom_label {
	const char *name;  /* [a-zA-Z_][a-zA-Z0-9_]* (the caller's constant) */
	const char *value; /* any bytes; escaped here */
};

/* "# HELP name help" and "# TYPE name type" (type: counter, gauge). */
void prom_family(FILE *f, const char *name, const char *type, const char *help);
/* "name{l1="v1",...} value": integers print without a fraction, NaN and
 * infinities as Prometheus spells them. */
void prom_sample(FILE *f, const char *name, const struct prom_label *labels, unsigned n_labels,
		 double value);
/* A label value as the format wants it: backslash, double quote and
 * newline escaped; bytes that are not UTF-8 text (a hostile server's
 * string) become '?'. */
void prom_label_value(FILE *f, const char *v);

#endif
