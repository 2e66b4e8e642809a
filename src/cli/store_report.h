/* store_report.h - the shape of a read-only report over the store
 * (`smbwatch exposure`, `smbwatch smb1-usage`): --db, --format text|json and
 * --help (plus the command's own options), one query, its answer printed as
 * compact JSON or as the command's text. */
#ifndef SMBW_CLI_STORE_REPORT_H
#define SMBW_CLI_STORE_REPORT_H

#include <getopt.h>
#include <jansson.h>

struct store;

struct store_report {
	const char *name;  /* "exposure": in messages */
	const char *usage; /* --help */
	/* the command's own long options ({NULL} ends; may be NULL) and their
	 * handler: 0 taken, 2 a bad value (it says why on stderr) */
	const struct option *extra;
	int (*on_extra)(int ch, const char *arg, void *ud);
	/* the answer; NULL on a database error */
	json_t *(*query)(struct store *st, void *ud);
	void (*print_text)(json_t *answer);
	void *ud;
};

/* Parse argv, open the existing store, query, print. The exit status:
 * 0 done (or --help), 2 bad usage, 3 database error. */
int store_report_run(const struct store_report *r, int argc, char **argv);

/* A member of an answer's object: 0 / "" when absent. */
static inline long long answer_num(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static inline const char *answer_str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* "2026-12-05 11:30" (UTC) for a unix time; "?" if it has none. */
void store_report_utc(long long t, char *out, size_t n);

#endif
