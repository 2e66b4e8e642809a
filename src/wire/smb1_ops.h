/* smb1_ops.h - SMB1 commands used after a session: TREE_CONNECT_ANDX,
 * NT_CREATE_ANDX, TRANSACTION (named pipes, PEEK_NMPIPE), TRANSACTION2
 * (the DoublePulsar knock), and the anonymous non-extended
 * SESSION_SETUP_ANDX (MS-CIFS 2.2.4.33, .55, .64, .46, .53). Encoders write a
 * whole SMB1 message (32-byte header + body, no NBSS header), with
 * FLAGS2 = UNICODE|NT_STATUS|LONG_NAMES (|EXTENDED_SECURITY where it
 * matters). Decoders take a whole SMB1 message; an error status with
 * WordCount 0 returns WIRE_OK with only hdr set. */
#ifndef SMBW_WIRE_SMB1_OPS_H
#define SMBW_WIRE_SMB1_OPS_H

#include <stdint.h>

#include "wire/buf.h"
#include "wire/smb1.h"


#define TRANS_TRANSACT_NMPIPE 0x0026
#define TRANS_PEEK_NMPIPE 0x0023
#define TRANS2_FIND_FIRST2 0x0001
#define TRANS2_SESSION_SETUP 0x000E

struct smb1_req_ctx {
	uint16_t uid, tid, mid, pid;
};

/* Anonymous logon without extended security (WordCount 13): empty account,
 * OEM password one zero byte, Unicode password empty. */
int smb1_session_setup_anon_req_encode(struct wr *w, const struct smb1_req_ctx *c);

/* path "\\\\198.18.1.10\\IPC$", service "?????". */
int smb1_tree_connect_req_encode(struct wr *w, const struct smb1_req_ctx *c, const char *path);
struct smb1_tree_connect_resp {
	struct smb1_header hdr; /* hdr.tid is the new tree */
	char service[16];       /* "IPC", "A:" ... */
	bool has_max_access;    /* the extended response (WordCount 7) */
	uint32_t max_access, guest_max_access;
};
int smb1_tree_connect_resp_decode(struct rd *msg, struct smb1_tree_connect_resp *out);

/* name "\\srvsvc"; access / share / disposition / options as MS-CIFS. */
int smb1_nt_create_req_encode(struct wr *w, const struct smb1_req_ctx *c, const char *name,
			      uint32_t desired_access, uint32_t share_access, uint32_t disposition,
			      uint32_t create_options);
struct smb1_nt_create_resp {
	struct smb1_header hdr;
	uint16_t fid;
};
int smb1_nt_create_resp_decode(struct rd *msg, struct smb1_nt_create_resp *out);

/* SMB_COM_TRANSACTION on a named pipe: name "\\PIPE\\", setup words as
 * given (e.g. {TRANS_TRANSACT_NMPIPE, fid} or {TRANS_PEEK_NMPIPE, 0}),
 * no parameters, data as given. max_param/max_data as given. */
int smb1_trans_req_encode(struct wr *w, const struct smb1_req_ctx *c, const uint16_t *setup,
			  unsigned n_setup, const uint8_t *data, uint16_t data_len,
			  uint16_t max_param, uint16_t max_data);
struct smb1_trans_resp {
	struct smb1_header hdr;
	struct rd params; /* views (may be empty) */
	struct rd data;
};
/* Decodes the body for status 0 and STATUS_BUFFER_OVERFLOW. */
int smb1_trans_resp_decode(struct rd *msg, struct smb1_trans_resp *out);

/* The DoublePulsar knock (smb-facts.md 6.4): TRANS2 SESSION_SETUP, 12 zero
 * parameter bytes, Timeout 0x00A4D9A6, on the IPC$ tree, with c->mid (65). */
int smb1_trans2_doublepulsar_req_encode(struct wr *w, const struct smb1_req_ctx *c);

/* TRANS2 FIND_FIRST2 (MS-CIFS 2.2.6.2.1) of pattern ("\\*": the root of
 * the tree c->tid), SMB_FIND_FILE_BOTH_DIRECTORY_INFO, closed after this
 * one answer: does the session may list that directory? The answer is read
 * with smb1_trans_resp_decode (same layout). */
int smb1_find_first2_req_encode(struct wr *w, const struct smb1_req_ctx *c, const char *pattern,
				uint16_t max_data);

/* READ_ANDX (MS-CIFS 2.2.4.42) of up to max_count bytes at offset 0 of fid:
 * the rest of a pipe answer that TRANSACTION reported with
 * STATUS_BUFFER_OVERFLOW. */
int smb1_read_andx_req_encode(struct wr *w, const struct smb1_req_ctx *c, uint16_t fid,
			      uint16_t max_count);
struct smb1_read_andx_resp {
	struct smb1_header hdr;
	struct rd data; /* a view into msg (may be empty) */
};
/* Decodes the body for status 0 and STATUS_BUFFER_OVERFLOW. */
int smb1_read_andx_resp_decode(struct rd *msg, struct smb1_read_andx_resp *out);

#endif
