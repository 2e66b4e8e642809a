/* nbname_cache.h - ip -> NetBIOS name learned from NTLM during a scan, for
 * the port 139 fallback (its session request needs the called name). */
#ifndef SMBW_SCAN_NBNAME_CACHE_H
#define SMBW_SCAN_NBNAME_CACHE_H

struct nbname_cache;
struct nbname_cache *nbname_cache_new(void);
void nbname_cache_put(struct nbname_cache *c, const char *ip, const char *name);
const char *nbname_cache_get(const struct nbname_cache *c, const char *ip);
void nbname_cache_free(struct nbname_cache *c);

#endif
