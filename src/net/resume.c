/* resume.c - read and write resume files; see resume.h. */
#include "net/resume.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESUME_MAX_ARGS 1024
#define RESUME_LINE_MAX 8192
#define RESUME_MAX_DONE (1u << 24)

int resume_write(const char *path, const struct resume_state *st)
{
	char tmp[4096];
	int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "version 1\nseed %" PRIu64 "\nshard %u/%u\nposition %" PRIu64 "\n", st->seed,
		st->shard_k, st->shard_n, st->position);
	for (size_t i = 0; i < st->n_done; i++)
		fprintf(f, "done %" PRIu64 "\n", st->done[i]);
	for (int i = 1; i < st->argc; i++) {
		if (strchr(st->argv[i], '\n'))
			continue; /* cannot be represented; never produced by a shell word */
		fprintf(f, "arg %s\n", st->argv[i]);
	}
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

int resume_read(const char *path, struct resume_state *st, char *err, size_t errsz)
{
	memset(st, 0, sizeof *st);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errsz, "cannot read resume file '%s': %s", path, strerror(errno));
		return -1;
	}
	st->argv = calloc(RESUME_MAX_ARGS + 2, sizeof *st->argv);
	if (!st->argv)
		abort();
	st->argv[0] = strdup("scan");
	st->argc = 1;
	char line[RESUME_LINE_MAX];
	unsigned lineno = 0;
	bool version_ok = false;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		size_t len = strlen(line);
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		char *val = strchr(line, ' ');
		if (!val)
			goto bad;
		*val++ = '\0';
		if (strcmp(line, "version") == 0) {
			version_ok = strcmp(val, "1") == 0;
		} else if (strcmp(line, "seed") == 0) {
			if (parse_u64(val, &st->seed) != 0)
				goto bad;
		} else if (strcmp(line, "position") == 0) {
			if (parse_u64(val, &st->position) != 0)
				goto bad;
		} else if (strcmp(line, "done") == 0) {
			uint64_t j;
			if (parse_u64(val, &j) != 0 || j < st->position ||
			    (st->n_done && j <= st->done[st->n_done - 1]) ||
			    st->n_done >= RESUME_MAX_DONE)
				goto bad;
			if ((st->n_done & (st->n_done - 1)) == 0) { /* grow at powers of two */
				uint64_t *d = realloc(st->done, (st->n_done ? 2 * st->n_done : 1) *
									sizeof *d);
				if (!d)
					abort();
				st->done = d;
			}
			st->done[st->n_done++] = j;
		} else if (strcmp(line, "shard") == 0) {
			char *slash = strchr(val, '/');
			uint64_t k, n;
			if (!slash)
				goto bad;
			*slash = '\0';
			if (parse_u64(val, &k) != 0 || parse_u64(slash + 1, &n) != 0 || k < 1 ||
			    k > n || n > 65535)
				goto bad;
			st->shard_k = (unsigned)k;
			st->shard_n = (unsigned)n;
		} else if (strcmp(line, "arg") == 0) {
			if (st->argc >= RESUME_MAX_ARGS)
				goto bad;
			st->argv[st->argc++] = strdup(val);
		} else {
			goto bad;
		}
	}
	fclose(f);
	if (!version_ok || st->shard_n == 0) {
		snprintf(err, errsz, "resume file '%s': not a smbwatch resume file (version 1)",
			 path);
		resume_free(st);
		return -1;
	}
	return 0;
bad:
	fclose(f);
	snprintf(err, errsz, "resume file '%s', line %u: not understood", path, lineno);
	resume_free(st);
	return -1;
}

void resume_free(struct resume_state *st)
{
	if (st->argv) {
		for (int i = 0; i < st->argc; i++)
			free(st->argv[i]);
		free(st->argv);
	}
	st->argv = NULL;
	st->argc = 0;
	free(st->done);
	st->done = NULL;
	st->n_done = 0;
}
