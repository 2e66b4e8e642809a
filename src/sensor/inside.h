/* inside.h - which addresses are the organisation's own, for the sensor's
 * pivot alert (SMB_PIVOT_SCAN: a scan burst from an inside address).
 *
 * The prefixes come from `--inside LIST|@FILE` (labelled "--inside") and
 * from the segments of `--policy FILE` (labelled "segment NAME"): the
 * policy already says where the organisation's networks are. The most
 * specific prefix names the label. */
#ifndef SMBW_SENSOR_INSIDE_H
#define SMBW_SENSOR_INSIDE_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

#define INSIDE_MAX 4096

struct inside_net {
	struct policy_cidr cidr;
	char label[48];
};

struct inside_nets {
	size_t n;
	struct inside_net net[INSIDE_MAX];
};

/* One ADDRESS/PREFIX or bare address. 0, or -1 with why in err. */
int inside_add(struct inside_nets *in, const char *cidr, const char *label, char *err,
	       size_t errsz);
/* Comma-separated list, or @FILE with one a line (# comments, blanks). */
int inside_add_list(struct inside_nets *in, const char *arg, char *err, size_t errsz);
/* Every cidr of every [segment NAME] of the policy. Returns how many. */
size_t inside_add_policy(struct inside_nets *in, const struct policy *p);
/* Is addr inside? label (if given) gets the most specific prefix's label
 * and the prefix: "segment lan 198.18.1.0/24". */
bool inside_match(const struct inside_nets *in, const char *addr, char *label, size_t labelsz);

#endif
