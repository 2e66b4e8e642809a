/* sensor_db.h - `sensor --db`: the sensor's alerts and sightings into the
 * store, batched.
 *
 * Why batched: a capture can raise thousands of alerts a second and every
 * SMB connection is a sighting; one transaction each would make the store
 * the bottleneck. Items are kept in memory and written in one
 * store_sensor_put() transaction when the batch holds batch_max items or
 * when flush_ms have passed since the last write (sensor_db_tick() lets
 * time pass on a quiet interface), and at sensor_db_close().
 *
 * A store that fails mid-capture never stops the sensor: the failed batch
 * is kept and retried flush_ms later; beyond SENSOR_DB_KEEP_BATCHES
 * batches waiting, the oldest are dropped and counted. Each failure is
 * reported once through the report function (a streak of failures once,
 * and again when writes recover). Time (now_ms) is the caller's monotonic
 * clock, so the tests drive it. */
#ifndef SMBW_SENSOR_SENSOR_DB_H
#define SMBW_SENSOR_SENSOR_DB_H

#include <stddef.h>
#include <stdint.h>

#include "sensor/alert.h"
#include "sensor/sensor.h"
#include "store/store.h"

#define SENSOR_DB_BATCH 256      /* items per transaction (default) */
#define SENSOR_DB_FLUSH_MS 1000  /* ... or at least once a second */
#define SENSOR_DB_KEEP_BATCHES 16

/* One line about a store failure or recovery ("stored again after ..."). */
typedef void (*sensor_db_report_fn)(void *ctx, const char *msg);

struct sensor_db_stats {
	uint64_t alerts, seen;        /* items committed */
	uint64_t transactions;        /* store_sensor_put() calls that committed */
	uint64_t failures;            /* ... that failed */
	uint64_t dropped;             /* items given up after failures */
};

struct sensor_db;

/* st stays the caller's. batch_max 0 = SENSOR_DB_BATCH, flush_ms 0 =
 * SENSOR_DB_FLUSH_MS. NULL when out of memory. */
struct sensor_db *sensor_db_new(struct store *st, size_t batch_max, uint64_t flush_ms,
				sensor_db_report_fn report, void *report_ctx);
void sensor_db_alert(struct sensor_db *d, const struct sensor_alert *a, uint64_t now_ms);
void sensor_db_seen(struct sensor_db *d, const struct sensor_seen *o, uint64_t now_ms);
/* Write what waits when flush_ms have passed since the last write. */
void sensor_db_tick(struct sensor_db *d, uint64_t now_ms);
/* Write everything now: 0, or -1 when the store refused (reported). */
int sensor_db_flush(struct sensor_db *d, uint64_t now_ms);
void sensor_db_get_stats(const struct sensor_db *d, struct sensor_db_stats *out);
/* Flush, then free (the store stays open). */
void sensor_db_close(struct sensor_db *d, uint64_t now_ms);

#endif
