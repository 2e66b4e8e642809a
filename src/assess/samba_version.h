/* samba_version.h - the Samba version a server tells (exposure-facts.md 2)
 * and the CVEs that version alone indicates. Nothing is probed: a version
 * string is a claim, and Debian/Ubuntu backport fixes without changing it,
 * so every verdict here reads "version-indicated, not probed". */
#ifndef SMBW_ASSESS_SAMBA_VERSION_H
#define SMBW_ASSESS_SAMBA_VERSION_H

#include <stdbool.h>

#include "record/record.h"

struct samba_version {
	unsigned major, minor, patch;
	char text[48];      /* "4.17.12-Debian": what followed "Samba " */
	bool distro_suffix; /* text carries a packager's suffix ("-Debian", "-Ubuntu") */
	const char *source; /* "smb1_native_lanman" or "srvsvc_comment" */
};

/* "Samba 4.17.12-Debian" anywhere in s ("IPC Service (Samba 4.5.9)"):
 * true and *v filled when a version follows. */
bool samba_version_parse(const char *s, struct samba_version *v);
/* From the record: SMB1 NativeLanMan first (the running binary says it),
 * else the IPC$ comment of the SRVSVC share list (the server string). */
bool samba_version_of(const struct svc_record *rec, struct samba_version *v);

/* CVE-2017-7494 (SambaCry): 3.5.0 <= v < 4.4.14, 4.5.x < 4.5.10, 4.6.x <
 * 4.6.4 (the writable share it also needs is the caller's to check). */
bool samba_cve_2017_7494(const struct samba_version *v);
/* CVE-2021-44142 (vfs_fruit): v < 4.13.17, 4.14.x < 4.14.12, 4.15.x < 4.15.5. */
bool samba_cve_2021_44142(const struct samba_version *v);

#endif
