/* privdrop.c - drop root and capabilities; see privdrop.h. */
#include "net/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* SUDO_UID / SUDO_GID as a positive id, or 0 if absent or malformed */
static unsigned long env_id(const char *name)
{
	const char *s = getenv(name);
	if (!s || !*s)
		return 0;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	return (*end || errno || v > 0x7FFFFFFFul) ? 0 : v;
}

static int target_ids(uid_t *uid, gid_t *gid, char *err, size_t errsz)
{
	unsigned long su = env_id("SUDO_UID"), sg = env_id("SUDO_GID");
	if (su && sg) {
		*uid = (uid_t)su;
		*gid = (gid_t)sg;
		return 0;
	}
	const struct passwd *pw = getpwnam("nobody");
	if (!pw || pw->pw_uid == 0) {
		snprintf(err, errsz, "no user 'nobody' to drop privileges to");
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/* capset(2) with empty sets: allowed to any process (it only removes) */
static int clear_caps(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	return (int)syscall(SYS_capset, &h, d);
}

static bool caps_empty(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) != 0)
		return false;
	return !(d[0].effective | d[0].permitted | d[1].effective | d[1].permitted);
}

static int switch_user(uid_t uid, gid_t gid, char *err, size_t errsz)
{
	/* groups first, then gid, then uid: after setuid nothing else may change */
	if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0) {
		snprintf(err, errsz, "cannot drop privileges to uid %lu: %s", (unsigned long)uid,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int privdrop(uid_t *uid, gid_t *gid, char *err, size_t errsz)
{
	*uid = getuid();
	*gid = getgid();
	if (geteuid() == 0 || getuid() == 0) {
		if (target_ids(uid, gid, err, errsz) != 0 ||
		    switch_user(*uid, *gid, err, errsz) != 0)
			return -1;
	}
	if (clear_caps() != 0) {
		snprintf(err, errsz, "cannot drop capabilities: %s", strerror(errno));
		return -1;
	}
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
#if defined(__SANITIZE_ADDRESS__)
	/* test builds only: LeakSanitizer ptraces the process at exit, which a
	 * setuid-cleared "dumpable" flag forbids */
	(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	/* verify: a process that can become root again has dropped nothing */
	if (setuid(0) == 0 || seteuid(0) == 0 || !caps_empty()) {
		snprintf(err, errsz, "privileges still held after dropping them");
		return -1;
	}
	return 0;
}
