/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application layer as the engine drives it (the public side is include/tcpterm/tt_app.h):
 * attach each listener's application on a worker once TCP is up, run polls and deliver
 * events once per loop iteration, detach before TCP goes.
 *
 *   tt_engine_create -> tt_tcp_worker_init -> tt_app_attach
 *   tt_worker_poll -> ... -> tt_app_run -> ops callbacks -> tt_app_* -> tt_tcp_usr_* (lib/tcp)
 *   worker_free -> tt_app_detach -> tt_tcp_worker_fini
 */
#ifndef TT_APP_PRIV_H
#define TT_APP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tcpterm/tt_app.h>
#include <tcpterm/tt_config.h>

struct tt_worker;

/*
 * Give each of w's listeners its application instance (apps[kind of the listener], NULL or
 * apps NULL: none), and the worker's client application (a generator's, on t->client; NULL:
 * none), and run their inits. app_lcore: TT_APP_INLINE, or the lcore the applications of
 * this worker run on (tt_app_lcore_run there; calls and events over rings). 0, or -EINVAL with a message in err when an init fails;
 * the instances already started are stopped by tt_app_detach.
 */
int tt_app_attach(struct tt_worker *w, const struct tt_app_def *const apps[TT_APP__COUNT],
		  const struct tt_app_def *client, unsigned int app_lcore, char *err,
		  size_t errlen);

/* Run each attached application's fini and detach it. Before tt_tcp_worker_fini. */
void tt_app_detach(struct tt_worker *w);

/*
 * Once per loop iteration: calls from an application lcore answered, application timers,
 * application polls (inline), then every pending event delivered (inline) or put on the
 * event ring (as long as it has room).
 */
void tt_app_run(struct tt_worker *w);

#define TT_APP_INLINE UINT32_MAX
/* The lcore w's applications run on, or TT_APP_INLINE. */
unsigned int tt_app_lcore(const struct tt_worker *w);
/*
 * The loop of w's application lcore: events to callbacks, polls, until *quit; then it says
 * so (tt_app_lcore_done). Calls it makes wait for w's tt_app_run or tt_app_serve.
 */
void tt_app_lcore_run(struct tt_worker *w, const volatile bool *quit);
/* For w's lcore once its loop ended: answer calls until the application lcore stopped. */
void tt_app_serve(struct tt_worker *w);
bool tt_app_lcore_done(const struct tt_worker *w);

#endif /* TT_APP_PRIV_H */
