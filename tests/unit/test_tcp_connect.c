/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The active open (SPEC A1, H10; RFC 9293 3.10.7.3) on the fake clock, the peer a server
 * played by the harness at 198.18.0.10:8080:
 *  - connect to a peer not yet resolved: an ARP request goes first and the SYN waits for
 *    the reply (not lost); the SYN has Linux's options; the SYN-ACK completes the handshake:
 *    the ACK, 'connected', ESTABLISHED, ActiveOpens; data both ways, data queued before
 *    'connected' numbered from ISS + 1;
 *  - RST with the right ACK: 'closed' refused, AttemptFails;
 *  - no answer: the SYN again at 1 s, 3 s (doubling), then after syn_retries 'closed'
 *    timeout at 7 s; TCPSynRetrans;
 *  - ARP never answered: three requests 1 s apart, then 'closed' unreachable (an ICMP host
 *    unreachable about the SYN, as Linux's ipv4_link_failure), ArpUnresolvedDiscards;
 *  - H10: a SYN-ACK with the wrong ACK gets <SEQ=SEG.ACK><CTL=RST> and the attempt goes on;
 *  - simultaneous open: SYN without ACK -> our SYN-ACK with the same ISS -> the peer's ACK
 *    (or its own SYN-ACK, when it did as we did: our ACK answers it) -> 'connected';
 *  - tw_reuse: 0 and 2 refuse a TIME_WAIT 4-tuple, 1 takes it over once a second old
 *    (TWRecycled, ISS past the old snd_nxt, PAWS against the old TS.Recent);
 *  - the local port range: two ports, two connects to one peer, the third -EADDRNOTAVAIL;
 *    bad destinations -EINVAL, no route -ENETUNREACH; with two workers, only ports whose
 *    flow the connecting worker owns; connects in turn over four destinations take
 *    consecutive ports per destination (RFC 6056 3.3.4);
 *  - the application's timer: 'timeout' after the time asked, cancelled by 0;
 *  - pause/resume of receiving: payload held while paused (window shrinks), delivered on
 *    resume; and delivered before 'closed' when the connection ends while paused.
 */
#include "tt_test.h"

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define RST RTE_TCP_RST_FLAG
#define PSH RTE_TCP_PSH_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define S(name) TT_TEST_STAT(env, name)
#define SERVER_PORT 8080

static void
start(struct tt_test_env *env)
{
	env->cfg.syn_retries = 2;
	tt_test_tcp_start_app(env);
}

/* The peer answers the ARP request tcpterm sent for it. */
static void
arp_reply(struct tt_test_env *env)
{
	struct tt_tb b = tt_tb_defaults(TT_TB_ARP);

	b.arp_op = RTE_ARP_OP_REPLY;
	b.eth_dst = tt_test_mac_us;
	b.arp_tha = tt_test_mac_us;
	tt_test_rx(env, tt_tb_build(env, &b));
	tt_test_poll(env);
}

static void
expect_arp_request(struct tt_test_env *env)
{
	struct tt_test_frame f;

	tt_test_tx_one(env, &f);
	assert_non_null(f.arp);
	assert_int_equal(rte_be_to_cpu_16(f.arp->arp_opcode), RTE_ARP_OP_REQUEST);
	assert_int_equal(f.arp->arp_data.arp_tip, TT_TEST_IP_PEER);
	assert_int_equal(f.arp->arp_data.arp_sip, TT_TEST_IP_US);
	rte_pktmbuf_free(f.m);
}

/*
 * Connect and take the SYN (resolving the peer first when it is not known yet): p becomes
 * the server side of the flow (its sport 8080, its dport our chosen port).
 */
static tt_conn_t
connect_syn(struct tt_test_env *env, struct tt_test_peer *p, struct tt_test_seg *syn,
	    bool resolve)
{
	struct rte_mbuf *m;
	tt_conn_t h;

	assert_int_equal(tt_test_app_connect(env, 80, TT_TEST_IP_PEER, SERVER_PORT, &h), 0);
	tt_test_poll(env);
	if (resolve) {
		expect_arp_request(env);
		assert_int_equal(tt_test_tx_count(env), 0);    /* the SYN waits for the MAC */
		arp_reply(env);
	}
	assert_int_equal(tt_test_tx_count(env), 1);
	m = tt_test_tx_pop(env);
	tt_test_seg_decode(m, syn);
	rte_pktmbuf_free(m);
	tt_test_peer_init(p, SERVER_PORT, 5000);
	p->dport = syn->sport;
	return h;
}

/* The attempt ended: 'closed' with why, AttemptFails, the TCB gone, nothing sent. */
static void
expect_failed(struct tt_test_env *env, tt_conn_t h, enum tt_close_reason why)
{
	const struct tt_test_ev *ev = TT_TEST_EV(env, TT_TEV_CLOSED, h);

	assert_int_equal(ev->why, why);
	assert_int_equal(S(AttemptFails), 1);
	assert_int_equal(tt_test_tcp_conns(env), 0);
	assert_int_equal(tt_test_tx_count(env), 0);
}

static void
syn_ack(struct tt_test_env *env, struct tt_test_peer *p, const struct tt_test_seg *syn)
{
	p->rcv_nxt = syn->seq + 1;
	p->ts_recent = syn->opts.tsval;
	tt_test_peer_xmit(env, p, SYN | ACK, p->isn, syn->seq + 1, NULL, 0);
	p->snd_nxt = p->isn + 1;
}

static void
test_connect_arp_data(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg syn, s;
	struct tt_conn *c;
	tt_conn_t h;

	start(env);
	h = connect_syn(env, &p, &syn, true);
	TT_TEST_SEG_IS(&syn, SYN, syn.seq, 0);
	assert_in_range(syn.sport, env->cfg.local_port_lo, env->cfg.local_port_hi);
	assert_int_equal(syn.dport, SERVER_PORT);
	/* Linux's layout: MSS, SACK-permitted, timestamps (TSecr 0), NOP, window scale. */
	assert_true(syn.opts.present & TT_TCP_OPT_MSS);
	assert_int_equal(syn.opts.mss, 1460);
	assert_true(syn.opts.present & TT_TCP_OPT_SACK_OK);
	assert_true(syn.opts.present & TT_TCP_OPT_TS);
	assert_int_equal(syn.opts.tsecr, 0);
	assert_true(syn.opts.present & TT_TCP_OPT_WSCALE);
	assert_int_equal(S(ActiveOpens), 1);
	c = tt_test_tcp_conn(env, &p);
	assert_non_null(c);
	assert_int_equal(c->state, TT_TCPS_SYN_SENT);
	/* Queued before the handshake: waits, then goes from ISS + 1. */
	assert_int_equal(tt_test_app_send(env, h, "hello", 5), 0);
	tt_test_poll(env);
	assert_int_equal(tt_test_tx_count(env), 0);

	syn_ack(env, &p, &syn);
	TT_TEST_EV(env, TT_TEV_CONNECTED, h);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK | PSH, syn.seq + 1, p.isn + 1);
	assert_int_equal(s.len, 5);
	assert_memory_equal(s.data, "hello", 5);
	assert_int_equal(c->state, TT_TCPS_ESTABLISHED);
	assert_int_equal(S(CurrEstab), 1);
	{
		struct tt_endpoint l, r;

		assert_int_equal(tt_app_endpoints(&tt_test_listener(env, 80)->app, h, &l, &r), 0);
		assert_int_equal(l.addr, TT_TEST_IP_US);
		assert_int_equal(l.port, syn.sport);
		assert_int_equal(r.addr, TT_TEST_IP_PEER);
		assert_int_equal(r.port, SERVER_PORT);
	}
	/* The server answers; its FIN; we close: the active side ends in TIME_WAIT. */
	tt_test_peer_send(env, &p, ACK | PSH | FIN, "world", 5);
	{
		const struct tt_test_ev *ev = TT_TEST_EV(env, TT_TEV_DATA, h);

		assert_int_equal(ev->len, 5);
		assert_memory_equal(ev->data, "world", 5);
	}
	TT_TEST_EV(env, TT_TEV_PEER_CLOSED, h);
	tt_test_tx_drain(env);
	assert_int_equal(tt_test_app_close(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	assert_true(s.flags & FIN);
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
	assert_int_equal(S(AttemptFails), 0);
}

/*
 * Data queued before the handshake is cut for the MSS guessed at connect (the port's); a
 * peer announcing less (536 here, and timestamps take 12) has it cut again when the
 * SYN-ACK comes, so no segment exceeds what the peer takes — a retransmission, which
 * sends a unit whole, included (fuzz_tcp's finding connect-presyn-data-mss: a 1460-byte
 * unit behind 12 bytes of options left the MTU).
 */
static void
test_presyn_data_small_mss(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg syn, s;
	uint32_t got = 0;
	tt_conn_t h;

	start(env);
	h = connect_syn(env, &p, &syn, true);
	assert_int_equal(tt_test_app_send(env, h, NULL, 3000), 0);
	tt_test_poll(env);
	p.mss = 536;
	syn_ack(env, &p, &syn);
	TT_TEST_EV(env, TT_TEV_CONNECTED, h);
	while (tt_test_tx_count(env) > 0) {
		tt_test_peer_recv(env, &p, &s);
		assert_true(s.len <= 536 - 12);
		for (uint32_t i = 0; i < s.len; i++)
			assert_int_equal(s.data[i], tt_tb_pattern(got + i));
		got += s.len;
	}
	/* Unacknowledged: what the timeout sends again is cut to the peer's MSS too. */
	tt_test_advance(env, 3500);
	assert_true(tt_test_tx_count(env) > 0);
	while (tt_test_tx_count(env) > 0) {
		tt_test_peer_recv(env, &p, &s);
		assert_true(s.len <= 536 - 12);
	}
	assert_int_equal(got, 3000);
	tt_test_abort_conn(env, &p, h);
}

static void
test_refused(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg syn;
	tt_conn_t h;

	start(env);
	h = connect_syn(env, &p, &syn, true);
	/* A reset without ACK, or with a wrong one, is not the peer's answer (dropped). */
	tt_test_peer_xmit(env, &p, RST, 0, 0, NULL, 0);
	tt_test_peer_xmit(env, &p, RST | ACK, 0, syn.seq + 7, NULL, 0);
	TT_TEST_EV_NONE(env);
	assert_int_equal(tt_test_tx_count(env), 0);
	tt_test_peer_xmit(env, &p, RST | ACK, 0, syn.seq + 1, NULL, 0);
	expect_failed(env, h, TT_CLOSE_REFUSED);
	assert_null(tt_test_tcp_conn(env, &p));
}

static void
test_syn_timeout(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg syn, s;
	tt_conn_t h;

	start(env);
	h = connect_syn(env, &p, &syn, true);
	/*
	 * RFC 6298: 1 s, then doubling; syn_retries 2: SYNs at 0, 1 and 3 s, failure at 7 s
	 * (each wait counted from the one before).
	 */
	TT_TEST_TX_AT(env, 1000);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, SYN, syn.seq, 0);
	TT_TEST_TX_AT(env, 2000);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, SYN, syn.seq, 0);
	TT_TEST_AT(env, 4000, tt_test_pred_event, "the connect times out");
	expect_failed(env, h, TT_CLOSE_TIMEOUT);
	assert_int_equal(S(TCPSynRetrans), 2);
}

static void
test_arp_unanswered(void **state)
{
	struct tt_test_env *env = *state;
	tt_conn_t h;

	start(env);
	assert_int_equal(tt_test_app_connect(env, 80, TT_TEST_IP_PEER, SERVER_PORT, &h), 0);
	tt_test_poll(env);
	expect_arp_request(env);
	/*
	 * The SYN timer (1 s) sends the SYN again meanwhile: it waits too, behind the same
	 * request. Requests at 0, 1 and 2 s; at 3 s the first SYN is given up.
	 */
	TT_TEST_TX_AT(env, 1000);
	expect_arp_request(env);
	TT_TEST_TX_AT(env, 1000);
	expect_arp_request(env);
	TT_TEST_AT(env, 1000, tt_test_pred_event, "the connect fails: host unreachable");
	expect_failed(env, h, TT_CLOSE_UNREACHABLE);
	/* The SYNs of 0, 1 and 3 s (the timers run first) all given up with the next hop. */
	assert_int_equal(S(ArpUnresolvedDiscards), 3);
}

/* H10: an ACK for something we never sent, in SYN_SENT, is answered <SEQ=SEG.ACK><CTL=RST>. */
static void
test_wrong_synack(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg syn, s;
	tt_conn_t h;

	start(env);
	h = connect_syn(env, &p, &syn, true);
	tt_test_peer_xmit(env, &p, SYN | ACK, p.isn, syn.seq + 1000, NULL, 0);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, RST, syn.seq + 1000, 0);
	TT_TEST_EV_NONE(env);
	assert_int_equal(tt_test_tcp_conn(env, &p)->state, TT_TCPS_SYN_SENT);
	/* The right one still completes it. */
	syn_ack(env, &p, &syn);
	TT_TEST_EV(env, TT_TEV_CONNECTED, h);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, syn.seq + 1, p.isn + 1);
	tt_test_abort_conn(env, &p, h);
}

static void
simultaneous_open(struct tt_test_env *env, bool cross)
{
	struct tt_test_peer p;
	struct tt_test_seg syn, s;
	tt_conn_t h;

	start(env);
	h = connect_syn(env, &p, &syn, true);
	tt_test_peer_xmit(env, &p, SYN, p.isn, 0, NULL, 0);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, SYN | ACK, syn.seq, p.isn + 1);
	assert_true(s.opts.present & TT_TCP_OPT_MSS);
	assert_int_equal(tt_test_tcp_conn(env, &p)->state, TT_TCPS_SYN_RECV);
	TT_TEST_EV_NONE(env);
	p.snd_nxt = p.isn + 1;
	p.rcv_nxt = syn.seq + 1;
	if (cross) {
		/*
		 * The peer did as we did: its SYN-ACK (its SYN again, ours acknowledged)
		 * completes the handshake, and our ACK answers it.
		 */
		tt_test_peer_xmit(env, &p, SYN | ACK, p.isn, syn.seq + 1, NULL, 0);
		TT_TEST_EV(env, TT_TEV_CONNECTED, h);
		tt_test_peer_recv(env, &p, &s);
		TT_TEST_SEG_IS(&s, ACK, syn.seq + 1, p.isn + 1);
	} else {
		tt_test_peer_send(env, &p, ACK, NULL, 0);
		TT_TEST_EV(env, TT_TEV_CONNECTED, h);
		assert_int_equal(tt_test_tx_count(env), 0);   /* a bare ACK is owed nothing */
	}
	assert_int_equal(tt_test_tcp_conn(env, &p)->state, TT_TCPS_ESTABLISHED);
	tt_test_tx_drain(env);
	tt_test_abort_conn(env, &p, h);
}

static void
test_simultaneous_open(void **state)
{
	simultaneous_open(*state, false);
}

static void
test_simultaneous_open_crossed(void **state)
{
	simultaneous_open(*state, true);
}

static void
test_port_range_and_errors(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_seg syn;
	tt_conn_t h[3];
	struct tt_endpoint dst = { .addr = TT_TEST_IP_PEER, .port = 0 };
	struct tt_app_ctx *ctx;

	env->cfg.local_port_lo = 40000;
	env->cfg.local_port_hi = 40001;
	start(env);
	ctx = &tt_test_listener(env, 80)->app;
	assert_int_equal(tt_test_app_connect(env, 80, TT_TEST_IP_PEER, SERVER_PORT, &h[0]), 0);
	tt_test_poll(env);
	expect_arp_request(env);
	assert_int_equal(tt_test_app_connect(env, 80, TT_TEST_IP_PEER, SERVER_PORT, &h[1]), 0);
	tt_test_poll(env);
	/* One request for the next hop, however many frames wait for it. */
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(tt_test_app_connect(env, 80, TT_TEST_IP_PEER, SERVER_PORT, &h[2]),
			 -EADDRNOTAVAIL);
	/* Another server port is another 4-tuple: the range serves it again. */
	assert_int_equal(tt_test_app_connect(env, 80, TT_TEST_IP_PEER, SERVER_PORT + 1, &h[2]), 0);
	arp_reply(env);
	assert_int_equal(tt_test_tx_count(env), 3);
	for (int i = 0; i < 3; i++) {
		struct rte_mbuf *m = tt_test_tx_pop(env);

		tt_test_seg_decode(m, &syn);
		assert_true(syn.flags == SYN && (syn.sport == 40000 || syn.sport == 40001));
		rte_pktmbuf_free(m);
	}
	assert_int_equal(tt_app_connect(ctx, &dst, 0, &h[2]), -EINVAL);
	dst = (struct tt_endpoint){ TT_IP(224, 0, 0, 1), 80 };
	assert_int_equal(tt_app_connect(ctx, &dst, 0, &h[2]), -EINVAL);
	dst = (struct tt_endpoint){ TT_TEST_IP_US, 80 };
	assert_int_equal(tt_app_connect(ctx, &dst, 0, &h[2]), -EINVAL);
	dst = (struct tt_endpoint){ TT_IP(203, 0, 113, 1), 80 };   /* no gateway */
	assert_int_equal(tt_app_connect(ctx, &dst, 0, &h[2]), -ENETUNREACH);
	assert_int_equal(S(IpOutNoRoutes), 1);
	tt_test_app_close_all(env, true);
	for (int i = 0; i < 3; i++)
		TT_TEST_EV(env, TT_TEV_CLOSED, 0);
	/* An abort in SYN_SENT sends nothing (RFC 9293 3.10.5). */
	assert_int_equal(tt_test_tx_count(env), 0);
}

/* A passive connection from the harness's client, and the listener's context. */
static tt_conn_t
accepted(struct tt_test_env *env, struct tt_test_peer *p, uint16_t sport,
	 struct tt_app_ctx **ctx)
{
	tt_test_tcp_start_app(env);
	*ctx = &tt_test_listener(env, 80)->app;
	tt_test_peer_init(p, sport, 1);
	return tt_test_connect(env, p);
}

/*
 * tw_reuse (A1, Linux's tcp_twsk_unique): our active close leaves the 4-tuple in TIME_WAIT;
 * with one source port in the range, a new connect to the same server needs that entry.
 * tw_reuse 0 and 2 (loopback only): -EADDRNOTAVAIL; 1: not before the entry is a second
 * old, then taken over — the TIME_WAIT entry gone, TWRecycled, the new ISS past the old
 * incarnation's snd_nxt (+65537); a SYN-ACK with a TSval older than the old incarnation's
 * TS.Recent is dropped (PAWSActive), the server's real answer (TSval still rising) taken.
 */
static void
test_tw_reuse(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg syn, s;
	struct tt_tw *tw;
	uint32_t old_nxt;
	tt_conn_t h;

	env->cfg.local_port_lo = 41000;
	env->cfg.local_port_hi = 41000;
	env->cfg.tw_reuse = 0;
	start(env);
	h = connect_syn(env, &p, &syn, true);
	syn_ack(env, &p, &syn);
	TT_TEST_EV(env, TT_TEV_CONNECTED, h);
	tt_test_tx_drain(env);
	/* We close first: FIN, the server's ACK and FIN, our ACK: TIME_WAIT on our side. */
	assert_int_equal(tt_test_app_close(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	assert_true(s.flags & FIN);
	tt_test_peer_send(env, &p, ACK | FIN, NULL, 0);
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
	tw = tt_test_tcp_tw(env, &p);
	assert_non_null(tw);
	old_nxt = tw->snd_nxt;
	tt_test_tx_drain(env);

	assert_int_equal(tt_test_app_connect(env, 80, TT_TEST_IP_PEER, SERVER_PORT, &h),
			 -EADDRNOTAVAIL);
	env->cfg.tw_reuse = 2;
	assert_int_equal(tt_test_app_connect(env, 80, TT_TEST_IP_PEER, SERVER_PORT, &h),
			 -EADDRNOTAVAIL);
	env->cfg.tw_reuse = 1;
	assert_int_equal(tt_test_app_connect(env, 80, TT_TEST_IP_PEER, SERVER_PORT, &h),
			 -EADDRNOTAVAIL);          /* not yet a second old */
	tt_test_advance(env, 1000);
	assert_int_equal(tt_test_app_connect(env, 80, TT_TEST_IP_PEER, SERVER_PORT, &h), 0);
	assert_int_equal(S(TWRecycled), 1);
	assert_null(tt_test_tcp_tw(env, &p));
	tt_test_poll(env);
	{
		struct rte_mbuf *m = tt_test_tx_pop(env);

		assert_non_null(m);
		tt_test_seg_decode(m, &syn);
		rte_pktmbuf_free(m);
	}
	assert_int_equal(syn.seq, old_nxt + 65535 + 2);
	assert_int_equal(syn.sport, 41000);
	/* An old duplicate (TSval behind TS.Recent) fails PAWS; the real answer passes. */
	p.isn += 100000;
	p.tsval -= 5000;
	tt_test_peer_xmit(env, &p, SYN | ACK, p.isn, syn.seq + 1, NULL, 0);
	assert_int_equal(S(PAWSActive), 1);
	TT_TEST_EV_NONE(env);
	assert_int_equal(tt_test_tx_count(env), 0);
	p.tsval += 7000;
	syn_ack(env, &p, &syn);
	TT_TEST_EV(env, TT_TEV_CONNECTED, h);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, syn.seq + 1, p.isn + 1);
	tt_test_abort_conn(env, &p, h);
}

/*
 * Two workers (the software owner hash, no port steering): every port a connect takes is
 * one whose flow this worker owns, so the peer's answers arrive here without a hand-over;
 * the ports owned by the other worker are skipped.
 */
static void
test_port_owner(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_app_ctx *ctx;
	uint32_t skipped = 0, prev = 0;

	env->cfg.local_port_lo = 50000;
	env->cfg.local_port_hi = 50999;
	start(env);
	assert_int_equal(tt_steer_init(&env->steer, 2, TT_RSS_OFF, 1), 0);
	env->w->n_workers = 2;
	ctx = &tt_test_listener(env, 80)->app;
	for (int i = 0; i < 64; i++) {
		struct tt_endpoint l;
		struct tt_flow f;
		tt_conn_t h;

		assert_int_equal(tt_test_app_connect(env, 80, TT_TEST_IP_PEER, SERVER_PORT, &h), 0);
		assert_int_equal(tt_app_endpoints(ctx, h, &l, NULL), 0);
		f = (struct tt_flow){ .raddr = TT_TEST_IP_PEER, .laddr = TT_TEST_IP_US,
				      .rport = rte_cpu_to_be_16(SERVER_PORT),
				      .lport = rte_cpu_to_be_16(l.port) };
		assert_int_equal(tt_flow_owner(env->w, &f,
					       tt_flow_hash(&env->w->tcp->flow_key, &f)), 0);
		if (i > 0 && l.port != prev + 1)
			skipped++;
		prev = l.port;
	}
	/* About half the ports belong to worker 1: the walk must have stepped over some. */
	assert_true(skipped > 8);
	env->w->n_workers = 1;
	tt_test_app_close_all(env, true);
	for (int i = 0; i < 64; i++)
		TT_TEST_EV(env, TT_TEV_CLOSED, 0);
	tt_test_tx_drain(env);
}

/* The bucket of RFC 6056's table a connect to port dport of the peer walks from. */
static uint32_t
port_slot(struct tt_test_env *env, uint16_t dport)
{
	struct tt_flow f = { .raddr = TT_TEST_IP_PEER, .laddr = TT_TEST_IP_US,
			     .rport = rte_cpu_to_be_16(dport) };

	return (uint32_t)(tt_flow_hash(&env->w->tcp->flow_key, &f) >> 52) & (TT_PORT_TABLE - 1);
}

/*
 * A1, RFC 6056 3.3.4: connects taken in turn over four destinations (the peer's ports
 * 8080-8083, as tcpterm-gen --target A:P-Q does) give each destination consecutive ports,
 * each from its own secret start. With one cursor for all, each got every fourth port, and
 * once half the range was held each connect walked the held ones (a lookup each).
 */
static void
test_port_walk_per_destination(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_app_ctx *ctx;
	uint16_t first[4], last[4];
	bool distinct = false;

	env->cfg.local_port_lo = 50000;
	env->cfg.local_port_hi = 50063;
	start(env);
	ctx = &tt_test_listener(env, 80)->app;
	/* Four destinations in four buckets of the table (else two share one walk). */
	while (!distinct) {
		distinct = true;
		for (int a = 0; a < 4; a++)
			for (int b = a + 1; b < 4; b++)
				distinct &= port_slot(env, SERVER_PORT + a) !=
					    port_slot(env, SERVER_PORT + b);
		if (!distinct)
			assert_int_equal(tt_flowhash_key_random(&env->w->tcp->flow_key), 0);
	}
	for (int round = 0; round < 16; round++)
		for (int d = 0; d < 4; d++) {
			struct tt_endpoint l;
			tt_conn_t h;

			assert_int_equal(tt_test_app_connect(env, 80, TT_TEST_IP_PEER,
							     (uint16_t)(SERVER_PORT + d), &h), 0);
			assert_int_equal(tt_app_endpoints(ctx, h, &l, NULL), 0);
			if (round == 0)
				first[d] = l.port;
			else    /* the next port of the range, wrapping at its end */
				assert_int_equal(l.port, last[d] == 50063 ? 50000 : last[d] + 1);
			last[d] = l.port;
		}
	/* The starts are the destinations' own: not four neighbours of one walk. */
	assert_false(first[1] == first[0] + 1 && first[2] == first[1] + 1 &&
		     first[3] == first[2] + 1);
	tt_test_app_close_all(env, true);
	for (int i = 0; i < 64; i++)
		TT_TEST_EV(env, TT_TEV_CLOSED, 0);
	tt_test_tx_drain(env);
}

static void
test_app_timer(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_app_ctx *ctx;
	tt_conn_t h;

	h = accepted(env, &p, 49100, &ctx);
	assert_int_equal(tt_app_timer(ctx, h, 50), 0);
	TT_TEST_AT(env, tt_test_now(env) + 50, tt_test_pred_event, "the timer");
	TT_TEST_EV(env, TT_TEV_TIMEOUT, h);
	/* Re-armed then cancelled: nothing. */
	assert_int_equal(tt_app_timer(ctx, h, 20), 0);
	assert_int_equal(tt_app_timer(ctx, h, 0), 0);
	tt_test_advance(env, 100);
	TT_TEST_EV_NONE(env);
	/* A timer dies with its connection. */
	assert_int_equal(tt_app_timer(ctx, h, 30), 0);
	tt_test_abort_conn(env, &p, h);
	tt_test_advance(env, 100);
	TT_TEST_EV_NONE(env);
	assert_int_equal(tt_app_timer(ctx, h, 30), -ENOTCONN);
}

static void
test_pause_resume(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct tt_app_ctx *ctx;
	const struct tt_test_ev *ev;
	tt_conn_t h;

	h = accepted(env, &p, 49101, &ctx);
	assert_int_equal(tt_app_pause_recv(ctx, h), 0);
	tt_test_peer_send(env, &p, ACK | PSH, NULL, 1000);
	tt_test_advance(env, 50);
	TT_TEST_EV_NONE(env);
	tt_test_peer_recv(env, &p, &s);            /* acknowledged (delayed), the window smaller */
	assert_int_equal(s.ack, p.snd_nxt);
	assert_int_equal(tt_app_resume_recv(ctx, h), 0);
	tt_test_poll(env);
	ev = TT_TEST_EV(env, TT_TEV_DATA, h);
	assert_int_equal(ev->len, 1000);
	tt_test_tx_drain(env);
	tt_test_abort_conn(env, &p, h);
}

/*
 * Paused, half-closed, and the peer's data and FIN arrive: entering TIME_WAIT ends the
 * connection, and the application still hears the held bytes, then 'peer_closed', then
 * 'closed' (Linux keeps a closed socket's receive queue readable) — acknowledged bytes are
 * never dropped because the application was not reading.
 */
static void
test_pause_then_fin(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct tt_app_ctx *ctx;
	const struct tt_test_ev *ev;
	tt_conn_t h;

	h = accepted(env, &p, 49102, &ctx);
	assert_int_equal(tt_app_shutdown(ctx, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	assert_true(s.flags & FIN);
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	assert_int_equal(tt_test_tcp_conn(env, &p)->state, TT_TCPS_FIN_WAIT_2);
	assert_int_equal(tt_app_pause_recv(ctx, h), 0);
	tt_test_peer_send(env, &p, ACK | PSH, NULL, 700);
	TT_TEST_EV_NONE(env);
	tt_test_peer_send(env, &p, ACK | FIN, NULL, 0);
	ev = TT_TEST_EV(env, TT_TEV_DATA, h);
	assert_int_equal(ev->len, 700);
	TT_TEST_EV(env, TT_TEV_PEER_CLOSED, h);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_NORMAL);
	assert_non_null(tt_test_tcp_tw(env, &p));
	tt_test_tx_drain(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_test_setup, tt_test_teardown)
		T(test_connect_arp_data),
		T(test_presyn_data_small_mss),
		T(test_refused),
		T(test_syn_timeout),
		T(test_arp_unanswered),
		T(test_wrong_synack),
		T(test_simultaneous_open),
		T(test_simultaneous_open_crossed),
		T(test_port_range_and_errors),
		T(test_port_owner),
		T(test_port_walk_per_destination),
		T(test_tw_reuse),
		T(test_app_timer),
		T(test_pause_resume),
		T(test_pause_then_fin),
#undef T
	};

	if (tt_test_eal_init("tcp_connect") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
