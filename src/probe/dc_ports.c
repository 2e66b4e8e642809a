/* dc_ports.c - a connect to 88 or 389, nothing sent; see dc_ports.h. */
#include "probe/dc_ports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/conn.h"

bool dc_port_is(uint16_t port)
{
	return port == DC_PORT_KERBEROS || port == DC_PORT_LDAP;
}

const char *dc_port_sign(uint16_t port)
{
	return port == DC_PORT_KERBEROS ? "TCP 88 open (Kerberos)"
	       : port == DC_PORT_LDAP	? "TCP 389 open (LDAP)"
					: NULL;
}

/* the conversation ends as soon as it is connected: the open port is all */
static int connect_only_start(void *st, struct probe_ctx *ctx, struct wr *out)
{
	(void)st;
	(void)ctx;
	(void)out;
	return PROBE_DONE;
}

static void connect_only_finish(void *st, struct probe_ctx *ctx, enum probe_end why)
{
	(void)st;
	(void)ctx;
	(void)why;
}

static const struct probe_ops probe_connect_only = {
	.name = "connect",
	.help = "TCP connect only (88, 389: signs of a domain controller)",
	.state_size = 1,
	.start = connect_only_start,
	.finish = connect_only_finish,
};

struct dc_port_service {
	struct probe_ctx ctx;
	service_done_fn done;
	void *ud;
};

static void connected(const struct conv_result *res, void *ud)
{
	struct dc_port_service *s = ud;
	char why[96];
	enum svc_outcome o = svc_outcome_of_connect(res, why, sizeof why);
	s->done(o, NULL, o == SVC_ERROR ? why : NULL, s->ud);
	free(s->ctx.rec); /* never made: nothing was read */
	free(s);
}

void dc_port_service_start(struct engine *e, const struct scan_opts *opts,
			   const struct sockaddr *sa, unsigned patient_connect_ms,
			   service_done_fn done, void *ud)
{
	struct dc_port_service *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	s->done = done;
	s->ud = ud;
	s->ctx.opts = opts;
	struct conv *c = conv_start(e, sa, NULL, &probe_connect_only, &s->ctx, connected, s);
	if (patient_connect_ms)
		conv_set_connect_timeout(c, patient_connect_ms);
}
