/* cli.h - one entry point per command; each parses its own options. */
#ifndef SMBW_CLI_H
#define SMBW_CLI_H

/* smbwatch scan ...: argv[0] is "scan". Returns the process exit status:
 * 0 scan ran, 2 usage error, 3 runtime failure. */
int cli_scan(int argc, char **argv);

/* smbwatch sensor ...: argv[0] is "sensor". 0 done, 2 usage error, 3 a
 * capture that could not be opened or read to its end. */
int cli_sensor(int argc, char **argv);

#endif
