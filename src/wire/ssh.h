/* ssh.h - the identification line an SSH server sends first (RFC 4253
 * 4.2): "SSH-protoversion-softwareversion SP comments CR LF". Only that
 * line is read; nothing is sent. */
#ifndef SMBW_WIRE_SSH_H
#define SMBW_WIRE_SSH_H

#include <stddef.h>
#include <stdint.h>

#include "wire/buf.h"

#define SSH_LINE_MAX 255 /* RFC 4253 4.2, CR LF included */

struct ssh_ident {
	char proto[16];     /* "2.0" (or "1.99") */
	char software[96];  /* "OpenSSH_9.2p1" */
	char comments[128]; /* "Debian-2+deb12u3"; "" none */
};

/* One line at p, LF included: its length into *len; WIRE_TRUNCATED until
 * the LF, WIRE_TOO_LARGE past SSH_LINE_MAX. */
int ssh_line_len(const uint8_t *p, size_t n, size_t *len);
/* Decode one line (what ssh_line_len framed). WIRE_UNSUPPORTED for a line
 * that is not the identification (a server may send other lines first). */
int ssh_ident_decode(struct rd *r, struct ssh_ident *id);

#endif
