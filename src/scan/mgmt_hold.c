/* mgmt_hold.c - management records wait for their host's SMB answer; see
 * mgmt_hold.h. */
#include "scan/mgmt_hold.h"

#include <stdlib.h>
#include <string.h>

#include "assess/assess.h"
#include "scan/record_shelf.h"

struct mgmt_hold {
	bool keep_alone;
	struct record_shelf kept;  /* the management records */
	struct host_set smb_hosts; /* hosts whose SMB answered */
	size_t dropped;            /* of the last flush: no SMB, not asked for */
	void (*report)(struct svc_record *rec, void *ud);
	void *ud;
};

struct mgmt_hold *mgmt_hold_new(bool keep_alone)
{
	struct mgmt_hold *h = calloc(1, sizeof *h);
	if (!h)
		abort();
	h->keep_alone = keep_alone;
	return h;
}

bool mgmt_hold_take(struct mgmt_hold *h, const struct svc_record *rec)
{
	if (record_is_smb(rec)) {
		host_set_add(&h->smb_hosts, rec->ip);
		return false;
	}
	if (rec->mgmt.service == MGMT_NONE && rec->checks[RCHK_MGMT].status == RCHK_NOT_RUN)
		return false; /* not a management service */
	record_shelf_keep(&h->kept, rec);
	return true;
}

static void decide(struct svc_record *rec, void *arg)
{
	struct mgmt_hold *h = arg;
	bool smb = host_set_has(&h->smb_hosts, rec->ip);
	if (smb)
		assess_mgmt_smb_on_host(rec);
	if (!smb && !h->keep_alone)
		h->dropped++;
	else if (h->report)
		h->report(rec, h->ud);
}

size_t mgmt_hold_flush(struct mgmt_hold *h, void (*report)(struct svc_record *rec, void *ud),
		       void *ud)
{
	h->dropped = 0;
	h->report = report;
	h->ud = ud;
	record_shelf_drain(&h->kept, decide, h);
	return h->dropped;
}

void mgmt_hold_free(struct mgmt_hold *h)
{
	if (!h)
		return;
	record_shelf_free(&h->kept);
	host_set_free(&h->smb_hosts);
	free(h);
}
