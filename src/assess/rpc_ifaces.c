/* rpc_ifaces.c - the table of RPC interfaces we name; see rpc_ifaces.h. */
#include "assess/rpc_ifaces.h"

#include <string.h>

static const struct rpc_iface_info ifaces[] = {
	/* coercion surfaces (exposure-facts.md section 5) */
	{"12345678-1234-abcd-ef00-0123456789ab", "MS-RPRN print spooler", "PrinterBug", false},
	{"c681d488-d850-11d0-8c52-00c04fd90f7e", "MS-EFSR (lsarpc pipe)", "PetitPotam", false},
	{"df1941c5-fe89-4e79-bf10-463657acf44d", "MS-EFSR (efsrpc)", "PetitPotam", false},
	{"4fc742e0-4a10-11cf-8273-00aa004ae673", "MS-DFSNM netdfs", "DFSCoerce", false},
	{"a8e0653c-2744-4389-a61d-7373df8b2292", "MS-FSRVP", "ShadowCoerce", false},
	/* a domain controller */
	{"12345678-1234-abcd-ef00-01234567cffb", "MS-NRPC Netlogon", NULL, true},
	{"e3514235-4b06-11d1-ab04-00c04fc2dcd2", "MS-DRSR drsuapi", NULL, true},
	/* common ones, named for the reader */
	{"e1af8308-5d1f-11c9-91a4-08002b14a0fa", "endpoint mapper", NULL, false},
	{"4b324fc8-1670-01d3-1278-5a47bf6ee188", "MS-SRVS srvsvc", NULL, false},
	{"6bffd098-a112-3610-9833-46c3f87e345a", "MS-WKST wkssvc", NULL, false},
	{"12345778-1234-abcd-ef00-0123456789ab", "MS-LSAD lsarpc", NULL, false},
	{"12345778-1234-abcd-ef00-0123456789ac", "MS-SAMR samr", NULL, false},
	{"338cd001-2244-31f1-aaaa-900038001003", "MS-RRP winreg", NULL, false},
	{"367abb81-9844-35f1-ad32-98f038001003", "MS-SCMR svcctl", NULL, false},
	{"82273fdc-e32a-18c3-3f78-827929dc23ea", "MS-EVEN eventlog", NULL, false},
	{"1ff70682-0a51-30e8-076d-740be8cee98b", "MS-TSCH atsvc", NULL, false},
	{"86d35949-83c9-4044-b424-db363231fd0c", "MS-TSCH ITaskSchedulerService", NULL, false},
	{"3919286a-b10c-11d0-9ba8-00c04fd92ef5", "MS-DSSP dssetup", NULL, false},
	{"99fcfec4-5260-101b-bbcb-00aa0021347a", "MS-DCOM IObjectExporter", NULL, false},
};

const struct rpc_iface_info *rpc_iface_info(const char *uuid)
{
	for (size_t i = 0; i < sizeof ifaces / sizeof ifaces[0]; i++)
		if (strcmp(ifaces[i].uuid, uuid) == 0)
			return &ifaces[i];
	return NULL;
}
