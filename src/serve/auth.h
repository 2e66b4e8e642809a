/* auth.h - who may read the dashboard when it is bound beyond loopback:
 * one shared token, sent as "Authorization: Bearer TOKEN" (scripts) or as
 * the password of HTTP basic auth, any user name (browsers). */
#ifndef SMBW_SERVE_AUTH_H
#define SMBW_SERVE_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define SERVE_TOKEN_MAX 256
#define SERVE_TOKEN_MIN 16

/* The token: the file's first line, surrounding white space dropped; it
 * must be SERVE_TOKEN_MIN..SERVE_TOKEN_MAX printable characters. 0, or -1
 * with a one-line reason in err. */
int serve_token_load(const char *path, char *token, size_t tokensz, char *err, size_t errsz);

/* Does the Authorization header value carry the token? Compared in
 * constant time (SHA-256 of both, then CRYPTO_memcmp): the answer time
 * says nothing about how much of a guess was right, nor its length. */
bool serve_auth_ok(const char *token, const char *authorization);

#endif
