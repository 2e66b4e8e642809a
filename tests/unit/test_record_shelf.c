/* test_record_shelf - the records a scan holds back to its end
 * (scan/record_shelf.c) and the two holds built on it: management records
 * wait for their host's SMB answer (scan/mgmt_hold.c), 135 records for a
 * DC sign (scan/coercion_hold.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "record/record.h"
#include "scan/coercion_hold.h"
#include "scan/mgmt_hold.h"
#include "scan/record_shelf.h"

static void host_set_keeps_each_host_once(void **state)
{
	(void)state;
	struct host_set s = {0};
	for (int i = 0; i < 40; i++) /* past the first growth */
		host_set_add(&s, i % 2 ? "198.18.1.10" : "198.18.1.11");
	host_set_add(&s, "2001:2::1");
	assert_int_equal(s.n, 3);
	assert_true(host_set_has(&s, "198.18.1.10"));
	assert_true(host_set_has(&s, "2001:2::1"));
	assert_false(host_set_has(&s, "198.18.1.1"));
	host_set_free(&s);
	assert_int_equal(s.n, 0);
}

struct seen {
	char ips[8][64];
	char first_iface[8][40];
	unsigned n;
};

static void remember(struct svc_record *rec, void *ud)
{
	struct seen *s = ud;
	record_set_str(s->ips[s->n], sizeof s->ips[0], rec->ip);
	if (rec->epm.n_ifaces)
		record_set_str(s->first_iface[s->n], sizeof s->first_iface[0], rec->epm.ifaces[0].uuid);
	s->n++;
}

/* the copy owns its heap parts: the original is released before the
 * drain (ASan would see a shared table) */
static void shelf_copies_deeply_and_drains_in_order(void **state)
{
	(void)state;
	struct record_shelf shelf = {0};
	struct svc_record *rec = malloc(sizeof *rec);
	assert_non_null(rec);
	for (int i = 0; i < 3; i++) {
		record_init(rec);
		snprintf(rec->ip, sizeof rec->ip, "198.18.1.%d", 50 + i);
		rec->epm.present = true;
		assert_non_null(record_epm_iface(rec, "12345678-1234-abcd-ef00-0123456789ab", 1, 0));
		record_shelf_keep(&shelf, rec);
		record_release(rec);
	}
	free(rec);
	struct seen seen = {0};
	record_shelf_drain(&shelf, remember, &seen);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.ips[0], "198.18.1.50");
	assert_string_equal(seen.ips[2], "198.18.1.52");
	assert_string_equal(seen.first_iface[1], "12345678-1234-abcd-ef00-0123456789ab");
	assert_int_equal(shelf.n, 0);
	record_shelf_free(&shelf);
}

static struct svc_record *new_record(const char *ip, uint16_t port)
{
	struct svc_record *r = malloc(sizeof *r);
	assert_non_null(r);
	record_init(r);
	record_set_str(r->ip, sizeof r->ip, ip);
	r->port = port;
	return r;
}

static void mgmt_records_go_out_only_beside_smb(void **state)
{
	(void)state;
	struct mgmt_hold *h = mgmt_hold_new(false);
	struct svc_record *rdp = new_record("198.18.1.70", 3389);
	rdp->mgmt.service = MGMT_RDP;
	struct svc_record *ssh = new_record("198.18.1.71", 22);
	ssh->mgmt.service = MGMT_SSH;
	struct svc_record *smb = new_record("198.18.1.70", 445);
	smb->smb2.present = true;
	/* the management records come first: they must wait */
	assert_true(mgmt_hold_take(h, rdp));
	assert_true(mgmt_hold_take(h, ssh));
	assert_false(mgmt_hold_take(h, smb)); /* reported now, noted */
	struct seen seen = {0};
	assert_int_equal(mgmt_hold_flush(h, remember, &seen), 1); /* .71: no SMB */
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.ips[0], "198.18.1.70");
	mgmt_hold_free(h);

	/* control: when -p named the port, the lone one goes out too */
	h = mgmt_hold_new(true);
	assert_true(mgmt_hold_take(h, ssh));
	memset(&seen, 0, sizeof seen);
	assert_int_equal(mgmt_hold_flush(h, remember, &seen), 0);
	assert_int_equal(seen.n, 1);
	mgmt_hold_free(h);
	free(rdp);
	free(ssh);
	free(smb);
}

static void raise_rec(struct svc_record *rec, void *ud)
{
	struct svc_record *out = ud;
	record_release(out);
	assert_true(record_copy(out, rec));
}

static void coercion_record_learns_the_dc_sign(void **state)
{
	(void)state;
	struct coercion_hold *h = coercion_hold_new();
	struct svc_record *epm = new_record("198.18.1.53", 135);
	epm->epm.present = true;
	epm->n_findings = 1;
	record_set_str(epm->findings[0].id, sizeof epm->findings[0].id, "COERCION_SURFACE");
	epm->findings[0].severity = SEV_MEDIUM;
	assert_true(coercion_hold_take(h, epm));
	coercion_hold_note_open(h, "198.18.1.53", 88);
	coercion_hold_note_open(h, "198.18.1.99", 88); /* another host: no effect */
	struct svc_record *out = new_record("", 0);
	coercion_hold_flush(h, raise_rec, out);
	assert_string_equal(out->ip, "198.18.1.53");
	assert_int_equal(out->findings[0].severity, SEV_HIGH);
	assert_non_null(strstr(out->epm.dc_signs, "88"));
	coercion_hold_free(h);

	/* control: no sign for its host, the severity stays */
	h = coercion_hold_new();
	assert_true(coercion_hold_take(h, epm));
	coercion_hold_note_open(h, "198.18.1.99", 88);
	coercion_hold_flush(h, raise_rec, out);
	assert_int_equal(out->findings[0].severity, SEV_MEDIUM);
	coercion_hold_free(h);
	record_release(out);
	free(out);
	free(epm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(host_set_keeps_each_host_once),
		cmocka_unit_test(shelf_copies_deeply_and_drains_in_order),
		cmocka_unit_test(mgmt_records_go_out_only_beside_smb),
		cmocka_unit_test(coercion_record_learns_the_dc_sign),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
