/* config.h - the monitor's --config FILE: a simple INI file turned into the
 * same options as the command line (which then override or add to it).
 *
 *   # comment            ; comment
 *   [monitor]            section names are for people; all keys are global
 *   targets = 198.18.1.10-16 2001:2::10
 *   ports = 445,139,8445
 *   surface = full       (adds U:137: the NetBIOS name service)
 *   checks = all
 *   view = internal
 *   interval = 5m        (or: every = 5m)
 *   db = /var/lib/smbwatch/smbwatch.db
 *   sink = webhook:https://alerts.example/smb     (repeatable; ecs+SPEC for ECS)
 *   metrics_listen = 127.0.0.1:9466
 *   webhook_secret = s3cret
 *   gone_after = 2
 *   fail_on = high
 * plus the scan speed keys timeout, read_timeout, connect_timeout, rate,
 * max_inflight, retries, exclude, and sink_retries, sink_backoff. */
#ifndef SMBW_MONITOR_CONFIG_H
#define SMBW_MONITOR_CONFIG_H

#include <stddef.h>

struct config_args {
	char **argv; /* "--key=value" and bare targets, owned */
	char **where; /* "FILE:LINE: key" of each argv entry, owned */
	int argc;
};

/* 0, or -1 with "FILE:LINE: why" in err (unreadable file, bad line,
 * unknown key). */
int config_load(const char *path, struct config_args *out, char *err, size_t errsz);
void config_free(struct config_args *a);
/* "FILE:LINE: key" of the entry whose text p points into (an option word or
 * the value inside it), or NULL when p came from the command line: errors
 * about a config value then say where it was written. */
const char *config_where(const struct config_args *a, const char *p);

#endif
