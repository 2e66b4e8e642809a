/* smb2_ops.h - the SMB2 commands used after a session is set up: TREE_CONNECT,
 * CREATE, CLOSE, READ, WRITE, IOCTL (pipe transceive), QUERY_DIRECTORY
 * (MS-SMB2 2.2.9-2.2.34). Encoders write a whole SMB2 message (64-byte
 * header + body, no NBSS header). Decoders take a whole SMB2 message; a
 * non-zero header status with the 9-byte error body (MS-SMB2 2.2.2) returns
 * WIRE_OK with only hdr set (callers look at hdr.status), except where noted. */
#ifndef SMBW_WIRE_SMB2_OPS_H
#define SMBW_WIRE_SMB2_OPS_H

#include <stdint.h>

#include "wire/buf.h"
#include "wire/ntstatus.h"
#include "wire/smb2.h"

#define SMB2_SHARE_TYPE_DISK 0x01
#define SMB2_SHARE_TYPE_PIPE 0x02
#define SMB2_SHARE_TYPE_PRINT 0x03

#define FSCTL_PIPE_TRANSCEIVE 0x0011C017u


/* Common request context: every request carries these header fields. */
struct smb2_req_ctx {
	uint64_t message_id;
	uint64_t session_id;
	uint32_t tree_id;
};

/* path: "\\\\198.18.1.10\\IPC$" (ASCII, sent as UTF-16LE). */
int smb2_tree_connect_req_encode(struct wr *w, const struct smb2_req_ctx *c, const char *path);
struct smb2_tree_connect_resp {
	struct smb2_header hdr; /* hdr.tree_id is the new tree */
	uint8_t share_type;
	uint32_t share_flags, capabilities, maximal_access;
};
int smb2_tree_connect_resp_decode(struct rd *msg, struct smb2_tree_connect_resp *out);

/* name: path relative to the share ("srvsvc" for the pipe, "" for a share's
 * root directory). Impersonation level 2 (Impersonation), no create
 * contexts. */
struct smb2_create_req {
	const char *name;
	uint32_t desired_access;
	uint32_t file_attributes;
	uint32_t share_access;
	uint32_t create_disposition; /* 1 = FILE_OPEN */
	uint32_t create_options;     /* 1 = FILE_DIRECTORY_FILE */
};
int smb2_create_req_encode(struct wr *w, const struct smb2_req_ctx *c,
			   const struct smb2_create_req *req);
struct smb2_create_resp {
	struct smb2_header hdr;
	uint8_t file_id[16];
	uint32_t file_attributes;
};
int smb2_create_resp_decode(struct rd *msg, struct smb2_create_resp *out);

int smb2_close_req_encode(struct wr *w, const struct smb2_req_ctx *c, const uint8_t file_id[16]);

int smb2_write_req_encode(struct wr *w, const struct smb2_req_ctx *c, const uint8_t file_id[16],
			  uint64_t offset, const uint8_t *data, uint32_t len);
struct smb2_write_resp {
	struct smb2_header hdr;
	uint32_t count;
};
int smb2_write_resp_decode(struct rd *msg, struct smb2_write_resp *out);

int smb2_read_req_encode(struct wr *w, const struct smb2_req_ctx *c, const uint8_t file_id[16],
			 uint64_t offset, uint32_t length);
struct smb2_read_resp {
	struct smb2_header hdr;
	struct rd data; /* view */
};
/* Also decodes the body when hdr.status is STATUS_BUFFER_OVERFLOW (more
 * data waits in a pipe). */
int smb2_read_resp_decode(struct rd *msg, struct smb2_read_resp *out);

/* IOCTL with FSCTL_PIPE_TRANSCEIVE (flags = SMB2_0_IOCTL_IS_FSCTL). */
int smb2_ioctl_transceive_req_encode(struct wr *w, const struct smb2_req_ctx *c,
				     const uint8_t file_id[16], const uint8_t *in, uint32_t in_len,
				     uint32_t max_out);
struct smb2_ioctl_resp {
	struct smb2_header hdr;
	uint32_t ctl_code;
	struct rd output; /* view */
};
/* Decodes the body for status 0 and STATUS_BUFFER_OVERFLOW. */
int smb2_ioctl_resp_decode(struct rd *msg, struct smb2_ioctl_resp *out);

/* QUERY_DIRECTORY, FileNamesInformation (0x0C), flags RESTART_SCANS,
 * pattern "*". */
int smb2_query_directory_req_encode(struct wr *w, const struct smb2_req_ctx *c,
				    const uint8_t file_id[16], uint32_t out_len);
struct smb2_query_directory_resp {
	struct smb2_header hdr;
	struct rd data; /* view of the entries */
	unsigned n_entries; /* entries walked (bounded) */
};
int smb2_query_directory_resp_decode(struct rd *msg, struct smb2_query_directory_resp *out);

#endif
