/* smb1_usage.h - who still needs SMBv1: the scan x sensor join (issue 22,
 * section 3), shared by `smbwatch smb1-usage` and serve's /api/sensor.
 *
 * For every service whose latest stored sighting has SMB1_ENABLED, the
 * clients the sensor saw negotiate SMB1 with it in the last `days` days
 * (store table sensor_smb1), and a verdict:
 *   used          SMB1 enabled and used by these clients: upgrade or
 *                 isolate them before disabling SMB1
 *   unused        the sensor saw this server's traffic in the window and
 *                 no SMB1 negotiation: safe to disable (the text says
 *                 so only after a day or more of sensor coverage)
 *   not_observed  the sensor saw none of this server's traffic in the
 *                 window: no verdict (the sensor is not placed to see it)
 *   no_sensor     the store holds no sensor data in the window at all
 * and the other way round, SCAN_GAP: a server the sensor saw speaking SMB1
 * that no scan ever stored, a blind spot in the scan targets. */
#ifndef SMBW_STORE_SMB1_USAGE_H
#define SMBW_STORE_SMB1_USAGE_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

#define SMB1_USAGE_DAYS 30

/* {"days", "since", "coverage": {"first", "last", "days"} | null,
 *  "servers": [{"ip", "port", "last_scanned", "verdict", "text",
 *               "clients": [{"client", "dialect", "first_seen", "last_seen",
 *                            "negotiations"}]}],
 *  "scan_gaps": [{"ip", "port", "clients", "last_seen"}]}
 * now: unix seconds. NULL on a store error (store_error() says why). */
json_t *smb1_usage(struct store *st, int64_t now, int days);

#endif
