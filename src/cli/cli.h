/* cli.h - one entry point per command; each parses its own options. */
#ifndef SMBW_CLI_H
#define SMBW_CLI_H

/* smbwatch scan ...: argv[0] is "scan". Returns the process exit status:
 * 0 scan ran, 2 usage error, 3 runtime failure. */
int cli_scan(int argc, char **argv);

/* smbwatch diff [RUN_A] [RUN_B]: what changed between two stored runs.
 * 0 done, 2 usage (or no such run), 3 database error. */
int cli_diff(int argc, char **argv);

/* smbwatch history TARGET: the timeline of one host or ip:port. */
int cli_history(int argc, char **argv);

/* smbwatch monitor [scan options] TARGET...: scans on a schedule, events to
 * sinks. 0 stopped cleanly, 1 --once found an event at or above --fail-on,
 * 2 usage, 3 runtime failure. */
int cli_monitor(int argc, char **argv);
/* smbwatch sensor ...: argv[0] is "sensor". 0 done, 2 usage error, 3 a
 * capture that could not be opened or read to its end. */
int cli_sensor(int argc, char **argv);

/* smbwatch serve ...: the dashboard and JSON API over the store. 0 stopped
 * by a signal, 2 usage, 3 database error or cannot listen. */
int cli_serve(int argc, char **argv);

/* smbwatch policy check FILE: lint an exposure policy. 0 clean, 1 errors
 * (FILE:LINE each on stdout), 2 usage or unreadable file. */
int cli_policy(int argc, char **argv);
/* smbwatch smb1-usage: servers with SMBv1 enabled (scan) x the clients
 * the sensor saw use it. 0 done, 2 usage, 3 database error. */
int cli_smb1_usage(int argc, char **argv);
/* smbwatch exposure: per host, the views (scans, sensor) that saw it, since
 * when, ports and the worst finding per view. 0 done, 2 usage, 3 database
 * error. */
int cli_exposure(int argc, char **argv);

#endif
