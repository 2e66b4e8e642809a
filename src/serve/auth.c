/* auth.c - the dashboard's token check; see auth.h. */
#include "serve/auth.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int serve_token_load(const char *path, char *token, size_t tokensz, char *err, size_t errsz)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errsz, "--token-file %s: %s", path, strerror(errno));
		return -1;
	}
	char line[SERVE_TOKEN_MAX + 4] = "";
	if (!fgets(line, sizeof line, f))
		line[0] = '\0';
	fclose(f);
	size_t n = strlen(line);
	while (n && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	const char *p = line;
	while (isspace((unsigned char)*p))
		p++;
	n = strlen(p);
	bool printable = true;
	for (size_t i = 0; i < n; i++)
		printable &= isgraph((unsigned char)p[i]) != 0;
	if (n < SERVE_TOKEN_MIN || n > SERVE_TOKEN_MAX || !printable || n >= tokensz) {
		snprintf(err, errsz,
			 "--token-file %s: the first line must be a token of %d to %d printable "
			 "characters without spaces (e.g. openssl rand -hex 32)",
			 path, SERVE_TOKEN_MIN, SERVE_TOKEN_MAX);
		return -1;
	}
	memcpy(token, p, n + 1);
	return 0;
}

static bool same_secret(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char da[SHA256_DIGEST_LENGTH], db[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)a, alen, da);
	SHA256((const unsigned char *)b, blen, db);
	return CRYPTO_memcmp(da, db, sizeof da) == 0;
}

/* The password of a basic-auth credential ("user:password" in base64). */
static bool basic_password(const char *b64, char *out, size_t outsz, size_t *outlen)
{
	size_t n = strlen(b64);
	while (n && b64[n - 1] == ' ')
		n--;
	if (n == 0 || n % 4 || n / 4 * 3 + 1 > outsz)
		return false;
	unsigned char dec[SERVE_TOKEN_MAX * 2 + 8];
	if (n / 4 * 3 >= sizeof dec)
		return false;
	int len = EVP_DecodeBlock(dec, (const unsigned char *)b64, (int)n);
	if (len < 0)
		return false;
	/* EVP_DecodeBlock counts the padding as zero bytes */
	if (n >= 1 && b64[n - 1] == '=')
		len--;
	if (n >= 2 && b64[n - 2] == '=')
		len--;
	const unsigned char *colon = memchr(dec, ':', (size_t)len);
	if (!colon)
		return false;
	size_t plen = (size_t)len - (size_t)(colon + 1 - dec);
	if (plen >= outsz)
		return false;
	memcpy(out, colon + 1, plen);
	out[plen] = '\0';
	*outlen = plen;
	return true;
}

bool serve_auth_ok(const char *token, const char *authorization)
{
	if (!token || !authorization)
		return false;
	const char *p = authorization;
	while (*p == ' ')
		p++;
	size_t tlen = strlen(token);
	if (strncasecmp(p, "Bearer ", 7) == 0) {
		p += 7;
		while (*p == ' ')
			p++;
		size_t n = strlen(p);
		while (n && p[n - 1] == ' ')
			n--;
		return same_secret(p, n, token, tlen);
	}
	if (strncasecmp(p, "Basic ", 6) == 0) {
		p += 6;
		while (*p == ' ')
			p++;
		char pass[SERVE_TOKEN_MAX * 2];
		size_t plen = 0;
		if (!basic_password(p, pass, sizeof pass, &plen))
			return false;
		bool ok = same_secret(pass, plen, token, tlen);
		OPENSSL_cleanse(pass, sizeof pass);
		return ok;
	}
	return false;
}
