/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Spoofed floods of tcpterm-gen (SPEC A3; C5 and P3 are measured with them): SYN, ACK or RST
 * segments from random addresses of --flood-src and random ports, built as whole frames and
 * sent with tt_app_xmit, since no TCB stands behind them. Called from the client's poll,
 * after its connects: gen_flood_poll() -> paced burst -> one frame each from the template.
 *
 * A frame is the worker's template (built once) with the source address, source port,
 * sequence and acknowledgement numbers drawn anew. The checksums follow by RFC 1624's
 * incremental update: the template's ones'-complement sum is taken with those fields zero,
 * and each frame adds its own values, so a frame costs a few additions, not a pass over it.
 *
 * The destination MAC is --flood-mac: the public API resolves no neighbour for an
 * application, and tcpterm drops TCP sent to a group address (EthInGroupTcp), as a host must
 * (RFC 1122 3.3.6), so broadcast would measure nothing. The port and 802.1Q VLAN are those
 * a connect to the target leaves by (gen_flood_place).
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "gen.h"

#define FLOOD_BURST 64u
#define ETH_LEN     sizeof(struct rte_ether_hdr)
#define IP_LEN      sizeof(struct rte_ipv4_hdr)
/* A SYN carries an MSS option as every real client's does; ACK and RST carry none. */
#define MSS_OPT_LEN 4u

/* xorshift64* (Vigna): a worker's own stream, one multiply per draw. */
static inline uint64_t
rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * UINT64_C(0x2545F4914F6CDD1D);
}

static inline uint32_t
sum16_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The ones'-complement sum of a 32-bit field as it lies in memory. */
static inline uint32_t
sum32(uint32_t mem)
{
	return (mem & 0xffff) + (mem >> 16);
}

uint64_t
gen_rate_fp(uint64_t rate, uint16_t worker, uint16_t n_workers)
{
	uint64_t share = rate / n_workers + (worker < rate % n_workers ? 1 : 0);

	/* Once at start: the division and the double stay off the data path. */
	return (uint64_t)((double)share * (double)(UINT64_C(1) << 40) / (double)gen.tsc_hz);
}

unsigned int
gen_pace(uint64_t *credit_fp, uint64_t *last_tsc, uint64_t rate_fp, uint64_t now_tsc,
	 unsigned int max)
{
	/* at least one unit, so a rate below 10/s still paces */
	uint64_t el = now_tsc - *last_tsc, cap = rate_fp * gen.pace_cap + (UINT64_C(1) << 40), n;

	if (*last_tsc == 0)
		el = 0;        /* the first poll: nothing owed yet */
	*last_tsc = now_tsc;
	/*
	 * A worker the kernel preempted (two vCPUs shared with builds) makes up what it owes so
	 * the average holds, but never more than 100 ms of it: after a long stall the rate
	 * resumes instead of a burst that would measure the burst.
	 */
	if (el > gen.pace_cap)
		el = gen.pace_cap;
	*credit_fp += el * rate_fp;
	if (*credit_fp > cap)
		*credit_fp = cap;
	n = RTE_MIN(*credit_fp >> 40, (uint64_t)max);
	*credit_fp -= n << 40;
	return (unsigned int)n;
}

static bool
on_prefix6(const uint8_t *a, const uint8_t *prefix, uint8_t len)
{
	uint8_t bytes = len / 8, rest = len % 8;

	return memcmp(a, prefix, bytes) == 0 &&
	       (rest == 0 || ((a[bytes] ^ prefix[bytes]) & (uint8_t)(0xff00u >> rest)) == 0);
}

/* The --addr (index) on addr's subnet, or -1. */
static int
addr4_on(const struct tt_config *cfg, uint32_t addr)
{
	for (uint32_t i = 0; i < cfg->n_addrs; i++) {
		uint32_t mask = cfg->addrs[i].len == 0 ? 0 :
				rte_cpu_to_be_32(~0u << (32 - cfg->addrs[i].len));

		if (((addr ^ cfg->addrs[i].addr) & mask) == 0)
			return (int)i;
	}
	return -1;
}

static int
addr6_on(const struct tt_config *cfg, const uint8_t *addr)
{
	for (uint32_t i = 0; i < cfg->n_addrs6; i++)
		if (on_prefix6(addr, cfg->addrs6[i].addr, cfg->addrs6[i].len))
			return (int)i;
	return -1;
}

/*
 * Flood frames leave where a connect to the target would (issue 10 item 2, as tcp_connect.c
 * and tt_ipv6_source choose): by the port and VLAN of our address on the target's subnet,
 * else on the gateway's (IPv6, a link-local gateway: the first untagged address), else the
 * first address; a link-local target by port 0 untagged. An address on every port (no
 * port=) floods by port 0.
 */
void
gen_flood_place(const struct tt_config *cfg)
{
	static const uint8_t none[16];
	int i;

	gen.flood_port = 0;
	gen.flood_vlan = 0;
	if (gen.o.flood_v6) {
		const uint8_t *t = gen.o.target.addr6, *gw = cfg->gateway6;

		if (t[0] == 0xfe && (t[1] & 0xc0) == 0x80)
			return;
		i = addr6_on(cfg, t);
		if (i < 0 && memcmp(gw, none, 16) != 0) {
			i = addr6_on(cfg, gw);
			for (uint32_t j = 0; i < 0 && gw[0] == 0xfe && (gw[1] & 0xc0) == 0x80 &&
			     j < cfg->n_addrs6; j++)
				if (cfg->addrs6[j].vlan == 0)
					i = (int)j;
		}
		if (i < 0 && cfg->n_addrs6 != 0)
			i = 0;
		if (i >= 0) {
			gen.flood_port = (uint16_t)RTE_MAX(cfg->addrs6[i].port, 0);
			gen.flood_vlan = cfg->addrs6[i].vlan;
		}
		return;
	}
	i = addr4_on(cfg, gen.o.target.addr);
	if (i < 0 && cfg->gateway != 0)
		i = addr4_on(cfg, cfg->gateway);
	if (i < 0 && cfg->n_addrs != 0)
		i = 0;
	if (i >= 0) {
		gen.flood_port = (uint16_t)RTE_MAX(cfg->addrs[i].port, 0);
		gen.flood_vlan = cfg->addrs[i].vlan;
	}
}

int
gen_flood_init(struct gen_worker *gw, const struct tt_app_ctx *ctx)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)gw->flood_tmpl;
	uint16_t tcp_len = (uint16_t)(sizeof(struct rte_tcp_hdr) +
				      (gen.o.flood_kind == GEN_FLOOD_SYN ? MSS_OPT_LEN : 0));
	uint16_t l3 = gen.flood_vlan != 0 ? ETH_LEN + sizeof(struct rte_vlan_hdr) : ETH_LEN;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(gw->flood_tmpl + l3);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(gw->flood_tmpl + l3 + IP_LEN);
	uint16_t type = gen.o.flood_v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4;
	uint32_t sum;

	if (tt_app_port_mac(ctx, gen.flood_port, &gw->flood_src_mac) != 0)
		return -ENODEV;
	gw->rng = rte_rdtsc() ^ (UINT64_C(0x9E3779B97F4A7C15) * (gw->id + 1u));
	if (gw->rng == 0)
		gw->rng = 1;

	memset(gw->flood_tmpl, 0, sizeof(gw->flood_tmpl));
	rte_ether_addr_copy(&gen.o.flood_mac, &eth->dst_addr);
	rte_ether_addr_copy(&gw->flood_src_mac, &eth->src_addr);
	if (gen.flood_vlan != 0) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(gen.flood_vlan);
		vh->eth_proto = rte_cpu_to_be_16(type);
	} else {
		eth->ether_type = rte_cpu_to_be_16(type);
	}
	gw->flood_l3_off = l3;
	if (gen.o.flood_v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(gw->flood_tmpl + l3);

		tcp = (struct rte_tcp_hdr *)(gw->flood_tmpl + l3 + sizeof(*ip6));
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16(tcp_len);
		ip6->proto = IPPROTO_TCP;
		ip6->hop_limits = 64;
		memcpy(ip6->dst_addr, gen.o.target.addr6, 16);
		gw->flood_tcp_off = (uint16_t)(l3 + sizeof(*ip6));
	} else {
		gw->flood_tcp_off = (uint16_t)(l3 + IP_LEN);
	}
	if (!gen.o.flood_v6) {
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(IP_LEN + tcp_len));
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->dst_addr = gen.o.target.addr;
	}
	tcp->dst_port = rte_cpu_to_be_16(gen.o.target.port);
	tcp->data_off = (uint8_t)((tcp_len / 4) << 4);
	switch (gen.o.flood_kind) {
	case GEN_FLOOD_SYN:
		tcp->tcp_flags = RTE_TCP_SYN_FLAG;
		tcp->rx_win = rte_cpu_to_be_16(64240);
		/* MSS 1460 (RFC 9293 3.7.1), kind 2 length 4 */
		memcpy(tcp + 1, "\x02\x04\x05\xb4", MSS_OPT_LEN);
		break;
	case GEN_FLOOD_ACK:
		tcp->tcp_flags = RTE_TCP_ACK_FLAG;
		tcp->rx_win = rte_cpu_to_be_16(502);
		break;
	case GEN_FLOOD_RST:
		tcp->tcp_flags = RTE_TCP_RST_FLAG;
		break;
	}
	gw->flood_len = (uint16_t)(gw->flood_tcp_off + tcp_len);
	/* Sums with source address, source port, seq and ack zero (RFC 1624 3). */
	if (gen.o.flood_v6) {
		/* RFC 8200 8.1: no header checksum; the pseudo-header's 32-bit length. */
		gw->flood_tmpl_ip_sum = 0;
		sum = rte_raw_cksum(gen.o.target.addr6, 16) + rte_cpu_to_be_16(IPPROTO_TCP) +
		      rte_cpu_to_be_16(tcp_len);
	} else {
		gw->flood_tmpl_ip_sum = rte_raw_cksum(ip, IP_LEN);
		sum = rte_raw_cksum(&ip->dst_addr, 4) + rte_cpu_to_be_16(IPPROTO_TCP) +
		      rte_cpu_to_be_16(tcp_len);
	}
	gw->flood_tmpl_tcp_sum = sum16_fold(sum + rte_raw_cksum(tcp, tcp_len));
	return 0;
}

/* An IPv6 frame: the source's drawn bits are the low ones past the prefix (a /64 or longer). */
static void
flood_frame6(struct gen_worker *gw, uint8_t *f)
{
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(f + gw->flood_l3_off);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(f + gw->flood_tcp_off);
	uint64_t r1 = rng_next(&gw->rng), r2 = rng_next(&gw->rng), r3 = rng_next(&gw->rng);
	uint64_t host_mask = gen.o.flood_src_len >= 128 ? 0 :
			     ~UINT64_C(0) >> (gen.o.flood_src_len - 64);
	uint64_t low;
	uint16_t sport = rte_cpu_to_be_16((uint16_t)(1024u + ((r1 >> 32) % 64512u)));
	uint32_t seq = (uint32_t)r2, ack = gen.o.flood_kind == GEN_FLOOD_ACK ?
					  (uint32_t)(r2 >> 32) : 0;
	uint32_t tcpsum, w[4];

	memcpy(f, gw->flood_tmpl, gw->flood_len);
	memcpy(ip6->src_addr, gen.o.flood_src6, 16);
	memcpy(&low, ip6->src_addr + 8, 8);
	low |= rte_cpu_to_be_64(r3 & host_mask);
	memcpy(ip6->src_addr + 8, &low, 8);
	memcpy(w, ip6->src_addr, 16);
	tcp->src_port = sport;
	tcp->sent_seq = seq;
	tcp->recv_ack = ack;
	tcpsum = sum16_fold(gw->flood_tmpl_tcp_sum + sum32(w[0]) + sum32(w[1]) + sum32(w[2]) +
			    sum32(w[3]) + sport + sum32(seq) + sum32(ack));
	tcp->cksum = (uint16_t)~tcpsum;
}

static void
flood_frame(struct gen_worker *gw, uint8_t *f)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + gw->flood_l3_off);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(f + gw->flood_tcp_off);
	uint64_t r1 = rng_next(&gw->rng), r2 = rng_next(&gw->rng);
	uint32_t host_mask = gen.o.flood_src_len >= 32 ? 0 : ~0u >> gen.o.flood_src_len;
	uint32_t src = gen.o.flood_src | rte_cpu_to_be_32((uint32_t)r1 & host_mask);
	/* Ports 1024..65535: the range clients use; never 0, which a host drops. */
	uint16_t sport = rte_cpu_to_be_16((uint16_t)(1024u + ((r1 >> 32) % 64512u)));
	uint32_t seq = (uint32_t)r2, ack = gen.o.flood_kind == GEN_FLOOD_ACK ?
					  (uint32_t)(r2 >> 32) : 0;
	uint32_t ipsum, tcpsum;

	memcpy(f, gw->flood_tmpl, gw->flood_len);
	ip->src_addr = src;
	tcp->src_port = sport;
	tcp->sent_seq = seq;
	tcp->recv_ack = ack;
	ipsum = sum16_fold(gw->flood_tmpl_ip_sum + sum32(src));
	ip->hdr_checksum = (uint16_t)~ipsum;
	tcpsum = sum16_fold(gw->flood_tmpl_tcp_sum + sum32(src) + sport + sum32(seq) + sum32(ack));
	tcp->cksum = (uint16_t)~tcpsum;
}

void
gen_flood_poll(struct gen_worker *gw, struct tt_app_ctx *ctx, uint64_t now_tsc)
{
	struct rte_mbuf *ms[FLOOD_BURST];
	uint64_t el = now_tsc - gen.start_tsc, f = 65536;   /* floods start at once */
	unsigned int n;

	if (gen.ramp_recip != 0 && el < gen.ramp_cycles)
		f = ((el >> 16) * gen.ramp_recip) >> 16;
	n = gen_pace(&gw->flood_credit_fp, &gw->flood_last_tsc, (gw->flood_rate_fp * f) >> 16,
		     now_tsc, FLOOD_BURST);
	if (n == 0)
		return;
	if (rte_pktmbuf_alloc_bulk(ctx->pool, ms, n) != 0) {
		gw->cnt.flood_nombuf += n;
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(ms[i], gw->flood_len);

		if (gen.o.flood_v6)
			flood_frame6(gw, p);
		else
			flood_frame(gw, p);
		tt_app_xmit(ctx, gen.flood_port, ms[i]);
	}
	gw->cnt.flood_pkts += n;
}
