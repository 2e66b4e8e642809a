/* sensor_db.c - the sensor's alerts and sightings into the store, in
 * batches; see sensor_db.h. */
#include "sensor/sensor_db.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One pending item: an alert (json set) or a sighting. Strings are copied:
 * the sensor's structs live for one callback only. */
struct db_item {
	bool is_alert;
	int64_t at_us;
	char kind[48], severity[16], src[48], dst[48];
	uint16_t src_port, dst_port;
	bool approved;
	char *json;
	uint8_t version;
	char dialect[32];
	bool sign_required;
};

struct sensor_db {
	struct store *st;
	size_t batch_max;
	uint64_t flush_ms;
	sensor_db_report_fn report;
	void *report_ctx;
	struct db_item *items;
	size_t n, cap;
	uint64_t last_attempt_ms;
	bool clock_set;
	bool failing;          /* the last write failed (reported once) */
	struct sensor_db_stats stats;
};

struct sensor_db *sensor_db_new(struct store *st, size_t batch_max, uint64_t flush_ms,
				sensor_db_report_fn report, void *report_ctx)
{
	struct sensor_db *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->st = st;
	d->batch_max = batch_max ? batch_max : SENSOR_DB_BATCH;
	d->flush_ms = flush_ms ? flush_ms : SENSOR_DB_FLUSH_MS;
	d->report = report;
	d->report_ctx = report_ctx;
	return d;
}

static void say(struct sensor_db *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct sensor_db *d, const char *fmt, ...)
{
	if (!d->report)
		return;
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	d->report(d->report_ctx, msg);
}

static void drop_front(struct sensor_db *d, size_t k)
{
	for (size_t i = 0; i < k; i++)
		free(d->items[i].json);
	memmove(d->items, d->items + k, (d->n - k) * sizeof *d->items);
	d->n -= k;
}

int sensor_db_flush(struct sensor_db *d, uint64_t now_ms)
{
	d->last_attempt_ms = now_ms;
	d->clock_set = true;
	if (d->n == 0)
		return 0;
	struct store_sensor_alert *al = calloc(d->n, sizeof *al);
	struct store_sensor_seen *sn = calloc(d->n, sizeof *sn);
	if (!al || !sn) {
		free(al);
		free(sn);
		say(d, "out of memory writing to the database");
		return -1;
	}
	struct store_sensor_batch b = {.alerts = al, .seen = sn};
	for (size_t i = 0; i < d->n; i++) {
		const struct db_item *it = &d->items[i];
		if (it->is_alert)
			al[b.n_alerts++] = (struct store_sensor_alert){
				.at_us = it->at_us, .kind = it->kind, .severity = it->severity,
				.src = it->src, .dst = it->dst, .src_port = it->src_port,
				.dst_port = it->dst_port, .approved = it->approved, .json = it->json};
		else
			sn[b.n_seen++] = (struct store_sensor_seen){
				.at = it->at_us / 1000000, .server = it->dst, .client = it->src,
				.port = it->dst_port, .dialect = it->dialect[0] ? it->dialect : NULL,
				.smb1 = it->version == 1, .sign_required = it->sign_required};
	}
	int rc = store_sensor_put(d->st, &b);
	free(al);
	free(sn);
	if (rc != 0) {
		d->stats.failures++;
		if (!d->failing)
			say(d, "database: %s (%zu items waiting; retried every %llu ms, alerts still go "
			       "to the other outputs)",
			    store_error(d->st), d->n, (unsigned long long)d->flush_ms);
		d->failing = true;
		return -1;
	}
	if (d->failing)
		say(d, "database: writing again (%zu items stored after %llu failed attempts)", d->n,
		    (unsigned long long)d->stats.failures);
	d->failing = false;
	d->stats.transactions++;
	d->stats.alerts += b.n_alerts;
	d->stats.seen += b.n_seen;
	drop_front(d, d->n);
	return 0;
}

static struct db_item *push(struct sensor_db *d, uint64_t now_ms)
{
	if (!d->clock_set) {
		d->last_attempt_ms = now_ms;
		d->clock_set = true;
	}
	/* a store down for long: give up the oldest batch, not the sensor */
	if (d->n >= d->batch_max * SENSOR_DB_KEEP_BATCHES) {
		d->stats.dropped += d->batch_max;
		drop_front(d, d->batch_max);
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct db_item *n = realloc(d->items, cap * sizeof *n);
		if (!n) {
			d->stats.dropped++;
			return NULL;
		}
		d->items = n;
		d->cap = cap;
	}
	struct db_item *it = &d->items[d->n++];
	memset(it, 0, sizeof *it);
	return it;
}

/* Write when the batch is full (after a failure: not before flush_ms), or
 * when flush_ms have passed. */
static void maybe_flush(struct sensor_db *d, uint64_t now_ms)
{
	bool due = now_ms - d->last_attempt_ms >= d->flush_ms;
	if (due || (d->n >= d->batch_max && !d->failing))
		(void)sensor_db_flush(d, now_ms);
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

void sensor_db_alert(struct sensor_db *d, const struct sensor_alert *a, uint64_t now_ms)
{
	json_t *o = alert_to_json(a);
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL; /* as -o prints it */
	json_decref(o);
	struct db_item *it = text ? push(d, now_ms) : NULL;
	if (!it) {
		free(text);
		if (!text)
			d->stats.dropped++;
		return;
	}
	it->is_alert = true;
	it->at_us = (int64_t)a->ts_us;
	copy(it->kind, sizeof it->kind, a->id);
	copy(it->severity, sizeof it->severity, a->severity);
	copy(it->src, sizeof it->src, a->src);
	copy(it->dst, sizeof it->dst, a->dst);
	it->src_port = a->src_port;
	it->dst_port = a->dst_port;
	it->approved = a->approved_scanner;
	it->json = text;
	maybe_flush(d, now_ms);
}

void sensor_db_seen(struct sensor_db *d, const struct sensor_seen *o, uint64_t now_ms)
{
	struct db_item *it = push(d, now_ms);
	if (!it)
		return;
	it->at_us = (int64_t)o->ts_us;
	copy(it->dst, sizeof it->dst, o->server);
	copy(it->src, sizeof it->src, o->client);
	it->dst_port = o->port;
	it->version = o->version;
	copy(it->dialect, sizeof it->dialect, o->dialect);
	it->sign_required = o->sign_required;
	maybe_flush(d, now_ms);
}

void sensor_db_tick(struct sensor_db *d, uint64_t now_ms)
{
	if (d->n && d->clock_set)
		maybe_flush(d, now_ms);
}

void sensor_db_get_stats(const struct sensor_db *d, struct sensor_db_stats *out)
{
	*out = d->stats;
}

void sensor_db_close(struct sensor_db *d, uint64_t now_ms)
{
	if (!d)
		return;
	if (sensor_db_flush(d, now_ms) != 0) {
		say(d, "database: %zu items could not be stored", d->n);
		d->stats.dropped += d->n;
	}
	drop_front(d, d->n);
	free(d->items);
	free(d);
}
