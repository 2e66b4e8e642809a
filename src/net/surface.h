/* surface.h - the named port sets of --surface: what each one adds to the
 * ports of a scan (-p, or 445,139). One table (surface.c): a new probe
 * that belongs to "full" is one more item in its row. */
#ifndef SMBW_NET_SURFACE_H
#define SMBW_NET_SURFACE_H

#include <stddef.h>
#include <stdio.h>

struct surface {
	const char *name;    /* --surface NAME */
	const char *adds;    /* ports appended to the scan's list, -p syntax; "" none */
	const char *summary; /* --help, docs */
};

/* The surface called name; NULL if none. */
const struct surface *surface_find(const char *name);
/* "default, full" for messages. */
void surface_names(char *out, size_t outsz);
/* ports, then what the surface adds, into out[outsz] ("445,139,U:137").
 * -1 if it does not fit. */
int surface_ports(const struct surface *s, const char *ports, char *out, size_t outsz);

#endif
