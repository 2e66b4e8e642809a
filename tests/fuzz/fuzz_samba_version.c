/* fuzz_samba_version.c - the Samba version parser (src/assess/
 * samba_version.c) on whatever a server puts in NativeLanMan or its IPC$
 * comment, and the findings assess/ builds from it: the version text stays
 * inside its buffer and is a prefix of what followed "Samba ", and a record
 * carrying the string in both places assesses without fault. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/assess.h"
#include "assess/samba_version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[REC_STR]; /* a record string: cut at REC_STR, or at a NUL */
	snprintf(s, sizeof s, "%.*s", (int)(size < sizeof s ? size : sizeof s), (const char *)data);

	struct samba_version v;
	if (samba_version_parse(s, &v)) {
		if (strlen(v.text) >= sizeof v.text || !strstr(s, v.text))
			abort();
		(void)samba_cve_2017_7494(&v);
		(void)samba_cve_2021_44142(&v);
	}

	static struct svc_record r;
	record_init(&r);
	record_set_str(r.ip, sizeof r.ip, "198.18.1.10");
	r.port = 445;
	r.smb1.enabled = TRI_YES;
	record_set_str(r.smb1.native_lanman, REC_STR, s);
	r.has_shares = true;
	r.n_shares = 2;
	record_set_str(r.shares[0].name, sizeof r.shares[0].name, "IPC$");
	record_set_str(r.shares[0].comment, REC_STR, s);
	record_set_str(r.shares[1].name, sizeof r.shares[1].name, "drop");
	r.shares[1].anonymous_write = TRI_YES;
	assess_record(&r);
	return 0;
}
