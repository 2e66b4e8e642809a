/* engine.h - moves bytes for TCP connections under limits; knows no SMB.
 *
 * The engine owns every connection (struct econn). It enforces a cap on
 * connections in flight (attempts beyond it wait in a FIFO), a cap on new
 * connection attempts per second, a connect timeout, and a per-connection
 * read timeout that callers re-arm for each exchange. It reports outcomes
 * through callbacks; a connection's memory is released only after its
 * closed callback has returned (libuv handles are not movable). */
#ifndef SMBW_NET_ENGINE_H
#define SMBW_NET_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

struct engine_opts {
	unsigned max_inflight;      /* connections open or connecting at once */
	unsigned rate;              /* new connection attempts per second, 0 = no cap */
	unsigned connect_timeout_ms;
};

/* Why a connection ended or what a connect produced. */
enum econn_outcome {
	ECONN_OK = 0,
	ECONN_REFUSED,  /* RST to our SYN: port closed */
	ECONN_TIMEOUT,  /* connect or read timed out */
	ECONN_RESET,    /* reset after connecting */
	ECONN_EOF,      /* peer closed */
	ECONN_ERROR,    /* anything else (unreachable, out of fds, ...) */
	ECONN_CLOSED,   /* we closed it */
};
const char *econn_outcome_name(enum econn_outcome o);

struct econn;

struct econn_cb {
	/* Connect finished: ECONN_OK, or the failure (the connection is then
	 * already closing; closed() still follows). */
	void (*connected)(struct econn *c, enum econn_outcome o, void *ud);
	/* Bytes arrived (valid only during the call). */
	void (*data)(struct econn *c, const uint8_t *p, size_t n, void *ud);
	/* Read timeout, EOF, reset or error after connecting; the connection
	 * is closing. */
	void (*ended)(struct econn *c, enum econn_outcome o, void *ud);
	/* Last call for this connection; free what ud owns here if needed. */
	void (*closed)(struct econn *c, void *ud);
};

struct engine;
struct engine *engine_new(uv_loop_t *loop, const struct engine_opts *opts);
void engine_free(struct engine *e);
uv_loop_t *engine_loop(struct engine *e);
unsigned engine_inflight(const struct engine *e);
/* Change the new-connection rate cap (0 = none) from now on. */
void engine_set_rate(struct engine *e, unsigned rate);
unsigned engine_rate(const struct engine *e);
/* Connect timeout for connections started from now on. */
void engine_set_connect_timeout(struct engine *e, unsigned ms);
/* Connections waiting for a slot or a rate token. */
unsigned engine_pending(const struct engine *e);
uint64_t engine_attempts(const struct engine *e);

/* Start (or queue) a connection. Never fails synchronously for reasons a
 * peer controls; a local failure is reported through connected(). */
struct econn *econn_open(struct engine *e, const struct sockaddr *sa, const struct econn_cb *cb,
			 void *ud);
/* Queue bytes (copied). Returns 0 or a negative libuv error. */
int econn_write(struct econn *c, const uint8_t *p, size_t n);
/* This connection's connect timeout (instead of the engine's). */
void econn_set_connect_timeout(struct econn *c, unsigned ms);
/* (Re)arm the read timeout: ended(ECONN_TIMEOUT) if no byte arrives within ms. */
void econn_set_read_timeout(struct econn *c, unsigned ms);
/* Disarm the read timeout: a connection kept open between two exchanges
 * (probe/conn.c conv_set_keep) waits for no byte. */
void econn_clear_read_timeout(struct econn *c);
/* Close; no data/ended callbacks after this, closed() follows. Idempotent. */
void econn_close(struct econn *c);
/* The libuv error (UV_E*, < 0) that ended the connect, 0 if none: the reason
 * behind ECONN_ERROR ("address not available", "network unreachable"). */
int econn_uv_error(const struct econn *c);

#endif
