/* assess.h - rules from a service record to findings, each with severity,
 * evidence (which answer proved it) and remediation an administrator can act
 * on. Finding ids are stable (docs/record.md): reports, stores and alerts
 * key on them. */
#ifndef SMBW_ASSESS_H
#define SMBW_ASSESS_H

#include <stdbool.h>

#include "record/record.h"

/* Replace rec->findings with what the record proves. Pure: reads only the
 * record. */
void assess_record(struct svc_record *rec);

/* "critical" | "high" | "medium" | "low" | "info" -> enum; -1 if unknown. */
/* The COERCION_SURFACE of a 135 record whose host's SMB service is an
 * NTLM relay target (scan/coercion_hold.c knows): at least high, and said
 * in its evidence. */
void assess_coercion_relay_target(struct svc_record *rec);
/* The DC signs of a 135 record's host seen in the scan's other records
 * (TCP 88/389 open, a <1C> name; scan/coercion_hold.c): kept in
 * epm.dc_signs, and its COERCION_SURFACE raised as Netlogon raises it. */
void assess_dc_signs(struct svc_record *rec, const char *signs);
/* A management record (RDP, WinRM, SSH) whose host's SMB answered in the
 * same scan (scan/mgmt_hold.c knows): marked so, with MGMT_EXPOSED_WITH_SMB
 * added (high from the external view). */
void assess_mgmt_smb_on_host(struct svc_record *rec);
int assess_severity_parse(const char *s);
/* Highest severity among the findings; -1 when there are none. */
int assess_worst(const struct svc_record *rec);

/* True for an address that is globally routable (not private, loopback,
 * link-local, CGNAT, documentation, benchmarking, multicast, reserved). */
bool assess_ip_is_public(const char *ip);

#endif
