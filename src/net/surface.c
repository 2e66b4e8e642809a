/* surface.c - the --surface table; see surface.h. */
#include "net/surface.h"

#include <string.h>

/* The default scan stays on SMB (445, 139): everything else is asked for. */
static const struct surface surfaces[] = {
	{"default", "", "SMB only: the ports of -p (445,139)"},
	{"full", "T:135,U:137,T:3389,T:5985,T:5986,T:22",
	 "also the RPC endpoint mapper (135), the NetBIOS name service (U:137) and the management "
	 "services beside SMB: RDP (3389), WinRM (5985, and 5986 over HTTPS), SSH (22)"},
};

const struct surface *surface_find(const char *name)
{
	for (size_t i = 0; i < sizeof surfaces / sizeof surfaces[0]; i++)
		if (strcmp(surfaces[i].name, name) == 0)
			return &surfaces[i];
	return NULL;
}

void surface_names(char *out, size_t outsz)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof surfaces / sizeof surfaces[0]; i++) {
		int w = snprintf(out + o, outsz - o, "%s%s", i ? ", " : "", surfaces[i].name);
		if (w < 0 || (size_t)w >= outsz - o)
			return;
		o += (size_t)w;
	}
}

int surface_ports(const struct surface *s, const char *ports, char *out, size_t outsz)
{
	int w = snprintf(out, outsz, "%s%s%s", ports, s && s->adds[0] ? "," : "",
			 s ? s->adds : "");
	return w < 0 || (size_t)w >= outsz ? -1 : 0;
}
