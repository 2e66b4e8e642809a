/* smbghost.h - CVE-2020-0796 ("SMBGhost") exposure, derived from what the
 * negotiate and NTLM already told us; nothing extra is sent.
 *
 * vulnerable     = 3.1.1 negotiated AND the server returned a COMPRESSION
 *                  context with an algorithm other than NONE AND the NTLM
 *                  build is 18362 or 18363 (Windows 10 / Server 1903, 1909).
 *                  Limit: NTLM carries no patch level (UBR), so a host with
 *                  KB4551762 installed still reads "vulnerable": it means
 *                  "affected build with compression on; patch state unseen".
 * not_vulnerable = no 3.1.1; or a known build that is not 18362/18363; or an
 *                  affected build with compression disabled (ADV200005).
 * unknown        = 3.1.1 with compression but no OS version to judge by.
 * The compression context alone never makes a host vulnerable
 * (Windows 10 2004+ and Samba negotiate compression and are not affected). */
#ifndef SMBW_ASSESS_SMBGHOST_H
#define SMBW_ASSESS_SMBGHOST_H

#include "record/record.h"

enum vuln smbghost_verdict(const struct svc_record *rec);

#endif
