/* cert_summary.c - certificate summary through GnuTLS; see cert_summary.h. */
#include "net/cert_summary.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <string.h>

/* Append ", item" (item alone first) to out, cutting when full. */
static void join(char *out, size_t outsz, const char *item)
{
	size_t o = strlen(out);
	const char *parts[2] = {o ? ", " : "", item};
	for (unsigned k = 0; k < 2; k++)
		for (const char *c = parts[k]; *c && o + 1 < outsz; c++)
			out[o++] = *c;
	out[o] = '\0';
}

/* A DN as RFC 4514 text into out ("" when it has none). */
static void dn_text(gnutls_x509_crt_t crt, bool issuer, char *out, size_t outsz)
{
	gnutls_datum_t d = {NULL, 0};
	int rc = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &d, 0)
			: gnutls_x509_crt_get_dn3(crt, &d, 0);
	out[0] = '\0';
	if (rc == 0 && d.data)
		snprintf(out, outsz, "%.*s", (int)d.size, (const char *)d.data);
	gnutls_free(d.data);
}

/* The DNS names and addresses the certificate is for. */
static void sans_text(gnutls_x509_crt_t crt, char *out, size_t outsz)
{
	out[0] = '\0';
	for (unsigned seq = 0; seq < 64; seq++) {
		unsigned char san[256];
		size_t sz = sizeof san - 1;
		unsigned critical = 0;
		int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, san, &sz, &critical);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type < 0)
			continue; /* one that does not fit or decode: the next may */
		char item[300];
		if (type == GNUTLS_SAN_DNSNAME || type == GNUTLS_SAN_RFC822NAME ||
		    type == GNUTLS_SAN_URI) {
			san[sz < sizeof san ? sz : sizeof san - 1] = '\0';
			snprintf(item, sizeof item, "%s:%s",
				 type == GNUTLS_SAN_DNSNAME ? "DNS" : type == GNUTLS_SAN_URI ? "URI" : "email",
				 (const char *)san);
		} else if (type == GNUTLS_SAN_IPADDRESS && (sz == 4 || sz == 16)) {
			char ip[INET6_ADDRSTRLEN];
			inet_ntop(sz == 4 ? AF_INET : AF_INET6, san, ip, sizeof ip);
			snprintf(item, sizeof item, "IP:%s", ip);
		} else {
			continue;
		}
		join(out, outsz, item);
	}
}

static const char *key_name(int algo)
{
	switch (algo) {
	case GNUTLS_PK_RSA:
	case GNUTLS_PK_RSA_PSS:
		return "RSA";
	case GNUTLS_PK_DSA:
		return "DSA";
	case GNUTLS_PK_ECDSA:
		return "EC";
	case GNUTLS_PK_EDDSA_ED25519:
		return "Ed25519";
	case GNUTLS_PK_EDDSA_ED448:
		return "Ed448";
	default:
		return "other";
	}
}

/* Issued by itself, and its own key verifies its signature. */
static bool self_signed(gnutls_x509_crt_t crt)
{
	if (!gnutls_x509_crt_check_issuer(crt, crt))
		return false;
	unsigned status = 0;
	/* a chain of one with itself as the only trust anchor: only the
	 * signature is checked (dates are reported apart; a server
	 * certificate need not be a CA to sign itself). DO_NOT_ALLOW_SAME:
	 * without it GnuTLS trusts a certificate found byte for byte among
	 * the anchors and never checks its signature (a forged one passed). */
	return gnutls_x509_crt_verify(crt, &crt, 1,
				      GNUTLS_VERIFY_DO_NOT_ALLOW_SAME | GNUTLS_VERIFY_DISABLE_CA_SIGN |
					      GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
					      GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS |
					      GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1,
				      &status) == 0 &&
	       status == 0;
}

int cert_summary(const uint8_t *der, size_t len, struct rec_cert *out)
{
	memset(out, 0, sizeof *out);
	if (len == 0 || len > 1u << 20)
		return -1;
	gnutls_x509_crt_t crt;
	if (gnutls_x509_crt_init(&crt) != 0)
		return -1;
	gnutls_datum_t d = {(unsigned char *)(uintptr_t)der, (unsigned)len};
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) != 0) {
		gnutls_x509_crt_deinit(crt);
		return -1;
	}
	out->present = true;
	dn_text(crt, false, out->subject, sizeof out->subject);
	dn_text(crt, true, out->issuer, sizeof out->issuer);
	sans_text(crt, out->sans, sizeof out->sans);
	time_t nb = gnutls_x509_crt_get_activation_time(crt);
	time_t na = gnutls_x509_crt_get_expiration_time(crt);
	out->not_before = nb == (time_t)-1 ? 0 : (int64_t)nb;
	out->not_after = na == (time_t)-1 ? 0 : (int64_t)na;
	unsigned bits = 0;
	int algo = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
	snprintf(out->key_type, sizeof out->key_type, "%s", algo < 0 ? "unknown" : key_name(algo));
	out->key_bits = algo < 0 ? 0 : bits;
	out->self_signed = self_signed(crt);
	unsigned char fp[32];
	size_t fpsz = sizeof fp;
	if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp, &fpsz) == 0 && fpsz == 32)
		for (unsigned i = 0; i < 32; i++)
			snprintf(out->sha256 + 2 * i, 3, "%02x", fp[i]);
	gnutls_x509_crt_deinit(crt);
	return 0;
}
