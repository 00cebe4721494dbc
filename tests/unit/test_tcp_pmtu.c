/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP errors for TCP and Path MTU discovery (lib/tcp/tcp_icmp.c, tt_sndq_resegment,
 * tt_recovery_simple_retransmit; RFC 1191, RFC 5927; issue 7), on the fake clock:
 *  - fragmentation needed quoting a segment in flight lowers the path MTU and the MSS
 *    (1280 - 40 - 12 of timestamps = 1228), and what was in flight goes again at once in
 *    segments of the new size, byte-exact, cwnd untouched; the data never sent goes in full
 *    segments of the new size;
 *  - RFC 5927 4.1: a quoted sequence number outside [SND.UNA, SND.MAX) is ignored and counted
 *    (OutOfWindowIcmps); so is a request's that is not its ISS;
 *  - a next-hop MTU of 0 or below 552 is ignored (PmtuIgnored), one not below the path MTU
 *    changes nothing; a peer's smaller MSS stays;
 *  - a quoted flow that is not ours, or a bad ICMP checksum: nothing changes;
 *  - soft errors (net, host, protocol, port unreachable; time exceeded) on an established
 *    connection change nothing; net or host unreachable drop a request in SYN_RECV;
 *  - SACKed units cut stay SACKed and are not sent again; without mbufs for the cut nothing
 *    is lowered and the next message tries again.
 */
#include "tt_test.h"

#define ACK RTE_TCP_ACK_FLAG
#define SYN RTE_TCP_SYN_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define S(name) TT_TEST_STAT(env, name)
#define MSS 1448u                 /* 1500 - 40 - 12: the peer offers 1460 with timestamps */
#define MTU_LOW 1280u
#define MSS_LOW (MTU_LOW - 40u - 12u)

static tt_conn_t
start(struct tt_test_env *env, struct tt_test_peer *p, uint16_t sport, struct tt_conn **c)
{
	tt_conn_t h;

	env->cfg.wmem = 1 << 22;
	tt_test_tcp_start_app(env);
	tt_test_peer_init(p, sport, 1000);
	h = tt_test_connect(env, p);
	*c = tt_test_tcp_conn(env, p);
	assert_non_null(*c);
	return h;
}

/*
 * An ICMP error from a router (198.18.0.1) about a segment of p's flow: type, code, the
 * next-hop MTU (bytes 6-7), quoting an IPv4 header and 20 bytes of TCP header with seq, as
 * Linux's routers quote.
 */
static struct rte_mbuf *
icmp_build(struct tt_test_env *env, const struct tt_test_peer *p, uint8_t type, uint8_t code,
	   uint16_t mtu, uint32_t seq, bool bad_csum)
{
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);
	uint8_t q[40] = { 0 };
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)q;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(1500);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 63;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = TT_TEST_IP_US;
	ip->dst_addr = p->ip;
	th->src_port = rte_cpu_to_be_16(p->dport);
	th->dst_port = rte_cpu_to_be_16(p->sport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(p->snd_nxt);
	th->data_off = 0x80;
	th->tcp_flags = ACK;
	b.ip_src = TT_TEST_IP_GW;
	b.eth_src = tt_test_mac_gw;
	b.icmp_type = type;
	b.icmp_code = code;
	b.icmp_id = 0;
	b.icmp_seq = mtu;
	b.payload = q;
	b.payload_len = sizeof(q);
	b.l4_bad_csum = bad_csum;
	return tt_tb_build(env, &b);
}

/* The same, received: one loop iteration, so output it causes goes. */
static void
icmp_err(struct tt_test_env *env, const struct tt_test_peer *p, uint8_t type, uint8_t code,
	 uint16_t mtu, uint32_t seq, bool bad_csum)
{
	tt_test_rx(env, icmp_build(env, p, type, code, mtu, seq, bad_csum));
	tt_test_poll(env);
}

static void
frag_needed(struct tt_test_env *env, const struct tt_test_peer *p, uint16_t mtu, uint32_t seq)
{
	icmp_err(env, p, 3, 4, mtu, seq, false);
}

/*
 * Every frame tcpterm sent since the last call, as the peer receives them: data segments
 * checked against the pattern the application sent (byte k of the stream is
 * tt_tb_pattern(k - base)), none longer than max nor its datagram longer than mtu. Returns
 * the data segments; *bytes their payload; seqs their relative sequence numbers.
 */
static unsigned int
recv_data(struct tt_test_env *env, struct tt_test_peer *p, uint32_t base, uint32_t max,
	  uint32_t mtu, uint32_t *bytes, uint32_t *seqs, unsigned int n_seqs)
{
	unsigned int n = 0;

	*bytes = 0;
	while (tt_test_tx_count(env) > 0) {
		struct rte_mbuf *m = tt_test_tx_pop(env);
		struct tt_test_seg s;

		assert_true(rte_pktmbuf_pkt_len(m) - sizeof(struct rte_ether_hdr) <= mtu);
		tt_test_seg_decode(m, &s);
		rte_pktmbuf_free(m);
		tt_test_peer_learn(p, &s);
		if (s.len == 0)
			continue;
		assert_true(s.len <= max);
		for (unsigned int i = 0; i < s.len; i++)
			assert_int_equal(s.data[i], tt_tb_pattern(s.seq - base + i));
		if (n < n_seqs)
			seqs[n] = s.seq - base;
		n++;
		*bytes += s.len;
	}
	return n;
}

static void
peer_ack_to(struct tt_test_env *env, struct tt_test_peer *p, uint32_t ack)
{
	tt_test_peer_xmit(env, p, ACK, p->snd_nxt, ack, NULL, 0);
}

/*
 * The case of RFC 1191: thirty segments' worth queued, the first ten (IW10) sent at 1448
 * bytes and dropped by a router whose next link has an MTU of 1280. Its message lowers the
 * path MTU and the MSS to 1228; the ten go again at once, each cut in two (1228 + 220, as
 * Linux's tcp_fragment cuts them), within the unchanged cwnd; after their ACK the twenty
 * never sent go in full segments of 1228, byte-exact.
 */
static void
test_frag_needed(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t seqs[64], bytes, base, cwnd, ssthresh, next;
	unsigned int n, total;
	tt_conn_t h = start(env, &p, 47000, &c);

	base = p.rcv_nxt;
	assert_int_equal(c->mss, MSS);
	assert_int_equal(c->pmtu, 1500);
	assert_int_equal(tt_test_app_send(env, h, NULL, 30 * MSS), 0);
	tt_test_poll(env);
	assert_int_equal(tt_test_tx_drain(env), 10);          /* the router drops them */
	cwnd = c->cwnd;
	ssthresh = c->ssthresh;
	frag_needed(env, &p, MTU_LOW, base);
	assert_int_equal(c->pmtu, MTU_LOW);
	assert_int_equal(c->mss, MSS_LOW);
	assert_int_equal(c->ca_state, TT_CA_LOSS);
	assert_int_equal(c->cwnd, cwnd);                      /* not congestion (RFC 1191) */
	assert_true(c->ssthresh >= ssthresh);
	n = recv_data(env, &p, base, MSS_LOW, MTU_LOW, &bytes, seqs, RTE_DIM(seqs));
	assert_int_equal(n, 20);
	assert_int_equal(bytes, 10 * MSS);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(seqs[i], (i / 2) * MSS + (i % 2) * MSS_LOW);
	assert_int_equal(p.rcv_nxt, base + 10 * MSS);         /* in order, no hole */
	tt_sndq_check(c);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 3 }, { "IpInReceives", 3 },
			     { "IpInDelivers", 3 }, { "InSegs", 2 }, { "IcmpInMsgs", 1 },
			     { "IcmpInDestUnreachs", 1 }, { "PmtuLowered", 1 },
			     { "PassiveOpens", 1 }, { "CurrEstab", 1 },
			     { "OutSegs", 31 }, { "IpOutRequests", 31 }, { "EthOutFrames", 31 },
			     { "RetransSegs", 20 }, { "TCPSlowStartRetrans", 20 });
	/* Everything acknowledged: the loss state ends, the rest goes in full 1228s. */
	peer_ack_to(env, &p, base + 10 * MSS);
	assert_int_equal(c->ca_state, TT_CA_OPEN);
	next = 10 * MSS;
	total = 0;
	while (p.rcv_nxt != base + 30 * MSS) {
		n = recv_data(env, &p, base, MSS_LOW, MTU_LOW, &bytes, seqs, RTE_DIM(seqs));
		assert_true(n > 0);
		for (unsigned int i = 0; i < n; i++) {
			assert_int_equal(seqs[i], next);
			next += MSS_LOW;
		}
		total += n;
		peer_ack_to(env, &p, p.rcv_nxt);
	}
	assert_int_equal(total, (20 * MSS + MSS_LOW - 1) / MSS_LOW);   /* 23 full, one short */
	assert_int_equal(c->sndq_len, 0);
	assert_int_equal(S(RetransSegs), 20);
	tt_test_abort_conn(env, &p, h);
}

/*
 * RFC 5927 4.1: only a message quoting data in flight, [SND.UNA, SND.MAX), is believed:
 * not one quoting what was acknowledged, nor SND.MAX, nor beyond it; nor any while nothing
 * is in flight.
 */
static void
test_out_of_window(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t base, max;
	tt_conn_t h = start(env, &p, 47001, &c);

	base = p.rcv_nxt;
	frag_needed(env, &p, MTU_LOW, base);                  /* nothing in flight */
	assert_int_equal(tt_test_app_send(env, h, NULL, 4 * MSS), 0);
	tt_test_poll(env);
	assert_int_equal(tt_test_tx_drain(env), 4);
	peer_ack_to(env, &p, base + MSS);
	max = c->snd_max;
	frag_needed(env, &p, MTU_LOW, base);                  /* acknowledged */
	frag_needed(env, &p, MTU_LOW, base + MSS - 1);
	frag_needed(env, &p, MTU_LOW, max);
	frag_needed(env, &p, MTU_LOW, max + 100000);
	frag_needed(env, &p, MTU_LOW, base - 0x80000000u);
	assert_int_equal(S(OutOfWindowIcmps), 6);
	assert_int_equal(S(PmtuLowered), 0);
	assert_int_equal(c->mss, MSS);
	assert_int_equal(c->pmtu, 1500);
	assert_int_equal(tt_test_tx_count(env), 0);
	/* The last byte in flight is believed. */
	frag_needed(env, &p, MTU_LOW, max - 1);
	assert_int_equal(c->mss, MSS_LOW);
	assert_int_equal(S(PmtuLowered), 1);
	tt_test_tx_drain(env);
	tt_test_abort_conn(env, &p, h);
}

/*
 * The next-hop MTU: 0 (a router older than RFC 1191) and 551 are ignored and counted; 1500
 * and more are no news; 552, Linux's min_pmtu, is taken (MSS 500); a later 1000 is above it.
 */
static void
test_mtu_values(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t base, bytes, seqs[16];
	tt_conn_t h = start(env, &p, 47002, &c);

	base = p.rcv_nxt;
	assert_int_equal(tt_test_app_send(env, h, NULL, MSS), 0);
	tt_test_poll(env);
	assert_int_equal(tt_test_tx_drain(env), 1);
	frag_needed(env, &p, 0, base);
	frag_needed(env, &p, 551, base);
	assert_int_equal(S(PmtuIgnored), 2);
	frag_needed(env, &p, 1500, base);
	frag_needed(env, &p, 9000, base);
	assert_int_equal(S(PmtuIgnored) + S(PmtuLowered) + S(OutOfWindowIcmps), 2);
	assert_int_equal(c->mss, MSS);
	assert_int_equal(tt_test_tx_count(env), 0);
	frag_needed(env, &p, 552, base);
	assert_int_equal(c->pmtu, 552);
	assert_int_equal(c->mss, 500);
	assert_int_equal(recv_data(env, &p, base, 500, 552, &bytes, seqs, RTE_DIM(seqs)), 3);
	assert_int_equal(bytes, MSS);
	frag_needed(env, &p, 1000, base);        /* above the path MTU now */
	assert_int_equal(c->pmtu, 552);
	assert_int_equal(S(PmtuLowered), 1);
	tt_test_abort_conn(env, &p, h);
}

/*
 * The peer's MSS was the smaller: the path MTU is lowered (and shown) but the MSS, and what
 * is in flight, stay.
 */
static void
test_peer_mss_smaller(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t base;
	tt_conn_t h;

	env->cfg.wmem = 1 << 22;
	tt_test_tcp_start_app(env);
	tt_test_peer_init(&p, 47003, 1000);
	p.mss = 1000;
	h = tt_test_connect(env, &p);
	c = tt_test_tcp_conn(env, &p);
	base = p.rcv_nxt;
	assert_int_equal(c->mss, 988);
	assert_int_equal(tt_test_app_send(env, h, NULL, 4000), 0);
	tt_test_poll(env);
	assert_int_equal(tt_test_tx_drain(env), 5);
	frag_needed(env, &p, MTU_LOW, base);
	assert_int_equal(c->pmtu, MTU_LOW);
	assert_int_equal(c->mss, 988);
	assert_int_equal(c->ca_state, TT_CA_OPEN);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(S(PmtuLowered), 1);
	tt_test_abort_conn(env, &p, h);
}

/*
 * A quoted flow that is not ours (another port of the peer, or our listener's port from a
 * port with no connection) counts IcmpInErrors, as Linux's tcp_v4_err; a bad ICMP checksum
 * IcmpInCsumErrors: neither touches the connection.
 */
static void
test_not_ours(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p, other;
	struct tt_conn *c;
	uint32_t base;
	tt_conn_t h = start(env, &p, 47004, &c);

	base = p.rcv_nxt;
	assert_int_equal(tt_test_app_send(env, h, NULL, 4 * MSS), 0);
	tt_test_poll(env);
	tt_test_tx_drain(env);
	other = p;
	other.sport = 47005;
	frag_needed(env, &other, MTU_LOW, base);
	other = p;
	other.dport = 81;
	frag_needed(env, &other, MTU_LOW, base);
	other = p;
	other.ip = TT_IP(198, 18, 0, 11);
	frag_needed(env, &other, MTU_LOW, base);
	assert_int_equal(S(IcmpInErrors), 3);
	icmp_err(env, &p, 3, 4, MTU_LOW, base, true);
	assert_int_equal(S(IcmpInCsumErrors), 1);
	assert_int_equal(S(IcmpInErrors), 4);
	assert_int_equal(S(IcmpInDestUnreachs), 3);
	assert_int_equal(c->mss, MSS);
	assert_int_equal(c->pmtu, 1500);
	assert_int_equal(tt_test_tx_count(env), 0);
	tt_test_abort_conn(env, &p, h);
}

/*
 * Soft errors (RFC 1122 4.2.3.9; Linux only records them): net, host, protocol and port
 * unreachable and time exceeded, quoting data in flight, change nothing; the transfer
 * completes.
 */
static void
test_soft_errors(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t base, bytes, seqs[8];
	tt_conn_t h = start(env, &p, 47006, &c);

	base = p.rcv_nxt;
	assert_int_equal(tt_test_app_send(env, h, NULL, 2 * MSS), 0);
	tt_test_poll(env);
	for (uint8_t code = 0; code <= 3; code++)
		icmp_err(env, &p, 3, code, 0, base, false);
	icmp_err(env, &p, 11, 0, 0, base, false);
	icmp_err(env, &p, 12, 0, 0, base, false);
	assert_int_equal(c->state, TT_TCPS_ESTABLISHED);
	assert_int_equal(c->ca_state, TT_CA_OPEN);
	assert_int_equal(c->mss, MSS);
	assert_int_equal(S(IcmpInDestUnreachs), 4);
	assert_int_equal(S(IcmpInTimeExcds) + S(IcmpInParmProbs), 2);
	assert_int_equal(S(IcmpInErrors) + S(OutOfWindowIcmps), 0);
	assert_int_equal(recv_data(env, &p, base, MSS, 1500, &bytes, seqs, RTE_DIM(seqs)), 2);
	peer_ack_to(env, &p, base + 2 * MSS);
	assert_int_equal(c->snd_una, base + 2 * MSS);
	TT_TEST_EV_NONE(env);
	tt_test_abort_conn(env, &p, h);
}

/*
 * A request in SYN_RECV, as Linux's tcp_req_err: the message must quote our SYN-ACK (ISS);
 * fragmentation needed and port unreachable leave it; host unreachable drops it
 * (ListenDrops), and the client's next SYN starts afresh.
 */
static void
test_syn_recv(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct tt_req *r;

	tt_test_tcp_start_app(env);
	tt_test_peer_init(&p, 47007, 5000);
	tt_test_peer_syn(env, &p);
	tt_test_peer_recv(env, &p, &s);
	r = tt_test_tcp_req(env, &p);
	assert_non_null(r);
	icmp_err(env, &p, 3, 1, 0, s.seq + 1, false);
	assert_int_equal(S(OutOfWindowIcmps), 1);
	frag_needed(env, &p, 576, s.seq);
	icmp_err(env, &p, 3, 3, 0, s.seq, false);
	assert_ptr_equal(tt_test_tcp_req(env, &p), r);
	assert_int_equal(S(ListenDrops), 0);
	icmp_err(env, &p, 3, 1, 0, s.seq, false);
	assert_null(tt_test_tcp_req(env, &p));
	assert_int_equal(S(ListenDrops), 1);
	assert_int_equal(env->w->tcp->listeners[0].syn_q, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	/* Time exceeded drops one too. */
	tt_test_peer_syn(env, &p);
	tt_test_peer_recv(env, &p, &s);
	assert_non_null(tt_test_tcp_req(env, &p));
	icmp_err(env, &p, 11, 0, 0, s.seq, false);
	assert_null(tt_test_tcp_req(env, &p));
	assert_int_equal(S(ListenDrops), 2);
}

/* TIME_WAIT: nothing in flight, nothing to learn; the entry stays. */
static void
test_time_wait(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct tt_conn *c;
	tt_conn_t h = start(env, &p, 47008, &c);

	assert_int_equal(tt_test_app_close(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	tt_test_peer_send(env, &p, FIN | ACK, NULL, 0);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
	assert_non_null(tt_test_tcp_tw(env, &p));
	frag_needed(env, &p, MTU_LOW, s.seq - 1);
	icmp_err(env, &p, 3, 1, 0, s.seq - 1, false);
	assert_non_null(tt_test_tcp_tw(env, &p));
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(S(OutOfWindowIcmps) + S(IcmpInErrors) + S(PmtuLowered), 0);
}

/*
 * With SACK: the peer holds the fourth segment. After the message the SACKed unit is cut
 * too and stays SACKed (the scoreboard's sums hold, tt_sndq_check), and only the nine others
 * go again, cut in two.
 */
static void
test_sacked_units(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t base, bytes, seqs[32];
	uint8_t opts[24];
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);
	unsigned int n;
	tt_conn_t h = start(env, &p, 47009, &c);

	base = p.rcv_nxt;
	assert_int_equal(tt_test_app_send(env, h, NULL, 10 * MSS), 0);
	tt_test_poll(env);
	assert_int_equal(tt_test_tx_drain(env), 10);
	/* RACK's reordering window (a quarter of a 5 ms RTT) keeps the three below it in flight. */
	tt_test_advance(env, 5);
	/* A duplicate ACK with SACK of [3 MSS, 4 MSS), timestamps first. */
	opts[0] = 1;
	opts[1] = 1;
	opts[2] = 8;
	opts[3] = 10;
	for (int i = 0; i < 4; i++) {
		opts[4 + i] = (uint8_t)(p.tsval >> (24 - 8 * i));
		opts[8 + i] = (uint8_t)(p.ts_recent >> (24 - 8 * i));
	}
	opts[12] = 1;
	opts[13] = 1;
	opts[14] = 5;
	opts[15] = 10;
	for (int i = 0; i < 4; i++) {
		opts[16 + i] = (uint8_t)((base + 3 * MSS) >> (24 - 8 * i));
		opts[20 + i] = (uint8_t)((base + 4 * MSS) >> (24 - 8 * i));
	}
	b.ip_src = p.ip;
	b.tcp_sport = p.sport;
	b.tcp_dport = p.dport;
	b.tcp_seq = p.snd_nxt;
	b.tcp_ack = base;
	b.tcp_flags = ACK;
	b.tcp_win = p.win;
	b.tcp_opts = opts;
	b.tcp_opts_len = sizeof(opts);
	b.payload_len = 0;
	tt_test_rx(env, tt_tb_build(env, &b));
	tt_test_poll(env);
	assert_int_equal(c->sacked_units, 1);
	tt_test_tx_drain(env);
	frag_needed(env, &p, MTU_LOW, base);
	assert_int_equal(c->mss, MSS_LOW);
	assert_int_equal(c->sacked_units, 2);
	assert_int_equal(c->sacked_bytes, MSS);
	tt_sndq_check(c);
	n = recv_data(env, &p, base, MSS_LOW, MTU_LOW, &bytes, seqs, RTE_DIM(seqs));
	assert_int_equal(bytes, 9 * MSS);
	assert_int_equal(n, 18);
	for (unsigned int i = 0; i < n; i++)
		assert_true(seqs[i] < 3 * MSS || seqs[i] >= 4 * MSS);
	tt_test_abort_conn(env, &p, h);
}

/*
 * No mbufs for the cut: counted, the MSS and path MTU stay (the units deemed lost go again
 * whole, once mbufs are back); the router's next message lowers them.
 */
static void
test_no_mbufs(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t base, bytes, seqs[32];
	struct rte_mbuf *m;
	tt_conn_t h = start(env, &p, 47010, &c);

	base = p.rcv_nxt;
	assert_int_equal(tt_test_app_send(env, h, NULL, 4 * MSS), 0);
	tt_test_poll(env);
	assert_int_equal(tt_test_tx_drain(env), 4);
	/* The message is built before the pool is emptied. */
	m = icmp_build(env, &p, 3, 4, MTU_LOW, base, false);
	tt_test_pool_hold(env, 0);
	tt_test_rx(env, m);
	tt_test_poll(env);
	assert_true(S(MbufTcpOutFails) >= 1);
	assert_int_equal(c->mss, MSS);
	assert_int_equal(c->pmtu, 1500);
	assert_int_equal(S(PmtuLowered), 0);
	tt_test_pool_release(env);
	tt_test_advance(env, 2);
	assert_int_equal(recv_data(env, &p, base, MSS, 1500, &bytes, seqs, RTE_DIM(seqs)), 4);
	frag_needed(env, &p, MTU_LOW, base);
	assert_int_equal(c->mss, MSS_LOW);
	assert_int_equal(recv_data(env, &p, base, MSS_LOW, MTU_LOW, &bytes, seqs,
				   RTE_DIM(seqs)), 8);
	assert_int_equal(bytes, 4 * MSS);
	tt_test_abort_conn(env, &p, h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_test_setup, tt_test_teardown)
		T(test_frag_needed),
		T(test_out_of_window),
		T(test_mtu_values),
		T(test_peer_mss_smaller),
		T(test_not_ours),
		T(test_soft_errors),
		T(test_syn_recv),
		T(test_time_wait),
		T(test_sacked_units),
		T(test_no_mbufs),
#undef T
	};

	if (tt_test_eal_init("tcp_pmtu") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
