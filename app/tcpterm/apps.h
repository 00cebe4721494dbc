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

/* By enum tt_app_kind; proxy is not built yet (tt_config_validate refuses it). */
extern const struct tt_app_def *const tt_builtin_apps[TT_APP__COUNT];

#endif /* TCPTERM_APPS_H */
