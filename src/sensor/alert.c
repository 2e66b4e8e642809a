/* alert.c - alert table, JSON form, JSON Lines sink, de-duplication. */
#include "sensor/alert.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct alert_def {
	const char *id, *severity, *title, *remediation;
};

/* Remediation texts: what an operator does about it, not what it is. */
static const struct alert_def alert_defs[] = {
	{"SMB_SCAN", "medium", "SMB port scan",
	 "Find the scanning host and confirm it is an authorised scanner; otherwise isolate it "
	 "and look for the malware or operator behind it. Block 445/139 between client "
	 "segments so workstations cannot reach each other's SMB ports."},
	{"SMB_PIVOT_SCAN", "high", "SMB port scan from an inside address (pivot)",
	 "Treat the scanning host as compromised: an inside host sweeping 445/139 is the "
	 "spread step after a break-in (scan, exploit, pivot). Isolate it, find the process "
	 "opening the connections, and check the hosts it reached for exploitation and "
	 "lateral-movement alerts. If it is an authorised scanner, list it with "
	 "--approved-scanners."},
	{"SMB_BRUTE_FORCE", "high", "SMB logon brute force / password spraying",
	 "Block or isolate the source, check the targeted accounts for successful logons "
	 "and lockouts, enforce an account lockout policy and MFA, and rotate any password "
	 "that may have been guessed."},
	{"SMB1_IN_USE", "medium", "SMB1 negotiated",
	 "Disable SMB1 on the server (Set-SmbServerConfiguration -EnableSMB1Protocol $false; "
	 "Samba: server min protocol = SMB2_02) and upgrade or replace the client that "
	 "still needs it."},
	{"ANONYMOUS_IPC", "low", "Anonymous session reached IPC$",
	 "Restrict anonymous access (RestrictAnonymous=1, RestrictNullSessAccess=1; "
	 "Samba: restrict anonymous = 2) unless legacy clients need it."},
	{"NULL_SESSION_USED", "medium", "Null session used for enumeration",
	 "Restrict anonymous access (RestrictAnonymous/RestrictNullSessAccess; Samba: "
	 "restrict anonymous = 2) and find out who enumerated the host."},
	{"MS17_010_CHECK", "high", "MS17-010 vulnerability probe",
	 "Find the probing host (scanner or worm). Apply MS17-010 (KB4013389) to every "
	 "host that answered STATUS_INSUFF_SERVER_RESOURCES and disable SMB1."},
	{"MS17_010_EXPLOIT", "critical", "MS17-010 exploitation attempt",
	 "Isolate the target and the source now. Apply MS17-010 (KB4013389), disable "
	 "SMB1, check the target for DoublePulsar and lateral movement, and treat it as "
	 "compromised if the exploit succeeded."},
	{"SMB1_TRANS_GROOMING", "high", "SMB1 transaction grooming (Eternal* exploit set-up)",
	 "Isolate the target and the source: this is the set-up of EternalRomance/Synergy/"
	 "Champion. Apply MS17-010 (KB4013389), disable SMB1, and look for an exploitation "
	 "alert and DoublePulsar from the same client."},
	{"SMBGHOST_CHECK", "high", "SMBGhost (CVE-2020-0796) vulnerability probe",
	 "Find the probing host (scanner or worm). Apply KB4551762 (CVE-2020-0796) to every "
	 "Windows 10 / Server 1903-1909 host that answered with compression, or disable SMB "
	 "3.1.1 compression (DisableCompression=1) until patched."},
	{"SMBGHOST_EXPLOIT", "critical", "SMBGhost / SMBleed exploitation attempt",
	 "Isolate the target and the source now. Apply KB4551762 (CVE-2020-0796) and "
	 "KB4560960 (CVE-2020-1206), disable SMB compression meanwhile, and treat the target "
	 "as compromised if it did not crash: the exploit gives kernel code execution."},
	{"DOUBLEPULSAR", "high", "DoublePulsar backdoor knock",
	 "Isolate the target: an answering implant means kernel-level compromise. "
	 "Reboot removes the in-memory implant, but reinstall or restore and patch "
	 "MS17-010 before reconnecting; hunt for the source."},
	{"LATERAL_SERVICE_CREATE", "high", "Service created remotely over SMB (svcctl)",
	 "Confirm with the client's owner that this was an approved administrative action "
	 "(PsExec, deployment tool); otherwise isolate both hosts, remove the service and "
	 "its binary, and reset the credentials the client used. Restrict remote service "
	 "control to admin jump hosts (host firewall on 445 from workstations)."},
	{"LATERAL_TASK_CREATE", "high", "Scheduled task or job created remotely over SMB",
	 "Confirm the job/task was an approved administrative action; otherwise isolate both "
	 "hosts, delete the task, and reset the credentials the client used."},
	{"REMOTE_REGISTRY_WRITE", "medium", "Registry written remotely over SMB (winreg)",
	 "Check that the client is a management host; review the key/value written "
	 "(Run keys, services, LSA settings are persistence and credential-theft targets) and "
	 "disable the RemoteRegistry service where it is not needed."},
	{"REMOTE_SECRETS_DUMP", "critical", "Registry hive saved remotely over SMB (secretsdump)",
	 "Treat every local account and cached credential of the server as stolen: isolate "
	 "the client, rotate the local administrator and machine passwords (LAPS), and hunt "
	 "for reuse of those hashes."},
	{"ADMIN_SHARE_EXEC_WRITE", "high", "Executable written to an administrative share",
	 "Find out who copied the file and why; if not an approved deployment, isolate both "
	 "hosts, quarantine the file, and look for the service or task that runs it."},
	{"UNSIGNED_SESSION", "medium", "Authenticated SMB session without signing",
	 "Require SMB signing on the server (RequireSecuritySignature=1; Samba: server "
	 "signing = mandatory) so NTLM relay to it fails."},
};

/* What a scanner does to find SMB hosts and their holes, as opposed to
 * attacking them: an approved scanner's alerts of these kinds go to info
 * (a DoublePulsar implant that answers is not a probe: the detector
 * raises that one with its own severity and clears probe). */
static const char *const probe_ids[] = {"SMB_SCAN", "MS17_010_CHECK", "SMBGHOST_CHECK",
					"DOUBLEPULSAR"};

void alert_init(struct sensor_alert *a, const char *id)
{
	memset(a, 0, sizeof *a);
	a->id = id;
	a->severity = "info";
	a->title = id;
	a->remediation = "";
	for (size_t i = 0; i < sizeof alert_defs / sizeof alert_defs[0]; i++) {
		if (strcmp(alert_defs[i].id, id) == 0) {
			a->id = alert_defs[i].id;
			a->severity = alert_defs[i].severity;
			a->title = alert_defs[i].title;
			a->remediation = alert_defs[i].remediation;
		}
	}
	for (size_t i = 0; i < sizeof probe_ids / sizeof probe_ids[0]; i++)
		if (strcmp(probe_ids[i], id) == 0)
			a->probe = true;
}

bool alert_approve_probe(struct sensor_alert *a)
{
	if (!a->probe)
		return false;
	a->severity = "info";
	a->approved_scanner = true;
	return true;
}

void alert_set_severity(struct sensor_alert *a, const char *severity)
{
	a->severity = severity;
}

static void ts_format(uint64_t ts_us, char *out, size_t outsz)
{
	time_t t = (time_t)(ts_us / 1000000u);
	struct tm tm;
	char base[32];
	gmtime_r(&t, &tm);
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, outsz, "%s.%06uZ", base, (unsigned)(ts_us % 1000000u));
}

json_t *alert_to_json(const struct sensor_alert *a)
{
	char ts[48];
	json_t *o = json_object();
	if (!o)
		return NULL;
	ts_format(a->ts_us, ts, sizeof ts);
	json_object_set_new(o, "type", json_string("alert"));
	json_object_set_new(o, "id", json_string(a->id));
	json_object_set_new(o, "severity", json_string(a->severity));
	json_object_set_new(o, "title", json_string(a->title));
	json_object_set_new(o, "ts", json_string(ts));
	json_object_set_new(o, "src", json_string(a->src));
	json_object_set_new(o, "dst", a->dst[0] ? json_string(a->dst) : json_null());
	if (a->src_port)
		json_object_set_new(o, "src_port", json_integer(a->src_port));
	if (a->dst_port)
		json_object_set_new(o, "dst_port", json_integer(a->dst_port));
	json_object_set_new(o, "evidence", json_string(a->evidence));
	if (a->details)
		json_object_set(o, "details", a->details);
	json_object_set_new(o, "remediation", json_string(a->remediation));
	if (a->approved_scanner)
		json_object_set_new(o, "approved_scanner", json_true());
	if (a->escalation)
		json_object_set(o, "escalation", a->escalation);
	return o;
}

void alert_sink_jsonl(void *ctx, const struct sensor_alert *a)
{
	FILE *f = ctx;
	json_t *o = alert_to_json(a);
	if (!o)
		return;
	char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (line) {
		fputs(line, f);
		fputc('\n', f);
		fflush(f);
		free(line);
	}
	json_decref(o);
}

struct dedupe_slot {
	uint64_t key;
	uint64_t ts_us;
};

struct alert_dedupe {
	struct dedupe_slot *slots;
	size_t n, cap;
};

struct alert_dedupe *alert_dedupe_new(size_t max_keys)
{
	struct alert_dedupe *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->cap = max_keys ? max_keys : 1;
	d->slots = calloc(d->cap, sizeof *d->slots);
	if (!d->slots) {
		free(d);
		return NULL;
	}
	return d;
}

void alert_dedupe_free(struct alert_dedupe *d)
{
	if (!d)
		return;
	free(d->slots);
	free(d);
}

static uint64_t fnv64(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return (h ^ 0xff) * 1099511628211ull; /* field separator */
}

bool alert_dedupe_seen(struct alert_dedupe *d, const struct sensor_alert *a, const char *extra,
		       uint64_t window_us)
{
	/* a 64-bit hash stands for the key: a collision would drop one alert
	 * in ~2^32 keys, far beyond max_keys */
	uint64_t k = 14695981039346656037ull;
	k = fnv64(fnv64(fnv64(fnv64(fnv64(k, a->id), a->severity), a->src), a->dst), extra);
	size_t oldest = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (d->slots[i].key == k) {
			if (a->ts_us >= d->slots[i].ts_us && a->ts_us - d->slots[i].ts_us < window_us)
				return true;
			d->slots[i].ts_us = a->ts_us;
			return false;
		}
		if (d->slots[i].ts_us < d->slots[oldest].ts_us)
			oldest = i;
	}
	if (d->n < d->cap)
		oldest = d->n++;
	d->slots[oldest].key = k;
	d->slots[oldest].ts_us = a->ts_us;
	return false;
}
