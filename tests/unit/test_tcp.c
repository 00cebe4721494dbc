/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp: option parsing (tcp_options.c), header validation (tt_tcp_parse, SPEC D8), the
 * closed-port answers of RFC 9293 3.10.7.1 (tt_tcp_input -> tt_tcp_reply_rst, SPEC H9/H10),
 * and sequence arithmetic modulo 2^32 (tcp_seq.h, SPEC D1).
 */
#include "tt_test.h"

#include "../../lib/tcp/tcp_input.h"
#include "../../lib/tcp/tcp_seq.h"

#define SYN RTE_TCP_SYN_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define PSH RTE_TCP_PSH_FLAG
#define URG RTE_TCP_URG_FLAG

/* ---- tt_tcp_parse_options ------------------------------------------------------------ */

static int
parse_opts(const uint8_t *opt, unsigned int len, struct tt_tcp_opts *o)
{
	/* Garbage first: the parser must clear what it does not set. */
	memset(o, 0xa5, sizeof(*o));
	return tt_tcp_parse_options(opt, len, o);
}

/* What Linux puts in a SYN: MSS, SACK-permitted, timestamps, NOP, window scale. */
static void
test_opts_linux_syn(void **state)
{
	static const uint8_t opt[] = {
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0, 1, 3, 3, 7,
	};
	struct tt_tcp_opts o;

	(void)state;
	assert_int_equal(parse_opts(opt, sizeof(opt), &o), 0);
	assert_int_equal(o.present, TT_TCP_OPT_MSS | TT_TCP_OPT_SACK_OK | TT_TCP_OPT_TS |
				    TT_TCP_OPT_WSCALE);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.wscale, 7);
	assert_int_equal(o.tsval, 0x01020304);
	assert_int_equal(o.tsecr, 0);
	assert_int_equal(o.n_sack, 0);
}

/*
 * RFC 7323 Appendix A's NOP NOP TS, the layout of every segment after a handshake with
 * timestamps, read by the parser's fast path; the same 12 bytes in other layouts, and the
 * layout with a TS option of the wrong length, by the general loop, with the same answers.
 */
static void
test_opts_ts_layouts(void **state)
{
	static const uint8_t fast[] = { 1, 1, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 7 };
	static const uint8_t ts_first[] = { 8, 10, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 7, 1, 1 };
	static const uint8_t eol_pad[] = { 1, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 7, 0 };
	static const uint8_t bad_len[] = { 1, 1, 8, 9, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1 };
	const uint8_t *same[] = { fast, ts_first, eol_pad };
	struct tt_tcp_opts o;

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(same); i++) {
		assert_int_equal(parse_opts(same[i], 12, &o), 0);
		assert_int_equal(o.present, TT_TCP_OPT_TS);
		assert_int_equal(o.tsval, 0xdeadbeef);
		assert_int_equal(o.tsecr, 7);
		assert_int_equal(o.n_sack, 0);
		assert_int_equal(o.mss, 0);
	}
	/* A TS of length 9 is ignored, as Linux ignores any but TCPOLEN_TIMESTAMP; the NOP
	 * after it ends the list. */
	assert_int_equal(parse_opts(bad_len, sizeof(bad_len), &o), 0);
	assert_int_equal(o.present, 0);
}

/*
 * Linux's SYN layout goes through its own fast path: for every shift (RFC 7323 2.3's clamp
 * included) it answers as the general loop does for the same options in another order;
 * an MSS of 0 (ignored, as Linux does) and a window scale of the wrong length leave the
 * fast path to the loop.
 */
static void
test_opts_syn_layouts(void **state)
{
	static const uint8_t shifts[] = { 0, 7, 14, 15, 255 };
	struct tt_tcp_opts fast, loop;

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(shifts); i++) {
		const uint8_t linux_syn[] = {
			2, 4, 0x23, 0x28, 4, 2, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 5,
			1, 3, 3, shifts[i],
		};
		const uint8_t other[] = {
			1, 3, 3, shifts[i], 4, 2, 2, 4, 0x23, 0x28, 8, 10, 0xde, 0xad, 0xbe, 0xef,
			0, 0, 0, 5,
		};

		assert_int_equal(parse_opts(linux_syn, sizeof(linux_syn), &fast), 0);
		assert_int_equal(parse_opts(other, sizeof(other), &loop), 0);
		assert_int_equal(fast.present, TT_TCP_OPT_MSS | TT_TCP_OPT_SACK_OK |
				 TT_TCP_OPT_TS | TT_TCP_OPT_WSCALE);
		assert_int_equal(fast.present, loop.present);
		assert_int_equal(fast.mss, 9000);
		assert_int_equal(fast.mss, loop.mss);
		assert_int_equal(fast.wscale, RTE_MIN(shifts[i], 14));
		assert_int_equal(fast.wscale, loop.wscale);
		assert_int_equal(fast.tsval, 0xdeadbeef);
		assert_int_equal(fast.tsval, loop.tsval);
		assert_int_equal(fast.tsecr, 5);
		assert_int_equal(fast.tsecr, loop.tsecr);
		assert_int_equal(fast.n_sack, 0);
		assert_int_equal(loop.n_sack, 0);
	}
	{
		static const uint8_t mss0[] = {
			2, 4, 0, 0, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
		};
		static const uint8_t ws_len4[] = {
			2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 4, 7,
		};

		assert_int_equal(parse_opts(mss0, sizeof(mss0), &fast), 0);
		assert_int_equal(fast.present, TT_TCP_OPT_SACK_OK | TT_TCP_OPT_TS |
				 TT_TCP_OPT_WSCALE);
		assert_int_equal(fast.mss, 0);
		/* Four bytes of window scale where three remain: malformed. */
		assert_int_equal(parse_opts(ws_len4, sizeof(ws_len4), &fast), -EINVAL);
	}
}

/*
 * The window shift we offer (RFC 7323 2.3): the least that lets the window reach the larger
 * of rmem and rmem_max, at most 14. tt_tcp_rcv_wscale's closed form against the plain
 * search, on the boundaries (65535 << s and one more) and a spread of sizes.
 */
static void
test_rcv_wscale(void **state)
{
	struct tt_config cfg = { 0 };
	(void)state;

	for (uint64_t i = 0; i < 4000; i++) {
		uint32_t need, want = 0;

		if (i < 64)
			need = (uint32_t)((65535ull << (i / 4)) + (i % 4 == 1) - (i % 4 == 2) + (i % 4 == 3) * 7);
		else
			need = (uint32_t)(i * 2654435761u) >> (i % 32);
		while (want < 14 && (65535ull << want) < need)
			want++;
		cfg.rmem = need / 2;
		cfg.rmem_max = need;
		assert_int_equal(tt_tcp_rcv_wscale(&cfg), want);
		cfg.rmem = need;
		cfg.rmem_max = need / 3;
		assert_int_equal(tt_tcp_rcv_wscale(&cfg), want);
	}
}

/* RFC 7323 2.3: a shift count above 14 is used as 14. */
static void
test_opts_wscale_clamp(void **state)
{
	static const uint8_t shifts[][2] = { { 0, 0 }, { 14, 14 }, { 15, 14 }, { 255, 14 } };
	struct tt_tcp_opts o;

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(shifts); i++) {
		const uint8_t opt[] = { 3, 3, shifts[i][0], 0 };

		assert_int_equal(parse_opts(opt, sizeof(opt), &o), 0);
		assert_int_equal(o.present, TT_TCP_OPT_WSCALE);
		assert_int_equal(o.wscale, shifts[i][1]);
	}
}

/* RFC 2018: one to four blocks, the way Linux lays them out (NOP NOP SACK, after TS). */
static void
test_opts_sack_blocks(void **state)
{
	static const uint8_t one[] = {
		1, 1, 5, 10, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x20, 0x00,
	};
	static const uint8_t ts_three[] = {
		1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8,
		1, 1, 5, 26,
		0xff, 0xff, 0xff, 0xf0, 0x00, 0x00, 0x00, 0x10,
		0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00,
		0x80, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x01,
	};
	uint8_t four[2 + 2 + 32];
	struct tt_tcp_opts o;

	(void)state;
	assert_int_equal(parse_opts(one, sizeof(one), &o), 0);
	assert_int_equal(o.present, TT_TCP_OPT_SACK);
	assert_int_equal(o.n_sack, 1);
	assert_int_equal(o.sack[0].left, 0x1000);
	assert_int_equal(o.sack[0].right, 0x2000);

	assert_int_equal(parse_opts(ts_three, sizeof(ts_three), &o), 0);
	assert_int_equal(sizeof(ts_three), 40);
	assert_int_equal(o.present, TT_TCP_OPT_TS | TT_TCP_OPT_SACK);
	assert_int_equal(o.tsval, 9);
	assert_int_equal(o.tsecr, 8);
	assert_int_equal(o.n_sack, 3);
	assert_int_equal(o.sack[0].left, 0xfffffff0);
	assert_int_equal(o.sack[0].right, 0x10);
	assert_int_equal(o.sack[2].left, 0x80000000);
	assert_int_equal(o.sack[2].right, 0x80000001);

	four[0] = 1;
	four[1] = 1;
	four[2] = 5;
	four[3] = 34;
	for (unsigned int i = 0; i < 32; i++)
		four[4 + i] = (uint8_t)i;
	assert_int_equal(parse_opts(four, sizeof(four), &o), 0);
	assert_int_equal(o.n_sack, 4);
	assert_int_equal(o.sack[3].left, 0x18191a1b);
	assert_int_equal(o.sack[3].right, 0x1c1d1e1f);
}

/* No options, only padding, and EOL: whatever follows EOL is not parsed. */
static void
test_opts_empty_and_eol(void **state)
{
	static const uint8_t nops[] = { 1, 1, 1, 1 };
	static const uint8_t eol_then_junk[] = { 2, 4, 0x02, 0x18, 0, 2, 0, 0xff };
	struct tt_tcp_opts o;

	(void)state;
	assert_int_equal(parse_opts(NULL, 0, &o), 0);
	assert_int_equal(o.present, 0);
	assert_int_equal(o.n_sack, 0);
	assert_int_equal(o.mss, 0);
	assert_int_equal(parse_opts(nops, sizeof(nops), &o), 0);
	assert_int_equal(o.present, 0);
	assert_int_equal(parse_opts(eol_then_junk, sizeof(eol_then_junk), &o), 0);
	assert_int_equal(o.present, TT_TCP_OPT_MSS);
	assert_int_equal(o.mss, 536);
}

/* Layouts that cannot be walked: -EINVAL (the segment is then dropped, SPEC D8). */
static void
test_opts_malformed(void **state)
{
	static const struct {
		uint8_t len;
		uint8_t b[8];
	} bad[] = {
		{ 4, { 2, 0, 0, 0 } },          /* length 0: would loop forever */
		{ 4, { 2, 1, 0, 0 } },          /* length 1: shorter than kind + length */
		{ 4, { 0xfe, 0, 1, 1 } },       /* unknown kind, length 0 */
		{ 4, { 0xfe, 1, 1, 1 } },       /* unknown kind, length 1 */
		{ 4, { 8, 10, 0, 0 } },         /* timestamps running past the end */
		{ 4, { 1, 1, 3, 3 } },          /* window scale one byte short */
		{ 3, { 1, 1, 2 } },             /* kind in the last byte, no length */
		{ 1, { 2 } },
		{ 8, { 2, 4, 5, 0xb4, 4, 2, 3, 9 } }, /* good options, then one past the end */
	};
	struct tt_tcp_opts o;

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		if (parse_opts(bad[i].b, bad[i].len, &o) != -EINVAL)
			fail_msg("layout %u accepted", i);
	}
}

/* A known option with the wrong length is skipped, not trusted, as Linux does; parsing goes on. */
static void
test_opts_wrong_length_ignored(void **state)
{
	static const uint8_t opt[] = {
		2, 3, 0x05,                     /* MSS with length 3 */
		3, 4, 7, 0,                     /* window scale with length 4 */
		4, 3, 0,                        /* SACK-permitted with length 3 */
		8, 8, 1, 2, 3, 4, 5, 6,         /* timestamps with length 8 */
		5, 9, 1, 2, 3, 4, 5, 6, 7,      /* SACK, not a whole number of blocks */
		5, 2,                           /* SACK with no block */
		30, 4, 0x11, 0x22,              /* unknown kind (MPTCP): skipped by its length */
		3, 3, 9,                        /* and a good window scale after all that */
	};
	struct tt_tcp_opts o;

	(void)state;
	assert_int_equal(parse_opts(opt, sizeof(opt), &o), 0);
	assert_int_equal(o.present, TT_TCP_OPT_WSCALE);
	assert_int_equal(o.wscale, 9);
	assert_int_equal(o.mss, 0);
	assert_int_equal(o.n_sack, 0);
	assert_int_equal(o.tsval, 0);
}

/* ---- tt_tcp_parse --------------------------------------------------------------------- */

/* Build b and run Ethernet, IPv4 and TCP parsing on it; the caller frees *m. */
static int
parse_seg(struct tt_test_env *env, const struct tt_tb *b, struct rte_mbuf **m,
	  struct tt_tcp_seg *seg)
{
	struct tt_pkt p;

	*m = tt_tb_build(env, b);
	assert_int_equal(tt_eth_parse(&env->w->stats, *m, &env->port.mac, &p), 0);
	assert_int_equal(tt_ipv4_parse(&env->w->stats, env->w->net, &p), 0);
	return tt_tcp_parse(&env->w->stats, &p, seg);
}

static void
test_parse_valid(void **state)
{
	static const uint8_t opt[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 2 };
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);
	struct tt_tcp_seg seg;
	struct rte_mbuf *m;

	b.tcp_flags = PSH | ACK;
	b.tcp_seq = 0x11223344;
	b.tcp_ack = 0x55667788;
	b.tcp_win = 1234;
	b.tcp_opts = opt;
	b.tcp_opts_len = sizeof(opt);
	b.payload_len = 101;
	assert_int_equal(parse_seg(env, &b, &m, &seg), 0);
	assert_ptr_equal(seg.th, rte_pktmbuf_mtod_offset(m, void *, RTE_ETHER_HDR_LEN + 20));
	assert_int_equal(seg.seq, 0x11223344);
	assert_int_equal(seg.ack, 0x55667788);
	assert_int_equal(seg.wnd, 1234);
	assert_int_equal(seg.sport, rte_cpu_to_be_16(40000));
	assert_int_equal(seg.dport, rte_cpu_to_be_16(80));
	assert_int_equal(seg.flags, PSH | ACK);
	assert_int_equal(seg.hlen, 28);
	assert_int_equal(seg.plen, 101);
	assert_int_equal(seg.opts.present, TT_TCP_OPT_MSS | TT_TCP_OPT_WSCALE);
	assert_int_equal(seg.opts.mss, 1460);
	assert_int_equal(seg.opts.wscale, 2);
	rte_pktmbuf_free(m);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "IpInReceives", 1 }, { "InSegs", 1 });
}

/* Each malformed segment: tt_tcp_parse fails and counts InErrs; through the stack, no reply. */
static void
rejected(struct tt_test_env *env, const struct tt_tb *b)
{
	struct tt_tcp_seg seg;
	struct rte_mbuf *m;
	uint64_t errs = TT_TEST_STAT(env, InErrs);

	assert_int_equal(parse_seg(env, b, &m, &seg), -EINVAL);
	rte_pktmbuf_free(m);
	assert_int_equal(TT_TEST_STAT(env, InErrs), errs + 1);
	tt_test_input(env, tt_tb_build(env, b));
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(TT_TEST_STAT(env, InErrs), errs + 2);
	assert_int_equal(TT_TEST_STAT(env, OutRsts), 0);
}

static void
test_parse_short_header(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);

	b.ip_tot_len = 20 + 19;   /* the frame holds 20 bytes of TCP, the datagram 19 */
	rejected(env, &b);
	b.ip_tot_len = 20;        /* no TCP header at all */
	rejected(env, &b);
	/* rejected() parses each segment twice: by hand, then through tt_eth_input. */
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 4 }, { "IpInReceives", 4 },
			     { "IpInDelivers", 2 }, { "InSegs", 4 }, { "InErrs", 4 });
}

static void
test_parse_bad_data_offset(void **state)
{
	static const uint8_t opt[] = { 2, 4, 0x05, 0xb4 };
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);

	b.tcp_doff = 4;
	rejected(env, &b);
	b.tcp_doff = 0;
	rejected(env, &b);
	b.tcp_doff = 6;           /* 24-byte header in a 20-byte segment */
	rejected(env, &b);
	b.tcp_doff = 15;
	b.payload_len = 39;       /* 59 bytes of segment, 60 claimed */
	rejected(env, &b);
	b = tt_tb_defaults(TT_TB_TCP);
	b.tcp_opts = opt;
	b.tcp_opts_len = sizeof(opt);
	b.tcp_doff = 7;           /* 28 claimed, 24 there */
	rejected(env, &b);
	assert_int_equal(TT_TEST_STAT(env, InErrs), 10);
	assert_int_equal(TT_TEST_STAT(env, InCsumErrors), 0);
}

static void
test_parse_bad_checksum(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);

	b.l4_bad_csum = true;
	rejected(env, &b);
	b.payload_len = 7;        /* odd length: the checksum pads the last byte */
	rejected(env, &b);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 4 }, { "IpInReceives", 4 },
			     { "IpInDelivers", 2 }, { "InSegs", 4 }, { "InErrs", 4 },
			     { "InCsumErrors", 4 });
}

/* With RX checksum offload, the NIC's verdict is taken instead of the bytes. */
static void
test_parse_offload_flags(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);
	struct tt_test_frame f;

	b.ol_flags = RTE_MBUF_F_RX_L4_CKSUM_BAD;
	rejected(env, &b);
	assert_int_equal(TT_TEST_STAT(env, InCsumErrors), 2);
	b.ol_flags = RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	b.l4_bad_csum = true;
	tt_test_input(env, tt_tb_build(env, &b));
	tt_test_tx_one(env, &f);
	assert_true(tt_test_l4_csum_ok(&f));
	rte_pktmbuf_free(f.m);
}

/* Flag combinations no TCP sends (SPEC D8): SYN with FIN or RST; none of SYN, RST, ACK. */
static void
test_parse_bad_flags(void **state)
{
	static const uint8_t flags[] = {
		SYN | FIN, SYN | RST, SYN | FIN | ACK, SYN | RST | ACK, SYN | FIN | RST | ACK | PSH | URG,
		0, FIN, PSH, URG, FIN | PSH | URG, 0xc0 /* ECE|CWR alone */,
	};
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);

	for (unsigned int i = 0; i < RTE_DIM(flags); i++) {
		b.tcp_flags = flags[i];
		rejected(env, &b);
	}
	assert_int_equal(TT_TEST_STAT(env, InErrs), 2 * RTE_DIM(flags));
}

static void
test_parse_port_zero(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);

	b.tcp_sport = 0;
	rejected(env, &b);
	b = tt_tb_defaults(TT_TB_TCP);
	b.tcp_dport = 0;
	rejected(env, &b);
	assert_int_equal(TT_TEST_STAT(env, InErrs), 4);
}

static void
test_parse_bad_options(void **state)
{
	static const uint8_t opt[] = { 2, 4, 0x05, 0xb4, 1, 3, 0, 0 }; /* WS with length 0 */
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);

	b.tcp_opts = opt;
	b.tcp_opts_len = sizeof(opt);
	rejected(env, &b);
	assert_int_equal(TT_TEST_STAT(env, InErrs), 2);
}

/* ---- Closed-port answers: RFC 9293 3.10.7.1, SPEC H9 ---------------------------------- */

/* Send b, expect exactly one RST back; check everything that does not depend on b's flags. */
static void
rst_for(struct tt_test_env *env, const struct tt_tb *b, struct tt_test_frame *f)
{
	tt_test_input(env, tt_tb_build(env, b));
	tt_test_tx_one(env, f);
	assert_non_null(f->th);
	assert_memory_equal(&f->eth->dst_addr, &b->eth_src, RTE_ETHER_ADDR_LEN);
	assert_memory_equal(&f->eth->src_addr, &tt_test_mac_us, RTE_ETHER_ADDR_LEN);
	assert_int_equal(f->ip->src_addr, b->ip_dst);
	assert_int_equal(f->ip->dst_addr, b->ip_src);
	assert_int_equal(f->ip->version_ihl, RTE_IPV4_VHL_DEF);
	assert_int_equal(rte_be_to_cpu_16(f->ip->total_length), 40);
	assert_true(tt_test_ipv4_csum_ok(f->ip));
	assert_true(tt_test_l4_csum_ok(f));
	assert_int_equal(rte_be_to_cpu_16(f->th->src_port), b->tcp_dport);
	assert_int_equal(rte_be_to_cpu_16(f->th->dst_port), b->tcp_sport);
	assert_int_equal(f->th->data_off, 5 << 4);     /* no options */
	assert_int_equal(f->th->rx_win, 0);
	assert_int_equal(f->th->tcp_urp, 0);
	assert_int_equal(f->data_len, 0);
	assert_true(f->th->tcp_flags & RST);
}

/* Without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SYN counting in SEG.LEN. */
static void
test_rst_syn(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);
	struct tt_test_frame f;

	b.tcp_seq = 123456789;
	rst_for(env, &b, &f);
	assert_int_equal(f.th->tcp_flags, RST | ACK);
	assert_int_equal(rte_be_to_cpu_32(f.th->sent_seq), 0);
	assert_int_equal(rte_be_to_cpu_32(f.th->recv_ack), 123456790);
	rte_pktmbuf_free(f.m);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "IpInReceives", 1 },
			     { "IpInDelivers", 1 }, { "InSegs", 1 }, { "OutSegs", 1 },
			     { "OutRsts", 1 }, { "IpOutRequests", 1 }, { "EthOutFrames", 1 });
}

/* A SYN with options (as Linux sends) and 10 bytes of data: ACK = SEQ + 1 + 10. */
static void
test_rst_syn_with_data(void **state)
{
	static const uint8_t opt[] = {
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
	};
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);
	struct tt_test_frame f;

	b.tcp_seq = 5000;
	b.tcp_opts = opt;
	b.tcp_opts_len = sizeof(opt);
	b.payload_len = 10;
	rst_for(env, &b, &f);
	assert_int_equal(f.th->tcp_flags, RST | ACK);
	assert_int_equal(rte_be_to_cpu_32(f.th->sent_seq), 0);
	assert_int_equal(rte_be_to_cpu_32(f.th->recv_ack), 5011);
	rte_pktmbuf_free(f.m);
}

/* SEG.SEQ + SEG.LEN wraps modulo 2^32 (SPEC D1). */
static void
test_rst_syn_seq_wrap(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);
	struct tt_test_frame f;

	b.tcp_seq = 0xffffffff;
	rst_for(env, &b, &f);
	assert_int_equal(rte_be_to_cpu_32(f.th->recv_ack), 0);
	rte_pktmbuf_free(f.m);

	b.tcp_seq = 0xfffffffa;
	b.payload_len = 10;
	rst_for(env, &b, &f);
	assert_int_equal(rte_be_to_cpu_32(f.th->recv_ack), 5);
	rte_pktmbuf_free(f.m);
}

/* With ACK: <SEQ=SEG.ACK><CTL=RST>, no ACK flag (SPEC H9 "RST seq=SEG.ACK"). */
static void
rst_seq_is_seg_ack(struct tt_test_env *env, uint8_t flags, uint16_t payload_len)
{
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);
	struct tt_test_frame f;

	b.tcp_flags = flags;
	b.tcp_seq = 7777;
	b.tcp_ack = 0xdeadbeef;
	b.payload_len = payload_len;
	rst_for(env, &b, &f);
	assert_int_equal(f.th->tcp_flags, RST);
	assert_int_equal(rte_be_to_cpu_32(f.th->sent_seq), 0xdeadbeef);
	rte_pktmbuf_free(f.m);
}

static void
test_rst_ack_segments(void **state)
{
	struct tt_test_env *env = *state;

	rst_seq_is_seg_ack(env, ACK, 0);              /* a stray final ACK of a handshake */
	rst_seq_is_seg_ack(env, FIN | ACK, 0);
	rst_seq_is_seg_ack(env, FIN | ACK, 33);
	rst_seq_is_seg_ack(env, PSH | ACK, 1000);     /* data: the RST carries none of it */
	rst_seq_is_seg_ack(env, URG | ACK, 1);
	rst_seq_is_seg_ack(env, SYN | ACK, 0);        /* stale SYN-ACK, SPEC H10 */
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 6 }, { "IpInReceives", 6 },
			     { "IpInDelivers", 6 }, { "InSegs", 6 }, { "OutSegs", 6 },
			     { "OutRsts", 6 }, { "IpOutRequests", 6 }, { "EthOutFrames", 6 });
}

/* A reset is never answered (RFC 9293 3.10.7.1), with or without ACK, data or not. */
static void
test_rst_not_answered(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);

	b.tcp_flags = RST;
	tt_test_input(env, tt_tb_build(env, &b));
	b.tcp_flags = RST | ACK;
	b.tcp_ack = 99;
	tt_test_input(env, tt_tb_build(env, &b));
	b.payload_len = 12;
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 3 }, { "IpInReceives", 3 },
			     { "IpInDelivers", 3 }, { "InSegs", 3 });
}

/*
 * TCP is unicast: a SYN in a broadcast or multicast frame, even to our IP, is dropped before
 * TCP counts it, as Linux's tcp_v4_rcv drops pkt_type != PACKET_HOST; no RST is sent.
 */
static void
test_group_dst_mac_dropped(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);

	b.tcp_flags = SYN;
	memset(&b.eth_dst, 0xff, sizeof(b.eth_dst));
	tt_test_input(env, tt_tb_build(env, &b));
	b.eth_dst.addr_bytes[0] = 0x01; /* multicast */
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 2 }, { "IpInReceives", 2 },
			     { "IpInDelivers", 2 }, { "EthInGroupTcp", 2 });
}

/* A burst of SYNs through the loop: one RST each, in order, each for its own segment. */
static void
test_rst_burst(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);
	struct tt_test_frame f;

	for (unsigned int i = 0; i < 20; i++) {
		b.tcp_sport = (uint16_t)(1024 + i);
		b.tcp_seq = i * 1000;
		tt_test_rx(env, tt_tb_build(env, &b));
	}
	assert_int_equal(tt_test_poll(env), 20);
	assert_int_equal(tt_test_tx_count(env), 20);
	for (unsigned int i = 0; i < 20; i++) {
		tt_test_decode(tt_test_tx_pop(env), &f);
		assert_int_equal(rte_be_to_cpu_16(f.th->dst_port), 1024 + i);
		assert_int_equal(rte_be_to_cpu_32(f.th->recv_ack), i * 1000 + 1);
		assert_true(tt_test_l4_csum_ok(&f));
		rte_pktmbuf_free(f.m);
	}
	assert_int_equal(TT_TEST_STAT(env, OutRsts), 20);
}

/* ---- Sequence numbers (tcp_seq.h): modulo 2^32, SPEC D1 -------------------------------- */

static void
test_seq_compare(void **state)
{
	(void)state;
	assert_true(tt_seq_lt(1, 2));
	assert_false(tt_seq_lt(2, 1));
	assert_false(tt_seq_lt(7, 7));
	assert_true(tt_seq_leq(7, 7));
	assert_true(tt_seq_geq(7, 7));
	assert_false(tt_seq_gt(7, 7));
	/* Across the wrap: 0xfffffff0 comes 32 before 0x10. */
	assert_true(tt_seq_lt(0xfffffff0, 0x10));
	assert_true(tt_seq_leq(0xfffffff0, 0x10));
	assert_true(tt_seq_gt(0x10, 0xfffffff0));
	assert_true(tt_seq_geq(0x10, 0xfffffff0));
	assert_false(tt_seq_lt(0x10, 0xfffffff0));
	assert_true(tt_seq_lt(0xffffffff, 0));
	/* Across the 2^31 boundary: up to 2^31 - 1 ahead is "after"... */
	assert_true(tt_seq_lt(0, 0x7fffffff));
	assert_true(tt_seq_gt(0x7fffffff, 0));
	assert_true(tt_seq_lt(0x7fffffff, 0x80000000));
	assert_true(tt_seq_lt(0x80000000, 0xfffffffe));
	/* ... and more than 2^31 ahead is "before": the comparison wraps. */
	assert_false(tt_seq_lt(0, 0x80000001));
	assert_true(tt_seq_gt(0, 0x80000001));
	assert_true(tt_seq_lt(0x80000001, 0));
	/*
	 * Exactly 2^31 apart the order is undefined (RFC 1982 3.2); the helpers call each one
	 * before the other. Windows stay below 2^30 (RFC 7323 2.3), so no caller meets this.
	 */
	assert_true(tt_seq_lt(0, 0x80000000));
	assert_true(tt_seq_lt(0x80000000, 0));
}

static void
test_seq_in_window(void **state)
{
	(void)state;
	assert_true(tt_seq_in(100, 100, 200));
	assert_true(tt_seq_in(199, 100, 200));
	assert_false(tt_seq_in(200, 100, 200));
	assert_false(tt_seq_in(99, 100, 200));
	/* A window across the wrap. */
	assert_true(tt_seq_in(0xfffffff0, 0xfffffff0, 0x10));
	assert_true(tt_seq_in(0xffffffff, 0xfffffff0, 0x10));
	assert_true(tt_seq_in(0, 0xfffffff0, 0x10));
	assert_true(tt_seq_in(0xf, 0xfffffff0, 0x10));
	assert_false(tt_seq_in(0x10, 0xfffffff0, 0x10));
	assert_false(tt_seq_in(0xffffffef, 0xfffffff0, 0x10));
	assert_false(tt_seq_in(0x80000000, 0xfffffff0, 0x10));
	/* An empty window holds nothing, wherever it sits. */
	assert_false(tt_seq_in(5, 5, 5));
	assert_false(tt_seq_in(0, 0, 0));
	assert_false(tt_seq_in(0xffffffff, 0xffffffff, 0xffffffff));
	/* A window of 2^31 bytes on either side of the boundary. */
	assert_true(tt_seq_in(0x7fffffff, 0, 0x80000000));
	assert_false(tt_seq_in(0x80000000, 0, 0x80000000));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_test_setup, tt_test_teardown)
		cmocka_unit_test(test_opts_linux_syn),
		cmocka_unit_test(test_opts_ts_layouts),
		cmocka_unit_test(test_opts_syn_layouts),
		cmocka_unit_test(test_rcv_wscale),
		cmocka_unit_test(test_opts_wscale_clamp),
		cmocka_unit_test(test_opts_sack_blocks),
		cmocka_unit_test(test_opts_empty_and_eol),
		cmocka_unit_test(test_opts_malformed),
		cmocka_unit_test(test_opts_wrong_length_ignored),
		T(test_parse_valid),
		T(test_parse_short_header),
		T(test_parse_bad_data_offset),
		T(test_parse_bad_checksum),
		T(test_parse_offload_flags),
		T(test_parse_bad_flags),
		T(test_parse_port_zero),
		T(test_parse_bad_options),
		T(test_rst_syn),
		T(test_rst_syn_with_data),
		T(test_rst_syn_seq_wrap),
		T(test_rst_ack_segments),
		T(test_rst_not_answered),
		T(test_rst_burst),
		T(test_group_dst_mac_dropped),
		cmocka_unit_test(test_seq_compare),
		cmocka_unit_test(test_seq_in_window),
#undef T
	};

	if (tt_test_eal_init("tcp") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
