/* config.c - INI to option list; see config.h. */
#include "monitor/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* INI key -> long option. Anything else is an error: a typo in a config
 * file must not silently drop a setting. */
static const struct {
	const char *key, *opt;
} keys[] = {
	{"ports", "ports"},
	{"surface", "surface"}, /* --surface full: U:137 too */
	{"checks", "checks"},
	{"view", "view"},
	{"policy", "policy"}, /* --policy FILE (docs/policy.md) */
	{"interval", "every"},
	{"every", "every"},
	{"db", "db"},
	{"sink", "sink"},
	{"webhook_secret", "webhook-secret"},
	{"gone_after", "gone-after"},
	{"failing_after", "failing-after"},
	{"flap_runs", "flap-runs"},
	{"attack_baseline_days", "attack-baseline-days"},
	{"fail_on", "fail-on"},
	{"timeout", "timeout"},
	{"read_timeout", "read-timeout"},
	{"rpc_timeout", "rpc-timeout"},
	{"connect_timeout", "connect-timeout"},
	{"rate", "rate"},
	{"max_inflight", "max-inflight"},
	{"retries", "retries"},
	{"exclude", "exclude"},
	{"sink_retries", "sink-retries"},
	{"sink_backoff", "sink-backoff"},
	{"metrics_listen", "metrics-listen"},
};

static void push(struct config_args *a, const char *s, const char *path, unsigned ln,
		 const char *key)
{
	char **n = realloc(a->argv, (size_t)(a->argc + 2) * sizeof *n);
	char **w = n ? realloc(a->where, (size_t)(a->argc + 2) * sizeof *w) : NULL;
	char *d = strdup(s);
	int wn = snprintf(NULL, 0, "%s:%u: %s", path, ln, key);
	char *where = wn >= 0 ? malloc((size_t)wn + 1) : NULL;
	if (n)
		a->argv = n;
	if (w)
		a->where = w;
	if (!n || !w || !d || !where)
		abort();
	snprintf(where, (size_t)wn + 1, "%s:%u: %s", path, ln, key);
	a->where[a->argc] = where;
	a->argv[a->argc++] = d;
	a->argv[a->argc] = NULL;
	a->where[a->argc] = NULL;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int line_of(const char *path, unsigned ln, char *line, struct config_args *out,
		   char *err, size_t errsz)
{
	char *s = trim(line);
	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	if (*s == '[') {
		if (s[strlen(s) - 1] != ']') {
			snprintf(err, errsz, "%s:%u: bad section header", path, ln);
			return -1;
		}
		return 0;
	}
	char *eq = strchr(s, '=');
	if (!eq) {
		snprintf(err, errsz, "%s:%u: expected key = value", path, ln);
		return -1;
	}
	*eq = '\0';
	char *key = trim(s), *val = trim(eq + 1);
	if (*val == '\0') {
		snprintf(err, errsz, "%s:%u: '%s' has no value", path, ln, key);
		return -1;
	}
	if (strcmp(key, "targets") == 0 || strcmp(key, "target") == 0) {
		char *save = NULL;
		for (char *t = strtok_r(val, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save))
			push(out, t, path, ln, key);
		return 0;
	}
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (strcmp(key, keys[i].key) != 0)
			continue;
		size_t n = strlen(keys[i].opt) + strlen(val) + 4;
		char *opt = malloc(n);
		if (!opt)
			abort();
		snprintf(opt, n, "--%s=%s", keys[i].opt, val);
		push(out, opt, path, ln, key);
		free(opt);
		return 0;
	}
	snprintf(err, errsz, "%s:%u: unknown key '%s'", path, ln, key);
	return -1;
}

int config_load(const char *path, struct config_args *out, char *err, size_t errsz)
{
	memset(out, 0, sizeof *out);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errsz, "cannot read config '%s': %s", path, strerror(errno));
		return -1;
	}
	char line[4096];
	unsigned ln = 0;
	int rc = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		ln++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errsz, "%s:%u: line too long", path, ln);
			rc = -1;
			break;
		}
		rc = line_of(path, ln, line, out, err, errsz);
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errsz, "cannot read config '%s': %s", path, strerror(errno));
		rc = -1;
	}
	fclose(f);
	if (rc != 0)
		config_free(out);
	return rc;
}

void config_free(struct config_args *a)
{
	for (int i = 0; i < a->argc; i++) {
		free(a->argv[i]);
		free(a->where[i]);
	}
	free(a->argv);
	free(a->where);
	a->argv = NULL;
	a->where = NULL;
	a->argc = 0;
}

const char *config_where(const struct config_args *a, const char *p)
{
	for (int i = 0; p && i < a->argc; i++) {
		const char *s = a->argv[i];
		/* pointer order only within one string: compare as addresses */
		if ((uintptr_t)p >= (uintptr_t)s && (uintptr_t)p <= (uintptr_t)(s + strlen(s)))
			return a->where[i];
	}
	return NULL;
}
