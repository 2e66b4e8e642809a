/* samba_version.c - see samba_version.h. */
#include "assess/samba_version.h"

#include <ctype.h>
#include <string.h>

/* Digits at *p into *n (at most 5 of them); advances *p. */
static bool number(const char **p, unsigned *n)
{
	unsigned v = 0, digits = 0;
	while (isdigit((unsigned char)**p) && digits < 5) {
		v = v * 10 + (unsigned)(**p - '0');
		(*p)++;
		digits++;
	}
	*n = v;
	return digits > 0 && !isdigit((unsigned char)**p);
}

static bool parse_at(const char *p, struct samba_version *v)
{
	const char *start = p;
	memset(v, 0, sizeof *v);
	if (!number(&p, &v->major) || *p != '.')
		return false;
	p++;
	if (!number(&p, &v->minor))
		return false;
	if (*p == '.') {
		p++;
		if (!number(&p, &v->patch))
			return false;
	}
	v->distro_suffix = *p == '-' && isalpha((unsigned char)p[1]);
	/* the version text ends where the string or its word does */
	size_t n = strcspn(start, " )\t\r\n");
	if (n >= sizeof v->text)
		n = sizeof v->text - 1;
	memcpy(v->text, start, n);
	v->text[n] = '\0';
	return true;
}

bool samba_version_parse(const char *s, struct samba_version *v)
{
	for (const char *p = strstr(s, "Samba "); p; p = strstr(p + 1, "Samba "))
		if (parse_at(p + 6, v))
			return true;
	return false;
}

bool samba_version_of(const struct svc_record *rec, struct samba_version *v)
{
	if (samba_version_parse(rec->smb1.native_lanman, v)) {
		v->source = "smb1_native_lanman";
		return true;
	}
	for (unsigned i = 0; i < rec->n_shares && i < REC_MAX_SHARES; i++) {
		if (strcmp(rec->shares[i].name, "IPC$") == 0 &&
		    samba_version_parse(rec->shares[i].comment, v)) {
			v->source = "srvsvc_comment";
			return true;
		}
	}
	return false;
}

/* v < major.minor.patch */
static bool below(const struct samba_version *v, unsigned major, unsigned minor, unsigned patch)
{
	if (v->major != major)
		return v->major < major;
	if (v->minor != minor)
		return v->minor < minor;
	return v->patch < patch;
}

bool samba_cve_2017_7494(const struct samba_version *v)
{
	if (below(v, 3, 5, 0))
		return false;
	if (v->major == 4 && v->minor == 5)
		return v->patch < 10;
	if (v->major == 4 && v->minor == 6)
		return v->patch < 4;
	return below(v, 4, 4, 14);
}

bool samba_cve_2021_44142(const struct samba_version *v)
{
	if (v->major == 4 && v->minor == 14)
		return v->patch < 12;
	if (v->major == 4 && v->minor == 15)
		return v->patch < 5;
	return below(v, 4, 13, 17);
}
