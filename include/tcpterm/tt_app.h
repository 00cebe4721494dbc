/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application API (DESIGN "The application layer"). An application sees connections as
 * opaque handles, gets events through callbacks and acts through calls; both directions
 * travel over lockless rings between the worker that owns the connection and the
 * application, so an application runs the same inline on the worker's lcore (today) or on
 * lcores of its own (later).
 *
 * Order of things for one connection:
 *   accept queue -> tt_app_accept_burst() -> (data | writable)* -> [peer_closed] -> closed
 * and the application may call tt_app_send/shutdown/close/abort at any time in between.
 * After close or abort it hears only 'closed'. After 'closed' the handle is dead; calls on it
 * return -ENOTCONN. Callbacks never come from inside the TCP code, only from the worker's
 * event delivery (and 'accepted' from tt_app_accept_burst), so any callback may act on any
 * connection, its own included.
 *
 * Payload moves as mbufs: a 'data' event hands the application an mbuf it must free (or
 * pass back to tt_app_send); tt_app_send takes ownership of the mbuf it is given, whatever
 * it returns.
 */
#ifndef TT_APP_H
#define TT_APP_H

#include <stdint.h>

#include <tcpterm/tt_config.h>

struct rte_mbuf;
struct rte_mempool;
struct tt_app_ctx;

/* A connection: worker, slot and generation; 0 is never a valid handle. */
typedef uint64_t tt_conn_t;

/* Why a connection ended (the 'closed' event). */
enum tt_close_reason {
	TT_CLOSE_NORMAL,     /* both FINs exchanged and acknowledged */
	TT_CLOSE_RESET,      /* the peer sent RST */
	TT_CLOSE_TIMEOUT,    /* retransmissions or keepalives gave up */
	TT_CLOSE_ABORTED,    /* tt_app_abort(), or an RST tcpterm sent (F8) */
};

struct tt_app_ops {
	/* Set up ctx->priv for one listener on one worker. 0 or -errno. NULL if nothing to do. */
	int (*init)(struct tt_app_ctx *ctx);
	/* Free ctx->priv. NULL if nothing to do. */
	void (*fini)(struct tt_app_ctx *ctx);
	/* A connection left the accept queue into the application's hands. */
	void (*accepted)(struct tt_app_ctx *ctx, tt_conn_t c, uint16_t local_port);
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

/* The application instance of one listener on one worker. */
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
 * shutdown/close, -ENOTCONN for a dead handle, -ENOBUFS if m cannot be chained. wmem is a
 * soft limit: while more than wmem bytes wait to be sent, c's incoming data is held back
 * (its window closes), as a server blocked in write(2) stops reading.
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
 * Eight bytes of the application's own per connection, zero when accepted; NULL for a
 * dead handle. Valid until 'closed' returns.
 */
uint64_t *tt_app_udata(struct tt_app_ctx *ctx, tt_conn_t c);

#endif /* TT_APP_H */
