/* events_ecs.h - a monitor event (monitor/events.h, docs/events.md) as an
 * Elastic Common Schema 8.11 document, for the ecs+ sinks (monitor/sink.h).
 * The ECS fields come from report/ecs_fields.h, the mapping the scan's
 * --format ecs uses; the whole event is kept under smbwatch.monitor. */
#ifndef SMBW_MONITOR_EVENTS_ECS_H
#define SMBW_MONITOR_EVENTS_ECS_H

#include <jansson.h>
#include <stdbool.h>

/* New reference; NULL only when out of memory. ev is not changed. */
json_t *events_to_ecs(json_t *ev);
/* Does event kind `event` have its own ECS kind/category/type row? */
bool events_ecs_mapped(const char *event);

#endif
