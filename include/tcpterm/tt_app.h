/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application API (DESIGN "The application layer"). An application sees connections as
 * opaque handles, gets events through callbacks and acts through calls; both directions
 * travel over lockless rings between the worker that owns the connection and the
 * application, so an application runs the same inline on the worker's lcore (today) or on
 * lcores of its own (later).
 *
 * Order of things for one connection:
 *   passive: accept queue -> tt_app_accept_burst() -> 'accepted'
 *   active:  tt_app_connect() -> 'connected' (or 'closed': refused, timed out, unreachable)
 *   then:    ('data' | 'writable' | 'timeout')* -> ['peer_closed'] -> 'closed'
 * and the application may call tt_app_send/shutdown/close/abort at any time in between
 * (on an active connection, from tt_app_connect's return on: what is sent before the
 * handshake completes waits for it). After close or abort it hears only 'closed'. After
 * 'closed' the handle is dead; calls on it return -ENOTCONN. Callbacks never come from
 * inside the TCP code, only from the worker's event delivery (and 'accepted' from
 * tt_app_accept_burst), so any callback may act on any connection, its own included.
 *
 * Placement (app_lcores): the callbacks run on the worker's lcore, or on an lcore of the
 * application's own where every call is carried to the worker over a ring and answered;
 * the behaviour is the same. init and fini run on the main thread before and after the
 * workers, where no call may be made (in the second placement it would wait for ever).
 *
 * Payload moves as mbufs: a 'data' event hands the application an mbuf it must free (or
 * pass back to tt_app_send); tt_app_send takes ownership of the mbuf it is given, whatever
 * it returns.
 *
 * docs/APPLICATIONS.md is the guide, with a small example application.
 */
#ifndef TT_APP_H
#define TT_APP_H

#include <stdint.h>

#include <tcpterm/tt_config.h>

struct rte_ether_addr;
struct rte_mbuf;
struct rte_mempool;
struct tt_app_ctx;

/* A connection: worker, slot and generation; 0 is never a valid handle. */
typedef uint64_t tt_conn_t;

/* Why a connection ended (the 'closed' event), with the errno a socket would report. */
enum tt_close_reason {
	TT_CLOSE_NORMAL,      /* both FINs exchanged and acknowledged */
	TT_CLOSE_RESET,       /* the peer sent RST (ECONNRESET) */
	TT_CLOSE_TIMEOUT,     /* retransmissions, keepalives or syn_retries gave up (ETIMEDOUT) */
	TT_CLOSE_ABORTED,     /* tt_app_abort(), or an RST tcpterm sent (F8) */
	TT_CLOSE_REFUSED,     /* connect: the peer answered the SYN with RST (ECONNREFUSED) */
	TT_CLOSE_UNREACHABLE, /* connect: the next hop never answered ARP (EHOSTUNREACH) */
	TT_CLOSE__COUNT
};

/* "normal", "reset", "timeout", "aborted", "refused", "unreachable"; "?" out of range. */
const char *tt_close_reason_name(enum tt_close_reason why);

/*
 * One end of a connection: IPv4 (family 0 or AF_INET, addr) or IPv6 (family AF_INET6,
 * addr6, addr 0). An initializer that names only addr and port is IPv4.
 */
struct tt_endpoint {
	uint32_t addr;        /* IPv4, network order */
	uint16_t port;        /* host order */
	uint8_t family;       /* 0 or AF_INET: IPv4; AF_INET6: IPv6 */
	uint8_t addr6[16];    /* IPv6, network order */
};

struct tt_app_ops {
	/* Set up ctx->priv for one listener on one worker. 0 or -errno. NULL if nothing to do. */
	int (*init)(struct tt_app_ctx *ctx);
	/* Free ctx->priv. NULL if nothing to do. */
	void (*fini)(struct tt_app_ctx *ctx);
	/* A connection left the accept queue into the application's hands. */
	void (*accepted)(struct tt_app_ctx *ctx, tt_conn_t c, uint16_t local_port);
	/*
	 * An active open (tt_app_connect) completed its handshake: ESTABLISHED. A failed one
	 * hears 'closed' instead (TT_CLOSE_REFUSED, _TIMEOUT, _UNREACHABLE), never this.
	 */
	void (*connected)(struct tt_app_ctx *ctx, tt_conn_t c);
	/* In-order payload; the application owns m. */
	void (*data)(struct tt_app_ctx *ctx, tt_conn_t c, struct rte_mbuf *m);
	/*
	 * After tt_app_send_space() said 0, or tt_app_send() went past wmem: the send queue has
	 * drained to half of wmem, so a writer streaming more than wmem (a large download)
	 * writes again, as on EPOLLOUT. Comes once per such wait, after the 'data' of the same
	 * delivery. NULL if the application never waits.
	 */
	void (*writable)(struct tt_app_ctx *ctx, tt_conn_t c);
	/* The peer sent FIN: no more data will come; sending is still allowed (F2). */
	void (*peer_closed)(struct tt_app_ctx *ctx, tt_conn_t c);
	/* The connection is gone; the handle is dead after this call. */
	void (*closed)(struct tt_app_ctx *ctx, tt_conn_t c, enum tt_close_reason why);
	/* The connection's timer (tt_app_timer) expired. NULL if the application sets none. */
	void (*timeout)(struct tt_app_ctx *ctx, tt_conn_t c);
	/*
	 * Once per worker loop iteration, after events: for work of the application's own,
	 * such as accepting at a rate. NULL if none.
	 */
	void (*poll)(struct tt_app_ctx *ctx, uint64_t now_ms);
};

/* An application as the daemon hands it to the engine (tt_engine_create). */
struct tt_app_def {
	const char *name;
	const struct tt_app_ops *ops;
};

/*
 * The application instance of one listener on one worker. Connections it opens
 * (tt_app_connect) deliver their events to the same instance.
 */
struct tt_app_ctx {
	const struct tt_listen_config *listen;  /* this listener's settings */
	struct rte_mempool *pool;               /* for mbufs the application sends */
	void *priv;                             /* the application's own state */
	uint16_t worker;
	void *engine_priv;                      /* the library's; do not touch */
};

/*
 * Take up to n established connections from this listener's accept queue (what accept(2)
 * does). Each taken connection gets its 'accepted' event before this call returns.
 * Returns the number taken.
 */
unsigned int tt_app_accept_burst(struct tt_app_ctx *ctx, unsigned int n);

/* Connections waiting in this listener's accept queue (ss Recv-Q). */
unsigned int tt_app_accept_pending(const struct tt_app_ctx *ctx);

/*
 * Queue m (one or more segments) for sending on c. Takes m. 0, -EPIPE after
 * shutdown/close, -ENOTCONN for a dead handle, -ENOBUFS if m cannot be chained, or when
 * the worker is in a memory crisis and c already holds more than wmem (SPEC R1). wmem is
 * otherwise a soft limit: while more than wmem bytes wait to be sent, c's incoming data is
 * held back (its window closes), as a server blocked in write(2) stops reading.
 */
int tt_app_send(struct tt_app_ctx *ctx, tt_conn_t c, struct rte_mbuf *m);

/*
 * Bytes c may queue before wmem is reached (as a socket's free send space); 0 when the
 * queue is full, after shutdown or for a dead handle. A 0 for a live connection promises
 * a 'writable' event when the queue has drained to half of wmem.
 */
uint32_t tt_app_send_space(struct tt_app_ctx *ctx, tt_conn_t c);

/* No more data from us: FIN after what is queued (shutdown(SHUT_WR)). 0 or -errno. */
int tt_app_shutdown(struct tt_app_ctx *ctx, tt_conn_t c);

/*
 * Release c: FIN after what is queued; afterwards nothing more is delivered for c except
 * 'closed'. Data arriving later is answered with RST (TCPAbortOnData, F8). If payload is
 * still held back unread (backpressure, see tt_app_send), c is reset instead, as Linux's
 * close() with unread data (TCPAbortOnClose). 0 or -errno.
 */
int tt_app_close(struct tt_app_ctx *ctx, tt_conn_t c);

/* Reset c at once: RST to the peer, queued data dropped. 0 or -errno. */
int tt_app_abort(struct tt_app_ctx *ctx, tt_conn_t c);

/*
 * Eight bytes of the application's own per connection, zero when accepted (an active
 * open's: the udata given to tt_app_connect); NULL for a dead handle. Valid until 'closed'
 * returns.
 */
uint64_t *tt_app_udata(struct tt_app_ctx *ctx, tt_conn_t c);

/*
 * Open a connection to dst (connect(2), SPEC A1): the source is our address on dst's
 * subnet (else the first, through the gateway), the port one of ip_local_port_range whose
 * flow this worker owns, so every segment of it arrives here (at most 4096 ports tried per
 * call; the next call goes on from there). Returns 0 with *out set,
 * the connection in SYN_SENT and its udata set (before any event can need it); 'connected'
 * or 'closed' follows. -EADDRNOTAVAIL when no local port is free for dst (or, IPv6, while
 * DAD keeps every source address tentative), -ENETUNREACH without a route (IpOutNoRoutes;
 * IPv6: no IPv6 --addr), -ENOBUFS when the worker has no TCB left (or no room for another
 * remote IPv6 address), -EINVAL for an address that is not unicast or a port 0,
 * -EAFNOSUPPORT for a family other than AF_INET and AF_INET6. An IPv6
 * source follows RFC 6724's first rules: our address on dst's prefix, the port's
 * link-local one for a link-local dst, else the first.
 */
int tt_app_connect(struct tt_app_ctx *ctx, const struct tt_endpoint *dst, uint64_t udata,
		   tt_conn_t *out);

/* Both ends of c (getsockname, getpeername). 0 or -ENOTCONN; either pointer may be NULL. */
int tt_app_endpoints(struct tt_app_ctx *ctx, tt_conn_t c, struct tt_endpoint *local,
		     struct tt_endpoint *peer);

/*
 * Stop taking c's payload: what arrives is held (up to the receive buffer, then the window
 * closes, as for a socket nobody reads) until tt_app_resume_recv, which delivers it. A
 * proxy pauses one side while the other side's send queue is full (end-to-end
 * backpressure). The peer's FIN waits behind held payload. 0 or -ENOTCONN.
 */
int tt_app_pause_recv(struct tt_app_ctx *ctx, tt_conn_t c);
int tt_app_resume_recv(struct tt_app_ctx *ctx, tt_conn_t c);

/*
 * c's one timer: 'timeout' in ms milliseconds (at the worker clock's granularity), replacing
 * the one set before; ms 0 cancels. It dies with the connection. 0, -ENOTCONN, or -ENOBUFS
 * when the worker's timers are all in use (as many as its TCBs, so only a bug gets it).
 */
int tt_app_timer(struct tt_app_ctx *ctx, tt_conn_t c, uint32_t ms);

/*
 * A whole Ethernet frame the application built, out on port (an index below
 * tt_app_n_ports) from this worker's queue, as is: for generators of floods (tcpterm-gen's
 * SYN, ACK and RST floods from spoofed sources), which no TCB stands behind. Takes m. 0, or
 * -EINVAL (bad port, shorter than an Ethernet header; m freed).
 */
int tt_app_xmit(struct tt_app_ctx *ctx, uint16_t port, struct rte_mbuf *m);
unsigned int tt_app_n_ports(const struct tt_app_ctx *ctx);
/*
 * The MAC address of port (an index below tt_app_n_ports), for frames tt_app_xmit sends
 * (which go as built: an 802.1Q tag, if wanted, is the application's). 0, or -EINVAL.
 */
int tt_app_port_mac(const struct tt_app_ctx *ctx, uint16_t port, struct rte_ether_addr *mac);

#endif /* TT_APP_H */
