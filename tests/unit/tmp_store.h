/* tmp_store.h - a fresh directory per cmocka group for the SQLite store
 * under test: dbdir (/tmp/smbw-TAG-test.XXXXXX) and dbpath (dbdir/REL).
 * For one test file each (the names are static). */
#ifndef SMBW_TEST_TMP_STORE_H
#define SMBW_TEST_TMP_STORE_H

#include <stdio.h>
#include <stdlib.h>

static char dbdir[64];
static char dbpath[128];

/* 0, or -1 when the directory cannot be made */
static inline int tmp_store_make(const char *tag, const char *rel)
{
	snprintf(dbdir, sizeof dbdir, "/tmp/smbw-%s-test.XXXXXX", tag);
	if (!mkdtemp(dbdir))
		return -1;
	snprintf(dbpath, sizeof dbpath, "%s/%s", dbdir, rel);
	return 0;
}

static inline int tmp_store_remove(void)
{
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dbdir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
