/* osname.h - a readable OS name from what the service told us. */
#ifndef SMBW_ASSESS_OSNAME_H
#define SMBW_ASSESS_OSNAME_H

#include <stddef.h>
#include <stdint.h>

#include "record/record.h"

/* Windows release(s) for an NTLM VERSION (base build, no patch level), or
 * NULL when the build is not one we know. Workstation and server releases
 * share builds, so both are named ("Windows 10 1607 / Server 2016"). */
const char *osname_windows(uint8_t major, uint8_t minor, uint16_t build);

/* Best description: SMB1 NativeOS/LanMan when given; "Samba" when NTLM says
 * 6.1 build 0 (what Samba always sends); else the Windows name and the
 * version; "" when nothing is known. */
void osname_describe(const struct svc_record *rec, char *out, size_t outsz);

#endif
