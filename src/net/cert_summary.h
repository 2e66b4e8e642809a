/* cert_summary.h - the summary of a server certificate kept as evidence
 * (subject, SANs, issuer, validity, key, self-signed, fingerprint). GnuTLS
 * decodes the DER: no X.509 by hand. The certificate is never trusted nor
 * verified against anything but itself (is it self-signed?). */
#ifndef SMBW_NET_CERT_SUMMARY_H
#define SMBW_NET_CERT_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "record/record.h"

/* Fill out from der[len]; 0, or -1 (out->present false) when it does not
 * decode as an X.509 certificate. */
int cert_summary(const uint8_t *der, size_t len, struct rec_cert *out);

#endif
