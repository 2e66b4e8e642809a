/* quic.c - SMB over QUIC on UDP 443: did a QUIC v1 handshake with ALPN
 * "smb" complete (or did the server refuse the ALPN), did it ask for a
 * client certificate, and its certificate as evidence. Its own probe
 * (probe/quic_probe.c) runs on U:443 when -p or --quic asks for it; the SMB
 * part of the record comes through the tunnel (transport "quic"). The
 * findings are SMB_OVER_QUIC_EXPOSED, QUIC_CERT_EXPIRED and
 * QUIC_CERT_SELF_SIGNED (assess.c), beside every SMB finding. */
#include "check/check.h"

#include <string.h>

#include "record/json.h"

static bool quic_known(const struct svc_record *r)
{
	return r->quic.present;
}

static void quic_json(const struct svc_record *r, json_t *root)
{
	const struct rec_quic *q = &r->quic;
	if (!q->present)
		return;
	json_t *o = json_object();
	json_object_set_new(o, "handshake", json_boolean(q->handshake));
	json_object_set_new(o, "alpn_refused", json_boolean(q->alpn_refused));
	json_object_set_new(o, "client_cert_requested", json_boolean(q->client_cert));
	if (q->cert.present)
		json_object_set_new(o, "certificate", record_json_cert(&q->cert));
	json_object_set_new(root, "quic", o);
}

/* "SMB over QUIC", "QUIC, not SMB (ALPN refused)", "QUIC" */
static const char *quic_words(const struct rec_quic *q)
{
	if (q->handshake)
		return q->client_cert ? "SMB" CHECK_NBSP "over" CHECK_NBSP "QUIC" CHECK_NBSP
					"(client" CHECK_NBSP "certificates)"
				      : "SMB" CHECK_NBSP "over" CHECK_NBSP "QUIC";
	if (q->alpn_refused)
		return "QUIC," CHECK_NBSP "not" CHECK_NBSP "SMB" CHECK_NBSP "(ALPN" CHECK_NBSP
		       "refused)";
	return "QUIC" CHECK_NBSP "(no" CHECK_NBSP "handshake)";
}

static void quic_text(const struct svc_record *r, char *line, size_t linesz)
{
	if (!r->quic.present)
		return;
	check_join(line, linesz, quic_words(&r->quic));
}

static void quic_line(const struct svc_record *r, FILE *f)
{
	const struct rec_quic *q = &r->quic;
	if (!q->present)
		return;
	fprintf(f, " (quic:%s%s", q->handshake ? "smb" : q->alpn_refused ? "alpn_refused" : "other",
		q->client_cert ? " client_cert" : "");
	if (q->cert.present && q->cert.subject[0])
		fprintf(f, " cert:%s", q->cert.subject);
	fputc(')', f);
}

static void state_fact(const struct svc_record *r, struct check_value *v)
{
	if (!r->quic.present)
		return;
	v->kind = CV_TEXT;
	snprintf(v->text, sizeof v->text, "%s",
		 r->quic.handshake ? (r->quic.client_cert ? "smb, client certificate" : "smb")
		 : r->quic.alpn_refused ? "alpn refused"
					: "no handshake");
}

/* "CN=fs.lab, issuer CN=fs.lab, until 2027-01-01T00:00:00Z, RSA 2048, self-signed" */
static void cert_fact(const struct svc_record *r, struct check_value *v)
{
	const struct rec_cert *c = &r->quic.cert;
	if (!r->quic.present || !c->present)
		return;
	char na[32] = "";
	if (c->not_after)
		unix_to_rfc3339(c->not_after, na, sizeof na);
	v->kind = CV_TEXT;
	char key[40], issuer[200];
	snprintf(key, sizeof key, "%s %u", c->key_type, c->key_bits);
	snprintf(issuer, sizeof issuer, "issuer %s", c->issuer);
	v->text[0] = '\0';
	check_join(v->text, sizeof v->text, c->subject);
	if (c->sans[0])
		check_join(v->text, sizeof v->text, c->sans);
	check_join(v->text, sizeof v->text, issuer);
	if (na[0]) {
		char until[40];
		snprintf(until, sizeof until, "until %s", na);
		check_join(v->text, sizeof v->text, until);
	}
	check_join(v->text, sizeof v->text, key);
	if (c->self_signed)
		check_join(v->text, sizeof v->text, "self-signed");
}

const struct check check_quic = {
	.id = "quic",
	.summary = "SMB over QUIC: handshake (ALPN smb), client-cert request, certificate, SMB2 inside",
	.needs = NEEDS_OWN_PORT,
	.ports = "U:443",
	.fields = {"quic", NULL},
	.known = quic_known,
	.to_json = quic_json,
	.text_group = TEXT_AUTH,
	.to_text = quic_text,
	.to_line = quic_line,
	.facts = {{"quic", "SMB over QUIC", state_fact},
		  {"quic_cert", "QUIC certificate", cert_fact}},
	.findings = {FIND_SMB_OVER_QUIC_EXPOSED, FIND_QUIC_CERT_EXPIRED, FIND_QUIC_CERT_SELF_SIGNED},
};
