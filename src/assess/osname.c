/* osname.c - build numbers to release names (smb-facts.md 4.3). */
#include "assess/osname.h"

#include <stdio.h>
#include <string.h>

struct win_build {
	uint8_t major, minor;
	uint16_t build;
	const char *name;
};

static const struct win_build builds[] = {
	{5, 0, 2195, "Windows 2000"},
	{5, 1, 2600, "Windows XP"},
	{5, 2, 3790, "Windows Server 2003"},
	{6, 0, 6000, "Windows Vista"},
	{6, 0, 6001, "Windows Vista SP1 / Server 2008"},
	{6, 0, 6002, "Windows Vista SP2 / Server 2008 SP2"},
	{6, 0, 6003, "Windows Server 2008 SP2"},
	{6, 1, 7600, "Windows 7 / Server 2008 R2"},
	{6, 1, 7601, "Windows 7 SP1 / Server 2008 R2 SP1"},
	{6, 2, 9200, "Windows 8 / Server 2012"},
	{6, 3, 9600, "Windows 8.1 / Server 2012 R2"},
	{10, 0, 10240, "Windows 10 1507"},
	{10, 0, 10586, "Windows 10 1511"},
	{10, 0, 14393, "Windows 10 1607 / Server 2016"},
	{10, 0, 15063, "Windows 10 1703"},
	{10, 0, 16299, "Windows 10 1709"},
	{10, 0, 17134, "Windows 10 1803"},
	{10, 0, 17763, "Windows 10 1809 / Server 2019"},
	{10, 0, 18362, "Windows 10 1903"},
	{10, 0, 18363, "Windows 10 1909"},
	{10, 0, 19041, "Windows 10 2004 or later / Server 2004"},
	{10, 0, 20348, "Windows Server 2022"},
	{10, 0, 22000, "Windows 11 21H2"},
	{10, 0, 22621, "Windows 11 22H2"},
	{10, 0, 22631, "Windows 11 23H2"},
	{10, 0, 25398, "Windows Server 2022 23H2"},
	{10, 0, 26100, "Windows 11 24H2 / Server 2025"},
};

const char *osname_windows(uint8_t major, uint8_t minor, uint16_t build)
{
	for (size_t i = 0; i < sizeof builds / sizeof builds[0]; i++)
		if (builds[i].major == major && builds[i].minor == minor &&
		    builds[i].build == build)
			return builds[i].name;
	return NULL;
}

void osname_describe(const struct svc_record *rec, char *out, size_t outsz)
{
	const struct rec_ntlm *n = &rec->ntlm;
	out[0] = '\0';
	if (rec->smb1.native_lanman[0] && strncmp(rec->smb1.native_lanman, "Samba", 5) == 0) {
		snprintf(out, outsz, "%s", rec->smb1.native_lanman);
		return;
	}
	if (rec->smb1.native_os[0] && strcmp(rec->smb1.native_os, "Unix") != 0) {
		snprintf(out, outsz, "%s", rec->smb1.native_os);
		return;
	}
	if (!n->has_version)
		return;
	if (n->os_major == 6 && n->os_minor == 1 && n->os_build == 0) {
		/* Samba's fixed VERSION (auth/ntlmssp/ntlmssp_server.c) */
		snprintf(out, outsz, "Samba (NTLM version 6.1 build 0)");
		return;
	}
	const char *w = osname_windows(n->os_major, n->os_minor, n->os_build);
	if (w)
		snprintf(out, outsz, "%s (%u.%u.%u)", w, n->os_major, n->os_minor, n->os_build);
	else
		snprintf(out, outsz, "Windows %u.%u build %u", n->os_major, n->os_minor,
			 n->os_build);
}
