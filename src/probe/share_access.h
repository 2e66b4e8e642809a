/* share_access.h - writable shares seen without writing: the maximal access
 * a server grants the anonymous/guest session on a share (SMB2
 * TREE_CONNECT MaximalAccess, MS-SMB2 2.2.10; SMB1 extended
 * TREE_CONNECT_ANDX MaximalShareAccessRights, MS-SMB 2.2.4.7.2) says
 * whether it may write there. Nothing is created, written or deleted. */
#ifndef SMBW_PROBE_SHARE_ACCESS_H
#define SMBW_PROBE_SHARE_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "record/record.h"

/* MS-SMB2 2.2.13.1.1: FILE_WRITE_DATA | FILE_APPEND_DATA, and the generic
 * rights that contain them. Not DELETE (0x00010000) alone: Samba 4.17
 * grants it on a read-only share (MaximalAccess 0x001f00a9, measured on
 * the lab) and refuses the delete later, so it would call every read-only
 * Samba share writable. */
#define SHARE_WRITE_RIGHTS 0x00000006u
#define SHARE_GENERIC_WRITE_RIGHTS 0x50000000u /* GENERIC_ALL | GENERIC_WRITE */

/* Does this access mask let the session change the share's contents? */
bool share_access_writes(uint32_t max_access);
/* Record the mask one anonymous/guest session was granted on sh: the
 * union of what each session got, written = any of them may write. */
void share_access_note(struct rec_share *sh, uint32_t max_access);

#endif
