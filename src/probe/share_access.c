/* share_access.c - see share_access.h. */
#include "probe/share_access.h"

bool share_access_writes(uint32_t max_access)
{
	return (max_access & (SHARE_WRITE_RIGHTS | SHARE_GENERIC_WRITE_RIGHTS)) != 0;
}

void share_access_note(struct rec_share *sh, uint32_t max_access)
{
	sh->max_access = sh->has_max_access ? (sh->max_access | max_access) : max_access;
	sh->has_max_access = true;
	sh->anonymous_write = share_access_writes(sh->max_access) ? TRI_YES : TRI_NO;
}
