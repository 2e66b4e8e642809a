/* alert_ecs.h - a sensor alert as an Elastic Common Schema 8.11 document
 * (sensor --format ecs, and the sensor's ecs+ sinks). The ECS fields come
 * from report/ecs_fields.h, the mapping the scan's --format ecs uses. */
#ifndef SMBW_SENSOR_ALERT_ECS_H
#define SMBW_SENSOR_ALERT_ECS_H

#include <jansson.h>
#include <stdio.h>

#include "sensor/alert.h"

/* event.kind alert, event.category [intrusion_detection], event.type
 * [info], event.dataset smbwatch.sensor, event.action the alert id;
 * source.* the client, destination.* the server (when the alert is about
 * one); rule.name/description; vulnerability.* for the alerts about a
 * published vulnerability (MS17-010, SMBGhost); observer.type ids; the
 * alert's own fields under smbwatch.alert. New reference. */
json_t *alert_to_ecs(const struct sensor_alert *a);

/* The ECS JSON Lines sink: ctx is a FILE *. */
void alert_sink_ecs(void *ctx, const struct sensor_alert *a);

#endif
