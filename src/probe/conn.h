/* conn.h - run one probe module over one TCP connection.
 *
 * Opens the connection through the engine, does the NetBIOS session request
 * first when asked (port 139 style), reassembles NBSS frames (capped at
 * WIRE_MAX_FRAME), feeds whole SMB messages to the module and sends what it
 * answers, arming the read timeout per exchange. */
#ifndef SMBW_PROBE_CONN_H
#define SMBW_PROBE_CONN_H

#include "net/engine.h"
#include "probe/probe.h"

struct conv_result {
	enum econn_outcome connect; /* ECONN_OK when the TCP connect worked */
	enum probe_end end;
	bool answered;              /* at least one whole frame arrived */
	bool nbss_negative;         /* NetBIOS session request refused */
	uint8_t nbss_error;
	int uv_err;                 /* connect failed: its libuv error, else 0 */
	/* conv_set_keep: the module finished (PROBE_END_DONE) and the
	 * connection stays open for conv_resume; the owner must then
	 * conv_resume or conv_release it. NULL otherwise (the conversation
	 * is gone once done returns). */
	struct conv *kept;
};

struct conv;
typedef void (*conv_done_fn)(const struct conv_result *res, void *ud);

/* Start a conversation. called_name: NetBIOS called name, or NULL for a
 * direct-TCP (445-style) connection. Returns the handle (valid until done
 * has been called) for conv_abort(). */
struct conv *conv_start(struct engine *e, const struct sockaddr *sa, const char *called_name,
			const struct probe_ops *ops, struct probe_ctx *ctx, conv_done_fn done,
			void *ud);
/* Optional: a connect timeout for this conversation's connection. */
void conv_set_connect_timeout(struct conv *c, unsigned ms);
/* Optional, right after conv_start: the conversation speaks DCE/RPC
 * directly over TCP (the endpoint mapper on 135): PDUs are framed by their
 * own frag_length, not by NBSS. */
void conv_set_dcerpc(struct conv *c);
/* Optional, right after conv_start: the conversation speaks a protocol
 * that frames itself (RDP's TPKT, an HTTP head, an SSH line): fn gives the
 * length of the whole frame at p (WIRE_OK), or WIRE_TRUNCATED to wait. */
typedef int (*conv_framer_fn)(const uint8_t *p, size_t n, size_t *len);
void conv_set_framer(struct conv *c, conv_framer_fn fn);
/* Optional: called once when the TCP connection is up (before any byte). */
void conv_set_connected_cb(struct conv *c, void (*fn)(void *ud));
/* Stop now; done() is called with PROBE_END_ABORTED (later, from the loop). */
void conv_abort(struct conv *c);

/* Chaining (issue 17: the server forks, logs and alerts per connection, so
 * the conversations of one service share as few as they can). Optional:
 * when the module says PROBE_DONE the connection is kept open, its read
 * timeout disarmed, and done() gets res->kept. */
void conv_set_keep(struct conv *c);
enum conv_resume_result {
	CONV_RESUMED = 0, /* the next module runs; done() follows as usual */
	CONV_FINISHED,    /* the next module had nothing to send: its finish()
			   * ran (PROBE_END_DONE), the link is still kept, no done() */
	CONV_GONE,        /* the peer ended the kept connection: nothing ran;
			   * conv_release it and use a fresh connection */
};
/* Run the next module on a kept connection: its resume() instead of start()
 * (the negotiate is already done; the link state is in ctx). */
enum conv_resume_result conv_resume(struct conv *c, const struct probe_ops *ops,
				    conv_done_fn done, void *ud);
/* Give a kept connection up: closed now (or freed, if the peer closed it). */
void conv_release(struct conv *c);

#endif
