/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcpterm's rte_log types: tcpterm.core (the engine and the data plane), tcpterm.net,
 * tcpterm.tcp, tcpterm.app. Here, at the bottom, so every layer may log (DESIGN "Layers").
 * Select with EAL's --log-level=tcpterm.*:debug. Never used per packet: the data path
 * counts instead (STYLE habit 4).
 */
#ifndef TT_LOG_H
#define TT_LOG_H

#include <rte_log.h>

extern int tt_logtype_core;
extern int tt_logtype_net;
extern int tt_logtype_tcp;
extern int tt_logtype_app;

#define TT_LOG(level, type, fmt, ...) \
	rte_log(RTE_LOG_##level, tt_logtype_##type, "tcpterm: " fmt "\n", ##__VA_ARGS__)

#endif /* TT_LOG_H */
