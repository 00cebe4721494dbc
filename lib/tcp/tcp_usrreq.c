/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What an application may ask of a TCB, as FreeBSD's tcp_usrreq.c holds it: take
 * connections from a listener's accept queue, send, shutdown, close, abort. Each acts on the
 * TCB at once (the application runs on the owning worker); the output it causes waits for
 * the end of the iteration (tt_conn_schedule_output). And the other direction: the events TCP
 * raises for the application, as marks on the TCB and the worker's event list (contract in
 * tcp_conn.h), which the application layer drains. Nothing here calls the application: the
 * layer above calls in, and reads the list (DESIGN "Layers", STYLE habit 16).
 *
 *   tt_app_* (lib/app) -> tt_tcp_usr_* -> tt_conn_schedule_output | tt_tcp_send_rst_conn ...
 *   input, timers, these calls -> tt_conn_event -> [event list] -> tt_tcp_event_pop
 *     (lib/app: tt_app_run delivers)
 */
#include <errno.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "../dp/tt_worker.h"
#include "tcp_conn.h"

/*
 * Mark evf for c and put c on the worker's event list if it is not there yet (evf was 0):
 * O(1), no capacity to run out of, nothing delivered here. Callable from anywhere on the
 * owning worker: input, timers, output, the application's own calls.
 */
void
tt_conn_event(struct tt_worker *w, struct tt_conn *c, unsigned int evf)
{
	struct tt_tcp *t = w->tcp;

	if (c->evf == 0) {
		c->ev_next = NULL;
		if (t->ev_tail == NULL)
			t->ev_head = c;
		else
			t->ev_tail->ev_next = c;
		t->ev_tail = c;
	}
	c->evf |= (uint8_t)evf;
}

struct tt_conn *
tt_tcp_event_pop(struct tt_tcp *t)
{
	struct tt_conn *c = t->ev_head;

	if (c != NULL) {
		t->ev_head = c->ev_next;
		if (t->ev_head == NULL)
			t->ev_tail = NULL;
		c->ev_next = NULL;
	}
	return c;
}

struct tt_conn *
tt_tcp_usr_conn(struct tt_tcp *t, tt_conn_t h)
{
	struct tt_conn *c = tt_conn_from_handle(t, h);

	if (c == NULL || (c->cflags & TT_CF_DEAD) || !(c->cflags & TT_CF_ACCEPTED))
		return NULL;
	return c;
}

unsigned int
tt_tcp_usr_accept_burst(struct tt_listener *l, struct tt_conn **conns, unsigned int n)
{
	unsigned int got = rte_ring_sc_dequeue_burst(l->acceptq, (void **)conns, n, NULL);

	for (unsigned int i = 0; i < got; i++) {
		conns[i]->cflags &= ~TT_CF_IN_ACCEPTQ;
		conns[i]->cflags |= TT_CF_ACCEPTED;
	}
	return got;
}

/*
 * What arrived before the accept, as events for this iteration's delivery: payload, then the
 * peer's FIN, then the end.
 */
void
tt_tcp_usr_accepted(struct tt_worker *w, struct tt_conn *c)
{
	if (c->cflags & TT_CF_DEAD) {
		tt_conn_event(w, c, TT_EVF_CLOSED);
		return;
	}
	tt_conn_release(w, c);
}

int
tt_tcp_usr_send(struct tt_worker *w, struct tt_conn *c, struct rte_mbuf *m)
{
	if (c->cflags & TT_CF_FIN_QUEUED) {
		rte_pktmbuf_free(m);
		return -EPIPE;
	}
	/*
	 * wmem is a soft limit, as for a blocking write(2): the data is taken, and while more
	 * than wmem bytes wait, the connection's incoming payload is held back (tcp_input.c,
	 * conn_app_ready), which closes the peer's window instead of failing the write —
	 * except in a memory crisis (below).
	 */
	if (rte_pktmbuf_pkt_len(m) == 0) {
		rte_pktmbuf_free(m);
		return 0;
	}
	/*
	 * R1: the soft limit ends where the worker's memory does. In a crisis a writer already
	 * past its budget is refused, so one connection's backlog (an application that ignores
	 * 'writable') cannot take the buffers every connection's ACKs and retransmissions need:
	 * a proxy on its own lcore once queued 22 MB towards one backend, and the connection
	 * stalled with its retransmissions unable to get an mbuf.
	 */
	if (unlikely(w->tcp->mem.level == TT_MEM_CRITICAL) && tt_mem_sndq_full(w->tcp, c)) {
		TT_STAT_INC(&w->stats, SendRefusedMemory);
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	/* R2: charged at true size; small writes coalesce into the queue's last buffer. */
	if (tt_mem_sndq_add(w, c, m) != 0) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	if (tt_mem_sndq_full(w->tcp, c))
		c->flags |= TT_CONN_WRITE_WAIT;
	tt_conn_schedule_output(w, c);
	return 0;
}

uint32_t
tt_tcp_usr_send_space(struct tt_worker *w, struct tt_conn *c)
{
	uint32_t space = (c->cflags & TT_CF_FIN_QUEUED) ? 0 : tt_mem_sndq_space(w->tcp, c);

	/* As a socket's SOCK_NOSPACE: who found no room is told when there is (tcp_input.c). */
	if (space == 0 && !(c->cflags & TT_CF_FIN_QUEUED))
		c->flags |= TT_CONN_WRITE_WAIT;
	return space;
}

void
tt_tcp_usr_shutdown(struct tt_worker *w, struct tt_conn *c)
{
	c->cflags |= TT_CF_FIN_QUEUED;
	tt_conn_schedule_output(w, c);
}

/*
 * RST|ACK <SEQ=SND.MAX> and the end (F8); Linux counts EstabResets for such a close. The
 * application let go of the handle: it hears 'closed' and nothing else (pending payload goes).
 */
void
tt_tcp_usr_abort(struct tt_worker *w, struct tt_conn *c)
{
	c->cflags |= TT_CF_RELEASED;
	/* RFC 9293 3.10.5: in SYN-SENT nothing reached the peer that a reset must undo. */
	if (c->state != TT_TCPS_SYN_SENT)
		tt_tcp_send_rst_conn(w, c);
	if (c->state == TT_TCPS_ESTABLISHED || c->state == TT_TCPS_CLOSE_WAIT)
		TT_STAT_INC(&w->stats, EstabResets);
	tt_conn_closed(w, c, TT_CLOSE_ABORTED);
}

void
tt_tcp_usr_close(struct tt_worker *w, struct tt_conn *c)
{
	/*
	 * F8, as Linux's tcp_close: payload the application never read (held back by
	 * backpressure) is discarded with a reset, not a FIN.
	 */
	if (c->rcvq_len > 0) {
		TT_STAT_INC(&w->stats, TCPAbortOnClose);
		tt_tcp_usr_abort(w, c);
		return;
	}
	/* RFC 9293 3.10.4: CLOSE in SYN-SENT deletes the TCB (Linux's tcp_close sends nothing). */
	if (c->state == TT_TCPS_SYN_SENT) {
		c->cflags |= TT_CF_RELEASED;
		tt_conn_closed(w, c, TT_CLOSE_ABORTED);
		return;
	}
	c->cflags |= TT_CF_FIN_QUEUED | TT_CF_RELEASED;
	/* F7: a released connection does not wait in FIN_WAIT_2 for ever. */
	if (c->state == TT_TCPS_FIN_WAIT_2)
		tt_conn_fw2_arm(w, c);
	tt_conn_schedule_output(w, c);
}

void
tt_tcp_usr_resume(struct tt_worker *w, struct tt_conn *c)
{
	tt_conn_release(w, c);
}
