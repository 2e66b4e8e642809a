/* detect_flow.c - detectors that look at one SMB connection: SMB1 use,
 * anonymous IPC$ and null-session enumeration, MS17-010 probes and
 * exploits, DoublePulsar, unsigned authenticated sessions; failed logons
 * are passed on to the per-source windows (detect_host.c).
 *
 * Sources for the heuristics: detection-facts.md section 3 (Zeek
 * EternalSafety's protocol invariants, ET and Snort rules). They key on
 * protocol behaviour, not on one tool's bytes, so Metasploit, the Shadow
 * Brokers tools and WannaCry are caught alike. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/sensor_int.h"
#include "wire/ntstatus.h"

#define SMB1_TRANS 0x25
#define SMB1_TRANS_SEC 0x26
#define SMB1_WRITE_ANDX 0x2F
#define SMB1_TRANS2 0x32
#define SMB1_TRANS2_SEC 0x33
#define SMB1_NT_TRANS 0xA0
#define SMB1_NT_TRANS_SEC 0xA1
#define TRANS_PEEK_NMPIPE 0x0023
#define TRANS2_SESSION_SETUP 0x000E
#define NT_TRANSACT_RENAME 0x0005
/* DoublePulsar answers on MID + 16 (ping 65 -> 81, exec 66 -> 82). */
#define DP_MID_DELTA 16
/* Snort 42944: EternalBlue's NT_TRANSACT declares 66512 bytes; nothing a
 * real client sends with an undefined function comes close to this. */
#define NT_TRANS_BIG 0x8150u
/* Snort 42338: an NT_RENAME with more than this is the Champion/Romance leak. */
#define NT_RENAME_BIG 1024u
/* EternalBlue's fake SRVNET buffers (grooming) declare ~64 KiB frames. */
#define GROOM_MIN_FRAME 0x8000u

/* SMBGHOST_EXPLOIT: a compressed message may hold the largest READ/WRITE
 * negotiated plus its headers (and a compound); without a NEGOTIATE seen,
 * no SMB2 server accepts more than 8 MiB, so 16 MiB is far beyond real. */
#define COMPRESS_SLACK 0x10000u
#define COMPRESS_MAX_UNNEGOTIATED (16u << 20)


static bool logon_failure(uint32_t st)
{
	switch (st) {
	case STATUS_LOGON_FAILURE:
	case STATUS_WRONG_PASSWORD:
	case STATUS_NO_SUCH_USER:
	case STATUS_ACCOUNT_RESTRICTION:
	case STATUS_INVALID_LOGON_HOURS:
	case STATUS_INVALID_WORKSTATION:
	case STATUS_PASSWORD_EXPIRED:
	case STATUS_ACCOUNT_DISABLED:
	case STATUS_ACCOUNT_EXPIRED:
	case STATUS_PASSWORD_MUST_CHANGE:
	case STATUS_ACCOUNT_LOCKED_OUT:
	case STATUS_ACCESS_DENIED:
		return true;
	default:
		return false;
	}
}

static void copy_str(char *dst, size_t dsz, const char *src)
{
	size_t n = strnlen(src, dsz - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static struct det_pending *pend_add(struct det_flow *d, uint64_t mid, uint8_t what)
{
	struct det_pending *p = &d->pend[d->pend_next++ % DET_PENDING];
	memset(p, 0, sizeof *p);
	p->used = true;
	p->mid = mid;
	p->what = what;
	return p;
}

static struct det_pending *pend_take(struct det_flow *d, uint64_t mid, uint8_t what)
{
	for (unsigned i = 0; i < DET_PENDING; i++) {
		struct det_pending *p = &d->pend[i];
		if (p->used && p->mid == mid && p->what == what) {
			p->used = false;
			return p;
		}
	}
	return NULL;
}

static bool ends_with_ipc(const char *path)
{
	size_t n = strlen(path);
	return n >= 4 && strcasecmp(path + n - 4, "IPC$") == 0;
}

/* "\\samr" / "\\PIPE\\samr" / "samr" -> "samr" */
static void pipe_name(const char *path, char *out, size_t outsz)
{
	const char *p = strrchr(path, '\\');
	p = p ? p + 1 : path;
	size_t i = 0;
	for (; *p && i + 1 < outsz; p++, i++)
		out[i] = (char)tolower((unsigned char)*p);
	out[i] = '\0';
}

static bool enum_pipe(const char *name)
{
	return strcmp(name, "samr") == 0 || strcmp(name, "lsarpc") == 0 ||
	       strcmp(name, "srvsvc") == 0;
}

__attribute__((format(printf, 5, 6))) static void
det_raise(struct smb_conn *c, const char *id, const char *sev, const char *extra, const char *fmt,
	  ...)
{
	struct sensor_alert a;
	va_list ap;
	alert_init(&a, id);
	if (sev) {
		/* only a DoublePulsar implant that answered overrides the table:
		 * that is a compromise, not a probe, approved scanner or not */
		alert_set_severity(&a, sev);
		a.probe = false;
	}
	va_start(ap, fmt);
	vsnprintf(a.evidence, sizeof a.evidence, fmt, ap);
	va_end(ap);
	sensor_alert_flow(c->s, c->f, &a, extra, c->s->cfg.dedupe_window_us);
}

static void exploit(struct smb_conn *c, const char *variant, const char *what)
{
	det_raise(c, "MS17_010_EXPLOIT", NULL, NULL, "%s: %s", variant, what);
}

static void on_negotiate_reply(struct smb_conn *c, const struct smb_event *ev)
{
	struct det_flow *d = &c->det;
	d->negotiate_answered = true;
	if (ev->version == 2) {
		d->max_size = ev->max_size;
		d->comp_answered = ev->compression;
		copy_str(d->comp_algs, sizeof d->comp_algs, ev->compression_algs);
	}
	if (ev->dialect_name[0] == '\0')
		return;
	d->version = ev->version;
	copy_str(d->dialect, sizeof d->dialect, ev->dialect_name);
	d->sign_enabled = ev->sign_enabled || ev->sign_required;
	d->sign_required = ev->sign_required;
	summary_negotiated(c->s->summary, c->f, ev->version, ev->dialect_name, ev->sign_required);
	sensor_report_seen(c->s, c->f, ev->version, ev->dialect_name, ev->sign_required);
	/* a client's SMB1 NEGOTIATE alone is normal (multi-protocol
	 * negotiate); the server answering in SMB1 is what matters */
	if (ev->version == 1) {
		char cli[48], srv[48], ev_txt[160];
		sensor_addr_str(c->f, false, cli, sizeof cli);
		sensor_addr_str(c->f, true, srv, sizeof srv);
		snprintf(ev_txt, sizeof ev_txt, "client %s and server %s", cli, srv);
		det_raise(c, "SMB1_IN_USE", NULL, NULL, "%s negotiated SMB1 dialect \"%s\"", ev_txt,
		      ev->dialect_name);
	}
}

static void on_session_reply(struct smb_conn *c, const struct smb_event *ev)
{
	struct det_flow *d = &c->det;
	if (ev->status == STATUS_MORE_PROCESSING_REQUIRED) /* not final */
		return;
	if (ev->status == 0) {
		if (d->auth_pending && (d->auth_anon || ev->null_flag)) {
			d->anon_session = true;
		} else if (ev->null_flag) {
			d->anon_session = true;
		} else if (d->auth_pending && !ev->guest && d->user[0]) {
			d->user_session = true;
			d->user_uid = ev->uid;
		}
	} else if (logon_failure(ev->status)) {
		char account[2 * DET_USER + 2];
		if (!d->auth_pending)
			copy_str(account, sizeof account, "?");
		else if (d->auth_anon || d->user[0] == '\0')
			copy_str(account, sizeof account, "(anonymous)");
		else if (d->domain[0])
			snprintf(account, sizeof account, "%s\\%s", d->domain, d->user);
		else
			copy_str(account, sizeof account, d->user);
		/* A logon that carried no response at all tried no password:
		 * `smbclient -N` first sends the Unix user name with empty LM/NT
		 * responses, is refused, then logs on anonymously. Counted in the
		 * summary, not towards SMB_BRUTE_FORCE. */
		host_logon_failure(c->s, c->f, account, ev->status,
				   !(d->auth_pending && d->auth_noresp));
	}
	d->auth_pending = false;
}

static void on_tree_reply(struct smb_conn *c, const struct smb_event *ev)
{
	struct det_flow *d = &c->det;
	struct det_pending *p = pend_take(d, ev->mid, SMB_W_TREE);
	if (ev->status != 0 || !(ev->is_ipc || (p && p->ipc_path)))
		return;
	d->ipc_tid[d->n_ipc++ % 4] = ev->tid;
	if (d->anon_session && !d->anon_ipc) {
		d->anon_ipc = true;
		det_raise(c, "ANONYMOUS_IPC", NULL, NULL,
		      "anonymous (null) session connected to IPC$");
	}
}

static void null_enum(struct smb_conn *c, const char *what)
{
	det_raise(c, "NULL_SESSION_USED", NULL, what,
	      "anonymous session on IPC$ opened %s (enumeration without credentials)", what);
}

static struct det_trans *trans_find(struct det_flow *d, uint16_t mid)
{
	for (unsigned i = 0; i < d->n_tr; i++)
		if (d->tr[i].mid == mid)
			return &d->tr[i];
	return NULL;
}

static void trans_release(struct smb_conn *c, struct det_trans *t)
{
	struct det_flow *d = &c->det;
	*t = d->tr[--d->n_tr]; /* order does not matter: swap with the last */
}

/* Dozens of transactions left open by one client is the grooming phase of
 * EternalRomance/Synergy/Champion: the server keeps a buffer per open
 * transaction, and the exploit lays them out before it strikes. */
static void groom_check(struct smb_conn *c)
{
	struct det_flow *d = &c->det;
	if (d->groom_raised || d->n_tr < DET_TRANS_GROOM)
		return;
	d->groom_raised = true;
	det_raise(c, "SMB1_TRANS_GROOMING", NULL, NULL,
		  "%u SMB1 transactions left open at once on one connection (a client "
		  "normally has one or two): heap grooming of the Eternal* exploits",
		  d->n_tr);
}

static struct det_trans *trans_slot(struct smb_conn *c)
{
	struct det_flow *d = &c->det;
	if (d->n_tr == d->cap_tr) {
		if (d->cap_tr >= DET_TRANS_MAX)
			return NULL;
		unsigned ncap = d->cap_tr ? d->cap_tr * 2 : 4;
		if (ncap > DET_TRANS_MAX)
			ncap = DET_TRANS_MAX;
		struct det_trans *nt = realloc(d->tr, ncap * sizeof *nt);
		if (!nt)
			return NULL;
		c->s->memory += (ncap - d->cap_tr) * sizeof *nt;
		d->tr = nt;
		d->cap_tr = ncap;
	}
	return &d->tr[d->n_tr++];
}

static void trans_open(struct smb_conn *c, const struct smb_event *ev)
{
	struct det_flow *d = &c->det;
	/* a MID reused while its transaction is open replaces it (MS-CIFS:
	 * the server matches secondaries by MID) */
	struct det_trans *t = trans_find(d, (uint16_t)ev->mid);
	if (!t)
		t = trans_slot(c);
	if (!t)
		return; /* DET_TRANS_MAX held: the grooming alert fired long before */
	t->cmd = (uint8_t)ev->cmd;
	t->mid = (uint16_t)ev->mid;
	t->func = ev->setup0;
	t->total_data = ev->total_data;
	t->got_data = ev->data_count;
	t->total_param = ev->total_param;
	t->got_param = ev->param_count;
	groom_check(c);
}

static bool trans_complete(const struct det_trans *t)
{
	return t->got_data >= t->total_data && t->got_param >= t->total_param;
}

/* The server's answer to an open transaction's MID: an interim response
 * (status 0 while data is still owed, MS-CIFS 3.3.5.57) keeps it open; the
 * final response, or an error, ends it. */
static void trans_reply(struct smb_conn *c, const struct smb_event *ev)
{
	struct det_trans *t = trans_find(&c->det, (uint16_t)ev->mid);
	if (t && (ev->status != 0 || trans_complete(t)))
		trans_release(c, t);
}

static void on_trans_request(struct smb_conn *c, const struct smb_event *ev)
{
	struct det_flow *d = &c->det;
	char num[96];

	if (ev->cmd == SMB1_TRANS && ev->setup0 == TRANS_PEEK_NMPIPE && ev->setup1 == 0 &&
	    ev->setup_count >= 2) {
		/* ET 2025649 / 2025992: PeekNamedPipe on FID 0 is the MS17-010
		 * check of Metasploit, nmap and WannaCry alike */
		d->check_pending = true;
		d->check_mid = ev->mid;
	}
	if (ev->cmd == SMB1_TRANS && d->anon_session) {
		char name[24];
		pipe_name(ev->path, name, sizeof name);
		if (strcmp(name, "lanman") == 0)
			null_enum(c, "\\PIPE\\LANMAN (RAP)");
	}
	if (ev->cmd == SMB1_TRANS2 && ev->setup0 == TRANS2_SESSION_SETUP && d->n_knock < DET_KNOCKS) {
		/* MS-CIFS 2.2.6.4: TRANS2_SESSION_SETUP is reserved; Windows
		 * answers NOT_IMPLEMENTED. Only the implant's knock uses it. */
		d->knock_mid[d->n_knock++] = (uint16_t)ev->mid;
		d->knock_timeout = ev->timeout;
	}
	if (ev->cmd == SMB1_NT_TRANS) {
		bool undefined = ev->setup0 == 0 || ev->setup0 > 8;
		if (ev->total_data > ev->data_count &&
		    (ev->total_data > NT_TRANS_BIG || (undefined && ev->total_data > 0xFFFF))) {
			snprintf(num, sizeof num, "function %u, TotalDataCount %u, %u sent",
				 ev->setup0, ev->total_data, ev->data_count);
			exploit(c, "EternalBlue: oversized NT_TRANSACT", num);
		}
		if (ev->setup0 == NT_TRANSACT_RENAME &&
		    (ev->total_data > NT_RENAME_BIG || ev->total_param > NT_RENAME_BIG)) {
			snprintf(num, sizeof num, "TotalDataCount %u, TotalParameterCount %u",
				 ev->total_data, ev->total_param);
			exploit(c, "EternalChampion/EternalRomance: large NT_RENAME (info leak)", num);
		}
	}
	if (ev->total_data > ev->data_count || ev->total_param > ev->param_count)
		trans_open(c, ev);
}

static uint8_t primary_of(uint16_t secondary)
{
	switch (secondary) {
	case SMB1_TRANS_SEC: return SMB1_TRANS;
	case SMB1_TRANS2_SEC: return SMB1_TRANS2;
	default: return SMB1_NT_TRANS;
	}
}

static const char *cmd_name(uint8_t cmd)
{
	switch (cmd) {
	case SMB1_TRANS: return "TRANSACTION";
	case SMB1_TRANS2: return "TRANSACTION2";
	case SMB1_NT_TRANS: return "NT_TRANSACT";
	case SMB1_TRANS_SEC: return "TRANSACTION_SECONDARY";
	case SMB1_TRANS2_SEC: return "TRANSACTION2_SECONDARY";
	default: return "NT_TRANSACT_SECONDARY";
	}
}

static void on_secondary(struct smb_conn *c, const struct smb_event *ev)
{
	struct det_trans *t = trans_find(&c->det, (uint16_t)ev->mid);
	char num[128];

	if (!t)
		return; /* primary not seen (capture started late): no verdict */
	if (t->cmd != primary_of(ev->cmd)) {
		/* EternalSafety "EternalBlue": the server mixes the two
		 * transaction types (CVE-2017-0144 SrvOs2FeaListSizeToNt path) */
		snprintf(num, sizeof num, "%s continues an open %s (MID %u)",
			 cmd_name((uint8_t)ev->cmd), cmd_name(t->cmd), t->mid);
		exploit(c, "EternalBlue: transaction type confusion", num);
	} else if (t->got_data >= t->total_data && t->total_data) {
		snprintf(num, sizeof num, "%s after the transaction was complete (MID %u)",
			 cmd_name((uint8_t)ev->cmd), t->mid);
		exploit(c, "EternalChampion: transaction race", num);
	} else if ((uint64_t)ev->data_disp + ev->data_count > t->total_data) {
		snprintf(num, sizeof num, "displacement %u + %u beyond TotalDataCount %u",
			 ev->data_disp, ev->data_count, t->total_data);
		exploit(c, "EternalRomance/EternalSynergy: secondary out of bounds", num);
	}
	t->got_data += ev->data_count;
	t->got_param += ev->param_count;
}

static void check_unsigned(struct smb_conn *c, const struct smb_event *ev)
{
	struct det_flow *d = &c->det;
	if (!d->user_session || d->unsigned_done || ev->uid != d->user_uid ||
	    ev->what == SMB_W_SESSION || ev->what == SMB_W_NEGOTIATE)
		return;
	d->unsigned_done = true;
	if (ev->is_signed || d->encrypted || !d->sign_enabled)
		return;
	char account[2 * DET_USER + 2];
	if (d->domain[0])
		snprintf(account, sizeof account, "%s\\%s", d->domain, d->user);
	else
		copy_str(account, sizeof account, d->user);
	det_raise(c, "UNSIGNED_SESSION", NULL, account,
	      "session of %s is not signed although the server offers signing (%s)", account,
	      d->sign_required ? "required" : "enabled, not required");
}

static void on_request(struct smb_conn *c, const struct smb_event *ev)
{
	struct det_flow *d = &c->det;
	struct det_pending *p;

	check_unsigned(c, ev);
	switch (ev->what) {
	case SMB_W_NEGOTIATE:
		if (ev->version == 2 && ev->compression)
			d->comp_offered = true;
		return;
	case SMB_W_SESSION:
		d->session_seen = true;
		if (ev->has_auth) {
			d->auth_pending = true;
			d->auth_anon = ev->anonymous;
			d->auth_noresp = ev->no_response;
			copy_str(d->user, sizeof d->user, ev->user);
			copy_str(d->domain, sizeof d->domain, ev->domain);
		}
		return;
	case SMB_W_TREE:
		p = pend_add(d, ev->mid, SMB_W_TREE);
		p->ipc_path = ends_with_ipc(ev->path);
		return;
	case SMB_W_CREATE:
		p = pend_add(d, ev->mid, SMB_W_CREATE);
		pipe_name(ev->path, p->name, sizeof p->name);
		return;
	case SMB_W_TRANS:
		if (ev->version == 1)
			on_trans_request(c, ev);
		return;
	case SMB_W_SECONDARY:
		on_secondary(c, ev);
		return;
	default:
		break;
	}
	if (ev->version == 1 && ev->cmd == SMB1_WRITE_ANDX && trans_find(d, (uint16_t)ev->mid)) {
		char num[64];
		snprintf(num, sizeof num, "WRITE_ANDX with the MID %u of an open transaction",
			 (unsigned)ev->mid);
		exploit(c, "EternalSynergy/EternalRomance: write interleaved with a transaction",
			num);
	}
}

static void check_verdict(struct smb_conn *c, bool answered, uint32_t status)
{
	const char *v = "no answer";
	char st[64];
	if (answered && status == STATUS_INSUFF_SERVER_RESOURCES)
		v = "target VULNERABLE (STATUS_INSUFF_SERVER_RESOURCES)";
	else if (answered && (status == STATUS_ACCESS_DENIED || status == STATUS_INVALID_HANDLE))
		v = "target patched (access denied / invalid handle)";
	else if (answered) {
		snprintf(st, sizeof st, "status 0x%08X", status);
		v = st;
	}
	c->det.check_pending = false;
	det_raise(c, "MS17_010_CHECK", NULL, v,
	      "TRANS PeekNamedPipe (setup 0x23) on FID 0 - the MS17-010 check; %s", v);
}

static void knock_verdict(struct smb_conn *c, bool implant, uint16_t mid)
{
	char txt[160];
	struct det_flow *d = &c->det;
	d->knock_answered = true;
	if (implant) {
		snprintf(txt, sizeof txt, "implant ANSWERED with MID %u (request MID %u)", mid,
			 mid - DP_MID_DELTA);
		det_raise(c, "DOUBLEPULSAR", "critical", "implant",
		      "TRANS2 SESSION_SETUP knock: %s", txt);
		return;
	}
	snprintf(txt, sizeof txt, "MID %u, Timeout 0x%08X; no implant answered", d->knock_mid[0],
		 d->knock_timeout);
	det_raise(c, "DOUBLEPULSAR", NULL, "knock", "TRANS2 SESSION_SETUP knock: %s", txt);
}

static void on_reply(struct smb_conn *c, const struct smb_event *ev)
{
	struct det_flow *d = &c->det;
	struct det_pending *p;

	switch (ev->what) {
	case SMB_W_NEGOTIATE: on_negotiate_reply(c, ev); return;
	case SMB_W_SESSION: on_session_reply(c, ev); return;
	case SMB_W_TREE: on_tree_reply(c, ev); return;
	case SMB_W_CREATE:
		p = pend_take(d, ev->mid, SMB_W_CREATE);
		if (p && ev->status == 0 && d->anon_session && enum_pipe(p->name)) {
			char what[40];
			snprintf(what, sizeof what, "pipe \\%s", p->name);
			null_enum(c, what);
		}
		return;
	default:
		break;
	}
	if (ev->version != 1)
		return;
	if (ev->cmd == SMB1_TRANS || ev->cmd == SMB1_TRANS2 || ev->cmd == SMB1_NT_TRANS)
		trans_reply(c, ev);
	if (ev->cmd == SMB1_TRANS && d->check_pending && ev->mid == d->check_mid)
		check_verdict(c, true, ev->status);
	if (ev->cmd == SMB1_TRANS2 && d->n_knock) {
		for (unsigned i = 0; i < d->n_knock; i++) {
			if (ev->mid == (uint16_t)(d->knock_mid[i] + DP_MID_DELTA))
				knock_verdict(c, true, (uint16_t)ev->mid);
			else if (ev->mid == d->knock_mid[i] && !d->knock_answered)
				knock_verdict(c, false, 0);
		}
	}
}

/* CVE-2020-0796 (SMBGhost): sizes in a COMPRESSION_TRANSFORM header that
 * contradict each other or the frame; srv2.sys trusted them. Either
 * direction: the client side (mrxsmb) had the same bug. CVE-2020-1206
 * (SMBleed): LZNT1 data that decompresses to less than the declared size. */
static void on_compressed(struct smb_conn *c, const struct smb_event *ev)
{
	const struct smb2_compress_hdr *h = &ev->comp;
	uint64_t limit = c->det.max_size ? (uint64_t)c->det.max_size + COMPRESS_SLACK
					 : COMPRESS_MAX_UNNEGOTIATED;
	unsigned bad = smb2_compress_check(h, limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit);
	if (!bad)
		return;
	char why[512] = "";
	size_t used = 0;
	for (unsigned bit = 1; bit <= SMB2_COMPRESS_BAD_LAST; bit <<= 1) {
		if (!(bad & bit))
			continue;
		int k = snprintf(why + used, sizeof why - used, "%s%s", used ? "; " : "",
				 smb2_compress_bad_text(bit));
		if (k > 0 && (size_t)k < sizeof why - used)
			used += (size_t)k;
	}
	const char *from = ev->dir == FLOW_TO_SERVER ? "client" : "server";
	if (h->chained)
		det_raise(c, "SMBGHOST_EXPLOIT", NULL, from,
			  "chained COMPRESSION_TRANSFORM from the %s: OriginalCompressedSegmentSize "
			  "%u, %u payloads declaring %llu bytes: %s (CVE-2020-0796)",
			  from, h->original_size, h->n_payloads,
			  (unsigned long long)h->sum_original, why);
	else {
		char sz[64] = "";
		if (h->sized)
			snprintf(sz, sizeof sz, " (LZNT1, decompressing to %llu)",
				 (unsigned long long)h->decompressed);
		det_raise(c, "SMBGHOST_EXPLOIT", NULL, from,
			  "COMPRESSION_TRANSFORM from the %s: OriginalCompressedSegmentSize 0x%08X, "
			  "Offset 0x%08X, %zu bytes follow%s, limit %llu: %s%s",
			  from, h->original_size, h->offset, h->data_len, sz,
			  (unsigned long long)limit, why,
			  /* SMBleed's text names its CVE */
			  bad & ~(unsigned)SMB2_COMPRESS_BAD_SHORT ? " (CVE-2020-0796)" : "");
	}
}

/* The SMBGhost scanners' probe: offer compression in a 3.1.1 NEGOTIATE,
 * read whether the server picks an algorithm, hang up. Windows 10+ clients
 * offer compression too, but always go on to SESSION_SETUP. */
static void ghost_verdict(struct smb_conn *c)
{
	struct det_flow *d = &c->det;
	if (!d->comp_offered || d->session_seen || !d->client_closed)
		return;
	if (d->comp_answered)
		det_raise(c, "SMBGHOST_CHECK", NULL, "compression",
			  "3.1.1 NEGOTIATE offering compression, then the client closed without "
			  "SESSION_SETUP; the server answered with compression (%s): target may "
			  "be VULNERABLE to CVE-2020-0796 unless patched",
			  d->comp_algs);
	else
		det_raise(c, "SMBGHOST_CHECK", NULL, "no compression",
			  "3.1.1 NEGOTIATE offering compression, then the client closed without "
			  "SESSION_SETUP; %s",
			  d->negotiate_answered ? "the server answered without compression (not "
						  "vulnerable)"
						: "no answer from the server");
}

void det_flow_client_closed(struct smb_conn *c)
{
	c->det.client_closed = true;
}

void det_flow_event(struct smb_conn *c, const struct smb_event *ev)
{
	switch (ev->kind) {
	case SMB_EV_ENCRYPTED:
		c->det.encrypted = true;
		return;
	case SMB_EV_BAD_SMB2:
		if (ev->dir == FLOW_TO_SERVER && ev->frame_len >= GROOM_MIN_FRAME) {
			char num[64];
			snprintf(num, sizeof num, "%u-byte frame behind an invalid FE 'SMB' header",
				 ev->frame_len);
			exploit(c, "EternalBlue: SRVNET pool grooming", num);
		}
		return;
	case SMB_EV_MESSAGE:
		break;
	default:
		return;
	}
	if (ev->what == SMB_W_COMPRESSED) {
		on_compressed(c, ev);
		return;
	}
	if (ev->dir == FLOW_TO_SERVER && !ev->reply)
		on_request(c, ev);
	else if (ev->dir == FLOW_TO_CLIENT && ev->reply)
		on_reply(c, ev);
}

void det_flow_close(struct smb_conn *c)
{
	struct det_flow *d = &c->det;
	c->s->memory -= d->cap_tr * sizeof *d->tr;
	free(d->tr);
	d->tr = NULL;
	d->n_tr = d->cap_tr = 0;
	if (c->det.check_pending)
		check_verdict(c, false, 0);
	if (c->det.n_knock && !c->det.knock_answered)
		knock_verdict(c, false, 0);
	ghost_verdict(c);
}
