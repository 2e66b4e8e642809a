/* main.c - command dispatch: smbwatch scan | monitor | diff | history | sensor |
 * serve | policy | smb1-usage | exposure | version | help. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void usage(FILE *f)
{
	fputs("usage: smbwatch COMMAND [options]\n"
	      "\n"
	      "commands:\n"
	      "  scan      find SMB services and fingerprint them (smbwatch scan --help)\n"
	      "  monitor   scan on a schedule and report changes as events\n"
	      "  diff      what changed between two stored runs\n"
	      "  history   the stored timeline of one host or service\n"
	      "  sensor    watch SMB traffic (pcap file or interface) and raise alerts\n"
	      "  serve     the dashboard and JSON API over the store (web UI)\n"
	      "  policy    check an exposure policy file (smbwatch policy check FILE)\n"
	      "  smb1-usage  which SMBv1 servers (scan) the sensor saw clients use SMBv1 with\n"
	      "  exposure  per host: the views that saw it, since when, ports, worst finding\n"
	      "  version   print the version\n"
	      "  help      this text\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "scan") == 0)
		return cli_scan(argc - 1, argv + 1);
	if (strcmp(cmd, "diff") == 0)
		return cli_diff(argc - 1, argv + 1);
	if (strcmp(cmd, "history") == 0)
		return cli_history(argc - 1, argv + 1);
	if (strcmp(cmd, "monitor") == 0)
		return cli_monitor(argc - 1, argv + 1);
	if (strcmp(cmd, "sensor") == 0)
		return cli_sensor(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0)
		return cli_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "policy") == 0)
		return cli_policy(argc - 1, argv + 1);
	if (strcmp(cmd, "smb1-usage") == 0)
		return cli_smb1_usage(argc - 1, argv + 1);
	if (strcmp(cmd, "exposure") == 0)
		return cli_exposure(argc - 1, argv + 1);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("smbwatch %s\n", SMBW_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "smbwatch: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
