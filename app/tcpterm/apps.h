/* SPDX-License-Identifier: BSD-3-Clause */
/* The built-in applications (SPEC O2), each in its own file, on the public API only. */
#ifndef TCPTERM_APPS_H
#define TCPTERM_APPS_H

#include <tcpterm/tt_app.h>
#include <tcpterm/tt_config.h>

extern const struct tt_app_def tt_app_http;
extern const struct tt_app_def tt_app_echo;
extern const struct tt_app_def tt_app_discard;
extern const struct tt_app_def tt_app_hold;
extern const struct tt_app_def tt_app_proxy;

/*
 * The proxy sizes its table of connection pairs from max_conns, which a listener's
 * settings do not carry: the daemon hands the configuration over after EAL's init and
 * before the engine starts; /tcpterm/proxy is registered then.
 */
void tt_app_proxy_setup(const struct tt_config *cfg);

/* By enum tt_app_kind. */
extern const struct tt_app_def *const tt_builtin_apps[TT_APP__COUNT];

#endif /* TCPTERM_APPS_H */
