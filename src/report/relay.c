/* relay.c - the NTLM relay target list (--relay-list FILE, --format
 * relay): one line per SMB service that does not require signing, "ip" for
 * port 445 and "ip:port" otherwise, the form ntlmrelayx -tf and
 * CrackMapExec's --gen-relay-list read. A service whose signing is unknown
 * (the negotiate did not answer) is left out: the list names what is
 * known to be relayable, nothing guessed. */
#include <stdlib.h>
#include <string.h>

#include "report/report_int.h"

struct relay_state {
	FILE *out;
};

static void *relay_open(FILE *out)
{
	struct relay_state *s = calloc(1, sizeof *s);
	if (s)
		s->out = out;
	return s;
}

/* True when a relayed NTLM logon to this service would not be refused for
 * lack of a signature. */
static bool relay_target(const struct svc_record *r)
{
	enum signing sg = report_signing(r);
	return sg == SIGN_DISABLED || sg == SIGN_ENABLED;
}

static void relay_service(void *st, const struct svc_record *r)
{
	struct relay_state *s = st;
	if (!relay_target(r))
		return;
	char ip[sizeof r->ip];
	report_clean(r->ip, ip, sizeof ip);
	bool v6 = strchr(ip, ':') != NULL;
	if (r->port == 445)
		fprintf(s->out, "%s\n", ip);
	else if (v6)
		fprintf(s->out, "[%s]:%u\n", ip, (unsigned)r->port);
	else
		fprintf(s->out, "%s:%u\n", ip, (unsigned)r->port);
	fflush(s->out);
}

static void relay_finish(void *st, const struct scan_summary *sum)
{
	(void)sum;
	fflush(((struct relay_state *)st)->out);
}

static void relay_close(void *st)
{
	free(st);
}

const struct report_ops report_relay_ops = {
	.name = "relay",
	.open = relay_open,
	.service = relay_service,
	.finish = relay_finish,
	.close = relay_close,
};
