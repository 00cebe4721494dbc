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

#include <stddef.h>

#include <tcpterm/tt_app.h>
#include <tcpterm/tt_config.h>

struct tt_worker;

/*
 * Give each of w's listeners its application instance (apps[kind of the listener], NULL or
 * apps NULL: none), and the worker's client application (a generator's, on t->client; NULL:
 * none), and run their inits. 0, or -EINVAL with a message in err when an init fails;
 * the instances already started are stopped by tt_app_detach.
 */
int tt_app_attach(struct tt_worker *w, const struct tt_app_def *const apps[TT_APP__COUNT],
		  const struct tt_app_def *client, char *err, size_t errlen);

/* Run each attached application's fini and detach it. Before tt_tcp_worker_fini. */
void tt_app_detach(struct tt_worker *w);

/* Application polls, then every pending event delivered; once per loop iteration. */
void tt_app_run(struct tt_worker *w);

#endif /* TT_APP_PRIV_H */
