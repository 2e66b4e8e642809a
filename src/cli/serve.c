/* serve.c - `smbwatch serve`: options, then serve/server.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/scan_store.h"
#include "policy/policy.h"
#include "serve/api.h"
#include "serve/auth.h"
#include "serve/server.h"
#include "store/store.h"

#define SERVE_DEFAULT_LISTEN "127.0.0.1:9445"

static const char serve_usage[] =
	"usage: smbwatch serve [--db PATH|URL] [--listen HOST:PORT] [--token-file FILE]\n"
	"                      [--policy FILE]\n"
	"\n"
	"The dashboard (overview, inventory, changes, one host) and its JSON API\n"
	"(/api/, docs/api.md) over the store, from this binary, read-only. Exports:\n"
	"the inventory as CSV, the relay targets, the latest run as nmap XML and\n"
	"as the HTML report.\n"
	"  --db PATH|URL      the database (default $XDG_DATA_HOME/smbwatch/smbwatch.db)\n"
	"  --listen HOST:PORT where to listen (default " SERVE_DEFAULT_LISTEN "); an address\n"
	"                     other than loopback needs --token-file\n"
	"  --token-file FILE  require this token: 'Authorization: Bearer TOKEN', or\n"
	"                     basic auth with the token as password (any user)\n"
	"  --policy FILE      the exposure policy (docs/policy.md), shown at /api/policy\n"
	"\n"
	"exit status: 0 stopped by SIGINT/SIGTERM, 2 bad usage, 3 database error or\n"
	"cannot listen\n";

/* --policy FILE: a file with errors stops serve (exit 2), like scan. */
static int load_policy(const char *path, struct policy **out)
{
	struct policy_diag *d = malloc(sizeof *d);
	if (!d)
		return -1;
	*out = policy_load(path, d);
	if (!*out)
		fprintf(stderr, "smbwatch serve: --policy: %s%s\n", d->n ? d->msg[0] : "out of memory",
			d->n > 1 ? " (and more: smbwatch policy check FILE)" : "");
	free(d);
	return *out ? 0 : -1;
}

int cli_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"token-file", required_argument, NULL, 't'},
		{"policy", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *db = NULL, *listen = SERVE_DEFAULT_LISTEN, *token_file = NULL;
	const char *policy_file = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 't':
			token_file = optarg;
			break;
		case 'p':
			policy_file = optarg;
			break;
		case 'h':
			fputs(serve_usage, stdout);
			return 0;
		default:
			fputs(serve_usage, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "smbwatch serve: unexpected argument '%s'\n", argv[optind]);
		fputs(serve_usage, stderr);
		return 2;
	}
	int loop = serve_listen_is_loopback(listen);
	if (loop < 0) {
		fprintf(stderr, "smbwatch serve: bad --listen '%s': HOST:PORT or [IPv6]:PORT\n",
			listen);
		return 2;
	}
	if (!loop && !token_file) {
		fprintf(stderr,
			"smbwatch serve: --listen %s is not a loopback address: the dashboard "
			"shows every weakness found; add --token-file to serve it there\n",
			listen);
		return 2;
	}
	char token[SERVE_TOKEN_MAX + 1];
	char err[512];
	if (token_file && serve_token_load(token_file, token, sizeof token, err, sizeof err) != 0) {
		fprintf(stderr, "smbwatch serve: %s\n", err);
		return 2;
	}
	struct policy *policy = NULL;
	if (policy_file && load_policy(policy_file, &policy) != 0)
		return 2;
	api_policy_set(policy);
	/* the migrations (indexes this needs) run at open; after that the
	 * connection cannot write */
	struct store *st = NULL;
	if (scan_store_open_existing(db, "serve", &st) != 0) {
		policy_free(policy);
		return 3;
	}
	if (store_set_readonly(st) != 0) {
		fprintf(stderr, "smbwatch serve: %s\n", store_error(st));
		store_close(st);
		policy_free(policy);
		return 3;
	}
	struct serve_opts o = {.listen = listen, .token = token_file ? token : NULL};
	int rc = serve_run(st, &o);
	store_close(st);
	api_policy_set(NULL);
	policy_free(policy);
	return rc;
}
