/* scan_run.c - one scan from targets to assessed records; see scan_run.h. */
#include "cli/scan_run.h"

#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "assess/assess.h"
#include "net/engine.h"
#include "probe/service.h"
#include "report/progress.h"

struct scan_run {
	uv_loop_t *loop;
	struct engine *engine;
	struct scan_opts sopts;
	struct target_set *targets;
	struct port_list ports;
	const struct scan_hooks *hooks;
	struct progress *progress;
	uv_timer_t progress_timer;
	uint64_t total, next, done;
	unsigned active, max_active;
	struct scan_summary sum;
	struct nbname_cache *names;
	bool stopping;
	uv_signal_t sigint, sigterm;
};

static void feed(struct scan_run *run);

static void service_done(enum svc_outcome o, struct svc_record *rec, void *ud)
{
	struct scan_run *run = ud;
	run->active--;
	run->done++;
	switch (o) {
	case SVC_OPEN: run->sum.open++; break;
	case SVC_CLOSED: run->sum.closed++; break;
	case SVC_FILTERED: run->sum.filtered++; break;
	case SVC_ERROR: run->sum.errors++; break;
	}
	if (rec) {
		assess_record(rec);
		run->sum.services++;
		if (rec->ntlm.present && rec->ntlm.netbios_computer[0])
			nbname_cache_put(run->names, rec->ip, rec->ntlm.netbios_computer);
		if (run->hooks->service)
			run->hooks->service(rec, run->hooks->ud);
	}
	feed(run);
}

/* Start services while under the cap. Order: address-major, so all ports of
 * a host run close together (445 before 139 when both are asked for lets
 * 139 learn the NetBIOS name). */
static void feed(struct scan_run *run)
{
	while (!run->stopping && run->active < run->max_active && run->next < run->total) {
		uint64_t idx = run->next++;
		uint64_t ai = idx / run->ports.n;
		uint16_t port = run->ports.ports[idx % run->ports.n];
		struct sockaddr_storage ss;
		if (!targets_get(run->targets, ai, &ss))
			continue;
		if (ss.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		else
			((struct sockaddr_in *)&ss)->sin_port = htons(port);
		char ip[64];
		options_addr_text(&ss, ip, sizeof ip);
		run->active++;
		service_start(run->engine, &run->sopts, (struct sockaddr *)&ss, port == 139,
			      nbname_cache_get(run->names, ip), service_done, run);
	}
	if (run->active == 0 && (run->next >= run->total || run->stopping)) {
		uv_timer_stop(&run->progress_timer);
		uv_signal_stop(&run->sigint);
		uv_signal_stop(&run->sigterm);
	}
}

static void progress_tick(uv_timer_t *t)
{
	struct scan_run *run = t->data;
	progress_update(run->progress, run->done, run->sum.services, engine_inflight(run->engine),
			(double)uv_now(run->loop) / 1000.0);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct scan_run *run = h->data;
	(void)signum;
	if (run->stopping) {
		fputs("smbwatch: stopping now\n", stderr);
		exit(3);
	}
	run->stopping = true; /* finish the services in flight, start no more */
	fputs("\nsmbwatch: interrupted, finishing the services in flight\n", stderr);
	feed(run);
}

int scan_execute(const struct scan_cli *cli, const struct scan_hooks *hooks, bool show_progress,
		 struct scan_summary *sum)
{
	struct scan_run run;
	memset(&run, 0, sizeof run);
	memset(sum, 0, sizeof *sum);
	run.hooks = hooks;
	run.targets = cli->targets;
	run.ports = cli->ports;
	run.sopts = cli->sopts;
	run.total = targets_count(run.targets) * run.ports.n;
	run.names = nbname_cache_new();
	uv_loop_t loop;
	if (uv_loop_init(&loop) != 0) {
		nbname_cache_free(run.names);
		return -1;
	}
	run.loop = &loop;
	struct engine_opts eo = {
		.max_inflight = cli->max_inflight,
		.rate = cli->rate,
		.connect_timeout_ms = cli->connect_timeout_ms,
	};
	run.engine = engine_new(run.loop, &eo);
	/* each service holds at most two connections at once */
	run.max_active = cli->max_inflight / 2 ? cli->max_inflight / 2 : 1;
	run.progress = show_progress ? progress_new(stderr, run.total) : NULL;
	uv_timer_init(run.loop, &run.progress_timer);
	run.progress_timer.data = &run;
	if (run.progress)
		uv_timer_start(&run.progress_timer, progress_tick, 250, 250);
	uv_signal_init(run.loop, &run.sigint);
	uv_signal_init(run.loop, &run.sigterm);
	run.sigint.data = run.sigterm.data = &run;
	uv_signal_start(&run.sigint, on_signal, SIGINT);
	uv_signal_start(&run.sigterm, on_signal, SIGTERM);

	uint64_t t0 = uv_hrtime();
	feed(&run);
	uv_run(run.loop, UV_RUN_DEFAULT);
	run.sum.targets = run.done;
	run.sum.seconds = (double)(uv_hrtime() - t0) / 1e9;
	run.sum.interrupted = run.stopping;
	if (run.progress) {
		progress_update(run.progress, run.done, run.sum.services, 0,
				(double)uv_now(run.loop) / 1000.0);
		progress_free(run.progress);
	}
	uv_close((uv_handle_t *)&run.progress_timer, NULL);
	uv_close((uv_handle_t *)&run.sigint, NULL);
	uv_close((uv_handle_t *)&run.sigterm, NULL);
	engine_free(run.engine);
	uv_run(run.loop, UV_RUN_DEFAULT);
	uv_loop_close(run.loop);
	nbname_cache_free(run.names);
	*sum = run.sum;
	return 0;
}
