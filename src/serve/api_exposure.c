/* api_exposure.c - GET /api/exposure: one host, every vantage point (the
 * views that saw each host, since when, its ports, the worst finding per
 * view); the query and its fold are store/exposure.h's, shared with
 * `smbwatch exposure`. */
#include "serve/api.h"
#include "store/exposure.h"

void api_exposure(const struct api_req *rq, struct api_reply *out)
{
	json_t *t = exposure_table(rq->st);
	if (!t)
		return api_store_error(out, rq->st);
	api_json(out, 200, t);
}
