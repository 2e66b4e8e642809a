/* resume.h - the resume file an interrupted scan leaves behind.
 *
 * Text, one "key value" per line: version, seed, shard, position, then one
 * "arg ..." line per original command-line argument (so `--resume FILE`
 * repeats the same targets and options). position is the shard-relative
 * index below which every service is finished; "done J" lines (ascending)
 * name the positions above it that finished too, so the resumed run neither
 * scans nor counts them again. */
#ifndef SMBW_NET_RESUME_H
#define SMBW_NET_RESUME_H

#include <stddef.h>
#include <stdint.h>

struct resume_state {
	uint64_t seed;
	unsigned shard_k, shard_n;
	uint64_t position;
	uint64_t *done;  /* finished positions above position, ascending */
	size_t n_done;   /* (owned when read) */
	int argc;
	char **argv; /* owned; argv[0] = "scan" */
};

/* Write atomically (temp file + rename). Returns 0 or -1 with errno set. */
int resume_write(const char *path, const struct resume_state *st);
/* Read; on failure returns -1 with a one-line message in err. */
int resume_read(const char *path, struct resume_state *st, char *err, size_t errsz);
void resume_free(struct resume_state *st);

#endif
