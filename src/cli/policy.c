/* policy.c - smbwatch policy check FILE: lint an exposure policy
 * (policy/policy.h, docs/policy.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "policy/policy.h"

static const char usage[] =
	"usage: smbwatch policy check FILE\n"
	"\n"
	"Check an exposure policy file (the one scan/monitor --policy read;\n"
	"docs/policy.md) and print every error as FILE:LINE: what. Errors: unknown\n"
	"section, key or value, a bad cidr (or one with host bits set), a duplicate\n"
	"section or segment, the same cidr in two segments, a key set twice in one\n"
	"section, a segment without a cidr.\n"
	"\n"
	"exit status: 0 the file is clean, 1 it has errors, 2 bad usage or the\n"
	"file cannot be read\n";

int cli_policy(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "check") != 0) {
		fputs(usage, stderr);
		return 2;
	}
	const char *path = argv[2];
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 2;
	}
	fclose(f);
	struct policy_diag *d = malloc(sizeof *d);
	if (!d)
		return 2;
	struct policy *p = policy_load(path, d);
	if (!p) {
		unsigned shown = d->n < POLICY_MAX_ERRORS ? d->n : POLICY_MAX_ERRORS;
		for (unsigned i = 0; i < shown; i++)
			printf("%s\n", d->msg[i]);
		if (d->n > shown)
			printf("%s: %u more errors\n", path, d->n - shown);
		int rc = d->n ? 1 : 2;
		free(d);
		return rc;
	}
	unsigned segments = 0;
	for (unsigned i = 0; i < p->n_sections; i++)
		segments += p->sections[i].kind == PSEC_SEGMENT;
	printf("%s: ok (%u section%s, %u segment%s)\n", path, p->n_sections,
	       p->n_sections == 1 ? "" : "s", segments, segments == 1 ? "" : "s");
	policy_free(p);
	free(d);
	return 0;
}
