/* relay.c - the NTLM relay target list (--relay-list FILE, --format
 * relay): one line per relay target (assess/relay_verdict.c: signing not
 * required, NTLM not refused, encryption not required), "ip" for port 445
 * and "ip:port" otherwise, the form ntlmrelayx -tf and NetExec's
 * --gen-relay-list read. A service whose signing is unknown (the negotiate
 * did not answer) is left out: the list names what is known to be
 * relayable, nothing guessed. */
#include <stdlib.h>
#include <string.h>

#include "assess/relay_verdict.h"
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

void report_relay_line(const char *ip, unsigned port, char *out, size_t outsz)
{
	if (port == 445)
		snprintf(out, outsz, "%s", ip);
	else if (strchr(ip, ':'))
		snprintf(out, outsz, "[%s]:%u", ip, port);
	else
		snprintf(out, outsz, "%s:%u", ip, port);
}

static bool relay_target(const struct svc_record *r)
{
	struct relay_verdict v;
	relay_verdict_of(r, &v);
	return v.target;
}

static void relay_service(void *st, const struct svc_record *r)
{
	struct relay_state *s = st;
	if (!relay_target(r))
		return;
	char ip[sizeof r->ip], line[REPORT_RELAY_LINE_MAX];
	report_clean(r->ip, ip, sizeof ip);
	report_relay_line(ip, r->port, line, sizeof line);
	fprintf(s->out, "%s\n", line);
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
