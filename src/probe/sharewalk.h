/* sharewalk.h - the share walk, written once for SMB2 and SMB1: on a
 * session whose IPC$ tree is connected, open \srvsvc, BIND, NetShareEnumAll
 * (gathering an answer that does not fit one message), store the list;
 * then for each disk share whose access is unknown, connect to it, open its
 * root directory and list it. anonymous_read means one thing on both: the
 * root of the share can be listed (MS-SMB2 QUERY_DIRECTORY, MS-CIFS
 * FIND_FIRST2). anonymous_write likewise: the maximal access the tree
 * connect grants allows writing (probe/share_access.h). Read-only: nothing
 * is created, written or deleted.
 *
 * What differs between dialects is behind struct share_transport: how a
 * request is framed and how its answer is read (shares2.c, smb1_checks.c).
 * Unit-tested with a fake transport (test_sharewalk). */
#ifndef SMBW_PROBE_SHAREWALK_H
#define SMBW_PROBE_SHAREWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/probe.h"
#include "wire/buf.h"

/* The requests of a walk, in order. */
enum walk_req {
	WALK_OPEN_PIPE = 0, /* open \srvsvc on IPC$ */
	WALK_PIPE_CALL,     /* one DCE/RPC PDU through the pipe, its answer back */
	WALK_PIPE_READ,     /* the rest of an answer that did not fit */
	WALK_TREE,          /* connect to a share */
	WALK_OPEN_ROOT,     /* open the share's root directory for listing */
	WALK_LIST_ROOT,     /* list it */
};

/* An answer as the walk needs it. */
struct walk_answer {
	uint32_t status; /* NT status */
	struct rd data;  /* WALK_PIPE_CALL / WALK_PIPE_READ: the bytes (a view) */
	/* WALK_TREE: the session's maximal access on the share, when the
	 * answer carries it (SMB2 always; SMB1 the extended response) */
	bool has_max_access;
	uint32_t max_access;
};

struct share_transport {
	const char *name; /* "SMB2", "SMB1": in error messages */
	/* Write request `req` into out (WALK_PIPE_CALL: with data[0..n)).
	 * WALK_TREE: share is the share name. Returns WIRE_OK or <0. */
	int (*request)(void *t, enum walk_req req, const char *share, const uint8_t *data,
		       size_t n, struct wr *out);
	/* Decode the answer to `req` (the transport keeps file and tree ids
	 * of successful opens). Returns WIRE_OK, PROBE_WAIT for an interim
	 * answer to ignore, or <0. */
	int (*answer)(void *t, enum walk_req req, struct rd *msg, struct walk_answer *a);
};

struct share_walk {
	const struct share_transport *tp;
	void *t;
	enum walk_req step;
	unsigned share_idx;
	bool bound; /* the SRVSVC BIND was accepted */
	size_t rpc_len;
	uint8_t *rpc; /* the RPC answer being gathered, heap, WALK_RPC_MAX at most */
};

/* Begin the walk (the IPC$ tree is connected). list: enumerate the shares
 * (false when only their access is wanted, or they are known already).
 * Returns PROBE_SEND / PROBE_SEND_RPC, PROBE_DONE when there is nothing to
 * do, or <0. */
int walk_start(struct share_walk *w, const struct share_transport *tp, void *t,
	       struct probe_ctx *ctx, bool list, struct wr *out);
/* The answer to the last request. Returns PROBE_SEND / PROBE_SEND_RPC /
 * PROBE_WAIT, PROBE_DONE when the walk is over (the caller's conversation
 * goes on), or <0. */
int walk_on_frame(struct share_walk *w, struct probe_ctx *ctx, struct rd *msg, struct wr *out);
/* Free what the walk holds; it may be started again. */
void walk_free(struct share_walk *w);

#endif
