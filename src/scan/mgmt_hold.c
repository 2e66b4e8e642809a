/* mgmt_hold.c - management records wait for their host's SMB answer; see
 * mgmt_hold.h. */
#include "scan/mgmt_hold.h"

#include <stdlib.h>
#include <string.h>

#include "assess/assess.h"

struct mgmt_hold {
	bool keep_alone;
	struct svc_record **kept;
	size_t n_kept, cap_kept;
	char (*smb_hosts)[64]; /* hosts whose SMB answered */
	size_t n_hosts, cap_hosts;
};

struct mgmt_hold *mgmt_hold_new(bool keep_alone)
{
	struct mgmt_hold *h = calloc(1, sizeof *h);
	if (!h)
		abort();
	h->keep_alone = keep_alone;
	return h;
}

static bool has_smb(const struct mgmt_hold *h, const char *ip)
{
	for (size_t i = 0; i < h->n_hosts; i++)
		if (strcmp(h->smb_hosts[i], ip) == 0)
			return true;
	return false;
}

static void grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return;
	*cap = *cap ? *cap * 2 : 16;
	void *q = realloc(*p, *cap * size);
	if (!q)
		abort();
	*p = q;
}

bool mgmt_hold_take(struct mgmt_hold *h, const struct svc_record *rec)
{
	if (record_is_smb(rec)) {
		if (!has_smb(h, rec->ip)) {
			grow((void **)&h->smb_hosts, &h->cap_hosts, h->n_hosts, sizeof *h->smb_hosts);
			record_set_str(h->smb_hosts[h->n_hosts++], sizeof h->smb_hosts[0], rec->ip);
		}
		return false;
	}
	if (rec->mgmt.service == MGMT_NONE && rec->checks[RCHK_MGMT].status == RCHK_NOT_RUN)
		return false; /* not a management service */
	struct svc_record *copy = malloc(sizeof *copy);
	if (!copy)
		abort();
	memcpy(copy, rec, sizeof *copy);
	grow((void **)&h->kept, &h->cap_kept, h->n_kept, sizeof *h->kept);
	h->kept[h->n_kept++] = copy;
	return true;
}

size_t mgmt_hold_flush(struct mgmt_hold *h, void (*report)(struct svc_record *rec, void *ud),
		       void *ud)
{
	size_t dropped = 0;
	for (size_t i = 0; i < h->n_kept; i++) {
		struct svc_record *rec = h->kept[i];
		bool smb = has_smb(h, rec->ip);
		if (smb)
			assess_mgmt_smb_on_host(rec);
		if (smb || h->keep_alone) {
			if (report)
				report(rec, ud);
		} else {
			dropped++;
		}
		free(rec);
	}
	h->n_kept = 0;
	return dropped;
}

void mgmt_hold_free(struct mgmt_hold *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_kept; i++)
		free(h->kept[i]);
	free(h->kept);
	free(h->smb_hosts);
	free(h);
}
