/* test_sensor_pcaps.c - the sensor end to end on the real captures of
 * tests/data/pcaps (README.md there says what each holds): every alert
 * expected, in order, and nothing else. Captures not listed with an alert
 * must raise none (benign SMB2/3 sessions, the patched target that was
 * never attacked over TCP). The pcaps are read from $SMBW_PCAPS, or from
 * the vendored tests/data/pcaps (SMBW_PCAP_DIR, an absolute path meson
 * sets); a missing capture fails the test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sensor/packet.h"
#include "sensor/sensor.h"
#include "sensor/source.h"

struct expect {
	const char *file;
	const char *alert; /* "ID severity src dst" ("-" for no dst) */
};

static const struct expect expected[] = {
	/* `at` over SMB2 \\atsvc, NDR64: NetrJobAdd of c:\\mimikatz.exe */
	{"401trg-at-schedule.pcap", "LATERAL_TASK_CREATE high 192.168.10.31 192.168.10.30"},
	/* Metasploit psexec over SMB1: CreateServiceW "PLYteGjx" scattered over 8 writes */
	{"401trg-metasploit-psexec-pth-download-meterpreter.pcap", "SMB1_IN_USE medium 192.168.10.50 192.168.10.31"},
	{"401trg-metasploit-psexec-pth-download-meterpreter.pcap", "LATERAL_SERVICE_CREATE high 192.168.10.50 192.168.10.31"},
	/* 401trg-mimikatz-copy-to-host.pcap: nothing. Despite its name and the
	 * README row, it holds no WRITE: the client opens C$\\temp\\mimikatz.exe
	 * for reading (Disposition OPEN, access 0x120089) and READs it, i.e.
	 * the copy goes from the admin share to the client. */
	{"crackmapexec-win7.pcap", "UNSIGNED_SESSION medium 192.168.1.109 192.168.1.46"},
	/* CrackMapExec's smbexec-style command: CreateServiceW "KPZbFwrLmh",
	 * binary "%COMSPEC% /Q /c echo cd ... > %TEMP%\\BlMoxwgcLz.bat & ..." */
	{"crackmapexec-win7.pcap", "LATERAL_SERVICE_CREATE high 192.168.1.109 192.168.1.46"},
	{"doublepulsar-backdoor-connect-win7.pcap", "SMB1_IN_USE medium 192.168.198.203 192.168.198.204"},
	{"doublepulsar-backdoor-connect-win7.pcap", "ANONYMOUS_IPC low 192.168.198.203 192.168.198.204"},
	{"doublepulsar-backdoor-connect-win7.pcap", "NULL_SESSION_USED medium 192.168.198.203 192.168.198.204"},
	{"doublepulsar-backdoor-connect-win7.pcap", "SMB1_IN_USE medium 192.168.198.204 192.168.198.203"},
	{"doublepulsar-backdoor-connect-win7.pcap", "ANONYMOUS_IPC low 192.168.198.204 192.168.198.203"},
	{"doublepulsar-backdoor-connect-win7.pcap", "DOUBLEPULSAR critical 192.168.198.204 192.168.198.203"},
	{"eternalblue-success-unpatched-win7.pcap", "SMB1_IN_USE medium 192.168.198.204 192.168.198.203"},
	{"eternalblue-success-unpatched-win7.pcap", "ANONYMOUS_IPC low 192.168.198.204 192.168.198.203"},
	{"eternalblue-success-unpatched-win7.pcap", "DOUBLEPULSAR high 192.168.198.204 192.168.198.203"},
	{"eternalblue-success-unpatched-win7.pcap", "MS17_010_EXPLOIT critical 192.168.198.204 192.168.198.203"},
	{"eternalblue-success-unpatched-win7.pcap", "DOUBLEPULSAR critical 192.168.198.204 192.168.198.203"},
	{"internet-445-syn-scan.pcap", "SMB_SCAN medium 176.192.150.3 -"},
	{"suricata-smb1-anonymous-win2019.pcap", "SMB1_IN_USE medium 192.168.1.100 192.168.1.3"},
	{"suricata-smb1-anonymous-win2019.pcap", "ANONYMOUS_IPC low 192.168.1.100 192.168.1.3"},
	{"suricata-smb1-osx-qnap-samba.pcap", "SMB1_IN_USE medium 192.168.1.10 192.168.1.2"},
	{"suricata-smb1-osx-qnap-samba.pcap", "SMB1_IN_USE medium 192.168.1.10 192.168.1.2"},
	{"suricata-smb1-to-smb21-win17763.pcap", "UNSIGNED_SESSION medium 172.31.222.186 172.31.222.157"},
	{"suricata-win81-smb1-win10-smb311.pcap", "SMB1_IN_USE medium 192.168.199.133 192.168.199.1"},
	{"suricata-win81-smb1-win10-smb311.pcap", "ANONYMOUS_IPC low 192.168.199.133 192.168.199.1"},
	{"suricata-win81-smb1-win10-smb311.pcap", "NULL_SESSION_USED medium 192.168.199.133 192.168.199.1"},
	{"wannacry.pcap", "SMB1_IN_USE medium 192.168.116.149 192.168.116.138"},
	{"wannacry.pcap", "ANONYMOUS_IPC low 192.168.116.149 192.168.116.138"},
	{"wannacry.pcap", "MS17_010_CHECK high 192.168.116.149 192.168.116.138"},
	{"wannacry.pcap", "SMB1_IN_USE medium 192.168.116.149 192.168.116.143"},
	{"wannacry.pcap", "ANONYMOUS_IPC low 192.168.116.149 192.168.116.143"},
	{"wannacry.pcap", "MS17_010_CHECK high 192.168.116.149 192.168.116.143"},
	{"wannacry.pcap", "SMB1_IN_USE medium 192.168.116.149 192.168.116.150"},
	{"wannacry.pcap", "DOUBLEPULSAR high 192.168.116.149 192.168.116.138"},
	{"wannacry.pcap", "DOUBLEPULSAR high 192.168.116.149 192.168.116.143"},
	{"wannacry.pcap", "SMB1_IN_USE medium 192.168.116.149 192.168.116.172"},
	{"wannacry.pcap", "ANONYMOUS_IPC low 192.168.116.149 192.168.116.172"},
	{"wannacry.pcap", "MS17_010_CHECK high 192.168.116.149 192.168.116.172"},
	{"wannacry.pcap", "MS17_010_EXPLOIT critical 192.168.116.149 192.168.116.138"},
	{"wannacry.pcap", "MS17_010_EXPLOIT critical 192.168.116.149 192.168.116.143"},
	{"wannacry.pcap", "DOUBLEPULSAR high 192.168.116.149 192.168.116.172"},
	{"wannacry.pcap", "MS17_010_EXPLOIT critical 192.168.116.149 192.168.116.172"},
	{"wannacry.pcap", "DOUBLEPULSAR critical 192.168.116.149 192.168.116.138"},
	{"wannacry.pcap", "SMB1_IN_USE medium 192.168.116.138 192.168.116.143"},
	{"wannacry.pcap", "MS17_010_CHECK high 192.168.116.138 192.168.116.143"},
	{"wannacry.pcap", "SMB1_IN_USE medium 192.168.116.138 192.168.116.149"},
	{"wannacry.pcap", "ANONYMOUS_IPC low 192.168.116.138 192.168.116.149"},
	{"wannacry.pcap", "MS17_010_CHECK high 192.168.116.138 192.168.116.149"},
	{"wannacry.pcap", "SMB1_IN_USE medium 192.168.116.138 192.168.116.150"},
	{"wannacry.pcap", "ANONYMOUS_IPC low 192.168.116.138 192.168.116.143"},
	{"wannacry.pcap", "DOUBLEPULSAR high 192.168.116.138 192.168.116.143"},
	{"wannacry.pcap", "SMB1_IN_USE medium 192.168.116.138 192.168.116.172"},
	{"wannacry.pcap", "ANONYMOUS_IPC low 192.168.116.138 192.168.116.172"},
	{"wannacry.pcap", "MS17_010_CHECK high 192.168.116.138 192.168.116.172"},
	{"wannacry.pcap", "DOUBLEPULSAR high 192.168.116.138 192.168.116.149"},
	{"wannacry.pcap", "DOUBLEPULSAR high 192.168.116.138 192.168.116.172"},
	{"wannacry.pcap", "MS17_010_EXPLOIT critical 192.168.116.138 192.168.116.149"},
	{"wannacry.pcap", "MS17_010_EXPLOIT critical 192.168.116.138 192.168.116.172"},
	{"wannacry.pcap", "DOUBLEPULSAR critical 192.168.116.138 192.168.116.172"},
	{"wannacry.pcap", "DOUBLEPULSAR critical 192.168.116.149 192.168.116.172"},
	/* the SMBGhost scanner's probe: NEGOTIATE offering LZNT1, answered with
	 * LZNT1, client FIN before any SESSION_SETUP */
	{"zeek-SMBGhost.pcap", "SMBGHOST_CHECK high 10.0.0.1 10.0.0.133"},
	{"zeek-cifs_negotiate_lanman.pcap", "SMB1_IN_USE medium 10.0.0.2 10.0.0.1"},
	{"zeek-raw_ntlm_in_smb.pcap", "SMB1_IN_USE medium 192.168.56.1 192.168.56.101"},
	{"zeek-smb1_transaction_request.pcap", "SMB1_IN_USE medium 192.168.0.1 192.168.0.2"},
	{"zeek-smb1_transaction_response.pcap", "SMB1_IN_USE medium 192.168.0.1 192.168.0.2"},
	{"zeek-smb_v2_only_non_zero_reserved1.pcap", "UNSIGNED_SESSION medium 172.31.112.17 172.31.112.16"},
};

static const char *const all_files[] = {
	"401trg-at-schedule.pcap", "401trg-metasploit-psexec-pth-download-meterpreter.pcap",
	"401trg-mimikatz-copy-to-host.pcap",
	"crackmapexec-win7.pcap", "doublepulsar-backdoor-connect-win7.pcap",
	"eternalblue-failed-patched-win7.pcap", "eternalblue-success-unpatched-win7.pcap",
	"internet-445-syn-scan.pcap", "suricata-smb1-anonymous-win2019.pcap",
	"suricata-smb1-osx-qnap-samba.pcap", "suricata-smb1-to-smb21-win17763.pcap",
	"suricata-win81-smb1-win10-smb311.pcap", "wannacry.pcap", "zeek-SMBGhost.pcap",
	"zeek-cifs_negotiate_lanman.pcap", "zeek-raw_ntlm_in_smb.pcap",
	"zeek-smb1_transaction_request.pcap", "zeek-smb1_transaction_response.pcap",
	"zeek-smb2-zero-byte-error-ioctl.pcapng", "zeek-smb3.pcap", "zeek-smb311.pcap",
	"zeek-smb3_negotiate_context.pcap", "zeek-smb_v2_only_non_zero_reserved1.pcap",
};

#define MAX_GOT 128

struct got {
	char lines[MAX_GOT][160];
	unsigned n;
};

static void collect(void *ctx, const struct sensor_alert *a)
{
	struct got *g = ctx;
	if (g->n < MAX_GOT)
		snprintf(g->lines[g->n++], sizeof g->lines[0], "%s %s %s %s", a->id, a->severity,
			 a->src, a->dst[0] ? a->dst : "-");
}

static const char *pcap_dir(void)
{
	const char *env = getenv("SMBW_PCAPS");
	return env ? env : SMBW_PCAP_DIR;
}

/* Run one capture through the sensor as `smbwatch sensor -r` does. */
static void run_file(const char *file, struct got *g)
{
	char path[512], err[256];
	const char *dir = pcap_dir();
	snprintf(path, sizeof path, "%s/%s", dir, file);
	struct sensor_source *src = source_open_file(path, err, sizeof err);
	if (!src)
		fail_msg("%s", err);
	struct sensor_config cfg;
	sensor_config_defaults(&cfg);
	cfg.alert_fn = collect;
	cfg.alert_ctx = g;
	struct sensor *s = sensor_new(&cfg);
	assert_non_null(s);
	const uint8_t *data;
	size_t caplen;
	uint64_t ts;
	int link = source_linktype(src);
	while (source_next(src, &data, &caplen, &ts, err, sizeof err) == SOURCE_PACKET) {
		struct pkt p;
		if (pkt_decode(link, data, caplen, &p) == PKT_OK) {
			p.ts_us = ts;
			sensor_packet(s, &p);
		}
	}
	sensor_finish(s);
	sensor_free(s);
	source_close(src);
}

static void test_capture(void **state)
{
	const char *file = *state;
	struct got *g = calloc(1, sizeof *g);
	assert_non_null(g);
	run_file(file, g);
	unsigned k = 0;
	for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
		if (strcmp(expected[i].file, file) != 0)
			continue;
		if (k >= g->n)
			fail_msg("%s: missing alert \"%s\"", file, expected[i].alert);
		if (strcmp(g->lines[k], expected[i].alert) != 0)
			fail_msg("%s: alert %u is \"%s\", expected \"%s\"", file, k, g->lines[k],
				 expected[i].alert);
		k++;
	}
	if (k != g->n)
		fail_msg("%s: unexpected alert \"%s\"", file, g->lines[k]);
	free(g);
}

/* Benign SMB2/3 captures: no attack alert of any kind. */
static void test_benign_quiet(void **state)
{
	(void)state;
	static const char *const benign[] = {"zeek-smb3.pcap", "zeek-smb311.pcap",
					     "zeek-smb2-zero-byte-error-ioctl.pcapng",
					     "zeek-smb3_negotiate_context.pcap"};
	for (size_t i = 0; i < sizeof benign / sizeof benign[0]; i++) {
		struct got *g = calloc(1, sizeof *g);
		assert_non_null(g);
		run_file(benign[i], g);
		for (unsigned j = 0; j < g->n; j++)
			if (strncmp(g->lines[j], "MS17", 4) == 0 ||
			    strncmp(g->lines[j], "DOUBLEPULSAR", 12) == 0 ||
			    strncmp(g->lines[j], "SMBGHOST", 8) == 0 ||
			    strncmp(g->lines[j], "SMB1_TRANS_GROOMING", 19) == 0 ||
			    strncmp(g->lines[j], "SMB_SCAN", 8) == 0)
				fail_msg("%s: %s", benign[i], g->lines[j]);
		free(g);
	}
}

int main(void)
{
	struct CMUnitTest tests[sizeof all_files / sizeof all_files[0] + 1];
	size_t n = 0;
	for (; n < sizeof all_files / sizeof all_files[0]; n++) {
		struct CMUnitTest t = {all_files[n], test_capture, NULL, NULL,
				       (void *)all_files[n]};
		tests[n] = t;
	}
	struct CMUnitTest b = cmocka_unit_test(test_benign_quiet);
	tests[n++] = b;
	return _cmocka_run_group_tests("sensor_pcaps", tests, n, NULL, NULL);
}
