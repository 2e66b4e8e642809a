/* privdrop.h - give up root and capabilities once the raw sockets are open.
 *
 * As root: switch to SUDO_UID/SUDO_GID when sudo set them (the user who
 * asked), else to "nobody"; supplementary groups are cleared. As a non-root
 * user with file capabilities (setcap cap_net_raw+ep): drop every
 * capability. Either way PR_SET_NO_NEW_PRIVS is set, and the drop is
 * verified (setuid(0) must fail, no capability may remain) before any
 * packet is parsed. */
#ifndef SMBW_NET_PRIVDROP_H
#define SMBW_NET_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

/* 0 with *uid / *gid the ids now in force, or -1 with one line in err
 * (the caller must then stop: it would run with privileges). */
int privdrop(uid_t *uid, gid_t *gid, char *err, size_t errsz);

#endif
