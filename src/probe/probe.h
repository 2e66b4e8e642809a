/* probe.h - probe modules: the conversations smbwatch holds with a service.
 *
 * A probe module is a small state machine over ONE TCP connection: it says
 * what to send first, and given each whole SMB message (NetBIOS framing
 * already removed) what to send next, or that it is done. Probes never
 * parse bytes (they call wire/) and never touch sockets (probe/conn.c runs
 * them over net/engine). They write what they learn into the service record
 * and into the shared per-service context. */
#ifndef SMBW_PROBE_H
#define SMBW_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/engine.h"
#include "record/record.h"
#include "wire/buf.h"

/* on_frame / start results (negative values are WIRE_* errors). */
enum probe_next {
	PROBE_DONE = 0, /* conversation over: close the connection */
	PROBE_SEND = 1, /* `out` holds the next SMB message to send */
	PROBE_WAIT = 2, /* nothing to send, wait for more frames */
	/* as PROBE_SEND, for a DCE/RPC step (pipe open, bind, an RPC call): the
	 * answer may wait for the server to start its RPC service (Samba 4.17
	 * forks samba-dcerpcd on demand), so it gets rpc_timeout_ms, not the
	 * short read timeout meant to spot mute listeners */
	PROBE_SEND_RPC = 3,
};

/* Why a conversation finished, passed to finish(). */
enum probe_end {
	PROBE_END_DONE = 0, /* the module said PROBE_DONE */
	PROBE_END_TIMEOUT,  /* no answer within the read timeout */
	PROBE_END_CLOSED,   /* peer closed (FIN) */
	PROBE_END_RESET,    /* peer reset */
	PROBE_END_PROTOCOL, /* the peer's bytes did not decode */
	PROBE_END_ABORTED,  /* the service deadline hit, or a local error */
};

/* "timeout", "closed by peer", "reset", "malformed answer", ... */
const char *probe_end_name(enum probe_end why);

struct pace;

struct scan_opts {
	unsigned checks;           /* CHECK_BIT(enum rec_check_id) set, check/check.h */
	struct pace *pace;         /* follow-up window and overload (net/pace.h), may be NULL */
	unsigned read_timeout_ms;  /* per exchange */
	unsigned rpc_timeout_ms;   /* per DCE/RPC exchange (PROBE_SEND_RPC); 0 = read_timeout_ms */
	unsigned deadline_ms;      /* per service, all its connections */
	unsigned retries;          /* retries of a timed-out connect */
	bool dialects_each;        /* list dialects one by one (holes), not by range */
	/* --max-inflight 1: a service may hold one connection at a time, so
	 * no link is kept for the checks (a kept one would leave the next
	 * connection queued behind it until the deadline) */
	bool one_connection;
	char view[32];
};

/* State shared by all conversations of one service. */
struct probe_ctx {
	/* The record exists only once the service has sent a byte (see
	 * probe_ctx_record): the thousands of silent or mute addresses in
	 * flight during a big scan cost no record memory. Modules only touch
	 * rec in on_frame/finish after a frame, where it is never NULL. */
	struct svc_record *rec;
	char ip[64];              /* template for the record */
	uint16_t port;
	bool netbios;
	const struct scan_opts *opts;
	/* dialect probe input/output (probe "dialect") */
	uint16_t offer[5];
	unsigned n_offer;
	uint16_t chosen;          /* dialect the server picked, 0 = none */
	/* observations the orchestrator decides on */
	bool smb_answer;          /* some conversation got a real SMB answer */
	uint16_t smb2_max;        /* dialect of the full negotiate, 0 = none */
	bool smb1_answer;         /* the SMB1 negotiate got an SMB1 reply */
	uint8_t client_guid[16];
	uint8_t salt[32];
	/* The link a kept connection hands to the next conversation on it
	 * (probe/conn.h conv_resume): the SMB2 one negotiated by
	 * probe_smb2_negotiate, the SMB1 one by probe_smb1_negotiate. Each
	 * module that runs on it leaves the next message id here. */
	uint64_t link2_mid;       /* next SMB2 MessageId on the SMB2 link */
	bool link2_ok;            /* the SMB2 link negotiated a dialect */
	bool link1_ok;            /* the SMB1 link negotiated NT LM 0.12 */
	bool link1_ext;           /* ... with extended security (NTLMSSP logons) */
	/* the dialect probes' connection: a refused NEGOTIATE leaves it
	 * un-negotiated, so the next probe rides it; its next MessageId */
	uint64_t probe_mid;
};

struct probe_ops {
	const char *name;   /* stable: --checks and error stages use it */
	const char *help;   /* one line */
	size_t state_size;  /* zeroed bytes the runner allocates per conversation */
	/* First message into out. Returns PROBE_SEND or <0. */
	int (*start)(void *st, struct probe_ctx *ctx, struct wr *out);
	/* One whole SMB message. Returns enum probe_next or <0 (WIRE_*: the
	 * conversation ends with PROBE_END_PROTOCOL). */
	int (*on_frame)(void *st, struct probe_ctx *ctx, struct rd *msg, struct wr *out);
	/* Optional: first message on a connection another module already
	 * negotiated (conv_resume; ctx->link*). PROBE_SEND, PROBE_DONE when
	 * there is nothing to ask on it, or <0. NULL: needs its own connection. */
	int (*resume)(void *st, struct probe_ctx *ctx, struct wr *out);
	/* Always called once at the end; record what was learned, never guess. */
	void (*finish)(void *st, struct probe_ctx *ctx, enum probe_end why);
};

extern const struct probe_ops probe_smb2_negotiate; /* full negotiate + NTLM challenge */
extern const struct probe_ops probe_smb1_negotiate; /* SMB1-only negotiate + session setup */
extern const struct probe_ops probe_dialect;        /* one negotiate with ctx->offer */
extern const struct probe_ops probe_anon2;   /* SMB2 null session, IPC$, shares */
extern const struct probe_ops probe_guest2;  /* SMB2 guest logon (random user), shares */
extern const struct probe_ops probe_guest1;  /* SMB1 guest logon, hosts without SMB2 */
extern const struct probe_ops probe_anon1;   /* SMB1 null session, MS17-010, DoublePulsar, shares */
extern const struct probe_ops probe_relay_legacy; /* 2.0.2/2.1-only anonymous logon (relay.c) */

/* The service record, allocated and filled with ip/port/view on first use. */
struct svc_record *probe_ctx_record(struct probe_ctx *ctx);

#endif
