/* smb_event.h - what the SMB stream decoder tells the detectors.
 *
 * One event per SMB message (per element of an SMB2 compound), plus a few
 * stream-level events. Fields a message does not carry stay zero / "".
 * Strings are copies (cut at WIRE_MAX_STR), so an event outlives the
 * bytes it came from only for the duration of the callback anyway. */
#ifndef SMBW_SENSOR_SMB_EVENT_H
#define SMBW_SENSOR_SMB_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "wire/buf.h"
#include "wire/limits.h"
#include "wire/smb2_compress.h"

enum smb_ev_kind {
	SMB_EV_MESSAGE,       /* any SMB message; the fields below say which */
	SMB_EV_ENCRYPTED,     /* SMB3 transform header (FD 'SMB') */
	SMB_EV_BAD_SMB2,      /* FE 'SMB' with a header that breaks MS-SMB2 2.2.1 */
	SMB_EV_OVERSIZE,      /* frame longer than our buffer cap: its head is
	                         decoded (cut = true), the rest skipped */
	SMB_EV_NOT_SMB,       /* framing lost or not SMB at all */
};

/* What part of the message was decoded beyond the header. */
enum smb_ev_what {
	SMB_W_NONE,
	SMB_W_NEGOTIATE,
	SMB_W_SESSION,
	SMB_W_TREE,
	SMB_W_CREATE,
	SMB_W_TRANS,      /* SMB1 TRANSACTION / TRANSACTION2 / NT_TRANSACT primary */
	SMB_W_SECONDARY,  /* SMB1 *_SECONDARY */
	SMB_W_COMPRESSED, /* SMB2 COMPRESSION_TRANSFORM (FC 'SMB'): ev->comp */
};

#define SMB_EV_MAX_DIALECTS 16

struct smb_event {
	enum smb_ev_kind kind;
	enum smb_ev_what what;
	uint8_t dir;          /* enum flow_dir */
	uint8_t version;      /* 1 or 2 */
	bool reply;
	uint16_t cmd;
	uint32_t status;
	uint64_t mid;         /* SMB1 MID or SMB2 MessageId */
	uint64_t uid;         /* SMB1 UID or SMB2 SessionId */
	uint32_t tid;
	uint32_t pid;         /* SMB1 PIDHigh << 16 | PIDLow */
	uint16_t flags2;      /* SMB1 */
	uint32_t flags;       /* SMB1 Flags or SMB2 Flags */
	bool is_signed;       /* SMB1 FLAGS2_SMB_SECURITY_SIGNATURE / SMB2_FLAGS_SIGNED */
	uint32_t frame_len;   /* NBSS payload length (as declared) */
	bool cut;             /* frame too long to buffer: only its first
	                         SMB_STREAM_HEAD bytes were decoded */

	/* NEGOTIATE */
	unsigned n_dialects;  /* request: dialects offered */
	uint16_t dialect;     /* response: SMB2 dialect, or SMB1 index */
	char dialect_name[32];/* response: "NT LM 0.12", "3.1.1", "" when none */
	bool sign_enabled, sign_required;
	/* SMB2 3.1.1 COMPRESSION_CAPABILITIES context: request offers it /
	 * response selects an algorithm (names in compression_algs) */
	bool compression;
	char compression_algs[48];
	uint32_t max_size;    /* response: largest of MaxTransact/Read/WriteSize */

	/* SESSION_SETUP */
	bool has_auth;        /* request carried an AUTHENTICATE / account */
	bool anonymous;       /* that account was anonymous */
	bool no_response;     /* no challenge response / password at all (NT empty,
	                         LM empty or one byte): no password was tried */
	bool guest;           /* response: logged on as guest */
	bool null_flag;       /* response: SMB2 IS_NULL */
	char user[WIRE_MAX_STR];
	char domain[WIRE_MAX_STR];

	/* TREE_CONNECT request path / CREATE name / TRANS name; TREE reply service */
	char path[WIRE_MAX_STR];
	bool is_ipc;          /* tree reply: share is IPC (SMB1 "IPC", SMB2 PIPE) */

	/* SMB1 transactions */
	uint16_t setup_count;
	uint16_t setup0, setup1;   /* TRANS/TRANS2 setup words; NT_TRANS: Function */
	uint32_t total_param, total_data;
	uint32_t param_count, data_count;
	uint32_t data_disp;
	uint32_t timeout;

	/* SMB_W_COMPRESSED */
	struct smb2_compress_hdr comp;
	/* Raw views for detectors that decode further (detect_lateral.c),
	 * valid during the callback only. msg: the SMB1 message, or this SMB2
	 * compound element, positioned after the header (offsets in SMB
	 * fields are from msg.p); words: the SMB1 block's parameter words. */
	struct rd msg;
	struct rd words;
};

typedef void (*smb_event_fn)(void *ctx, const struct smb_event *ev);

#endif
