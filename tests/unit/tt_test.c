/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit-test infrastructure; see tt_test.h for the contract and the call order. The worker is
 * assembled here the way worker_create() in lib/core/tt_engine.c assembles it, but on a
 * ring-backed ethdev and a pool of our own, so a test sees every frame the worker sends and
 * every mbuf it fails to give back.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "tt_test.h"

const struct rte_ether_addr tt_test_mac_us = {{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }};
const struct rte_ether_addr tt_test_mac_peer = {{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a }};
const struct rte_ether_addr tt_test_mac_gw = {{ 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe }};

#define RING_SIZE 1024
#define NEIGH_SIZE 1024

/* ---- EAL ---------------------------------------------------------------------------- */

static char eal_runtime_dir[PATH_MAX];

/* "0-3,6": the CPUs we may run on, so lcore 0 floats over them instead of pinning to one. */
static void
cpu_list(char *buf, size_t len)
{
	cpu_set_t set;
	size_t used = 0;
	int c = 0;

	buf[0] = '\0';
	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		snprintf(buf, len, "0");
		return;
	}
	while (c < CPU_SETSIZE && used < len) {
		int first;

		if (!CPU_ISSET(c, &set)) {
			c++;
			continue;
		}
		first = c;
		while (c + 1 < CPU_SETSIZE && CPU_ISSET(c + 1, &set))
			c++;
		used += snprintf(buf + used, len - used, first == c ? "%s%d" : "%s%d-%d",
				 used ? "," : "", first, c);
		c++;
	}
}

static int
unlink_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
eal_atexit(void)
{
	rte_eal_cleanup();
	/*
	 * EAL leaves its runtime directory behind even with --no-shconf. Remove only the one
	 * this process created, recognisable by the prefix tt_test_eal_init gave it.
	 */
	if (strstr(eal_runtime_dir, "/ut-") != NULL)
		nftw(eal_runtime_dir, unlink_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/*
 * A test binary that crashed, aborted (sanitizers) or was killed by a timeout never ran its
 * atexit handler. Remove the runtime directories such runs left beside ours: "ut-*-PID"
 * whose process is gone. Only that pattern, so nothing of a real tcpterm is ever touched.
 */
static void
remove_stale_runtime_dirs(void)
{
	char base[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *de;
	char *slash;
	DIR *d;

	snprintf(base, sizeof(base), "%s", eal_runtime_dir);
	slash = strrchr(base, '/');
	if (slash == NULL)
		return;
	*slash = '\0';
	d = opendir(base);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		const char *dash = strrchr(de->d_name, '-');
		char *end;
		long pid;

		if (strncmp(de->d_name, "ut-", 3) != 0 || dash == NULL)
			continue;
		pid = strtol(dash + 1, &end, 10);
		if (*end != '\0' || pid <= 0 || pid == (long)getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
		nftw(path, unlink_entry, 8, FTW_DEPTH | FTW_PHYS);
	}
	closedir(d);
}

int
tt_test_eal_init(const char *name)
{
	char prefix[64], cpus[512], lcores[544];
	char *argv[] = {
		"unit", "--no-huge", "--no-pci", "-m", "128", "--no-shconf", "--no-telemetry",
		"--file-prefix", prefix, "--lcores", lcores,
		/* EAL and the PMD loader are chatty at INFO; a failing test prints what matters. */
		"--log-level", "lib.eal:error", "--log-level", "pmd.*:error", NULL,
	};

	snprintf(prefix, sizeof(prefix), "ut-%s-%d", name, (int)getpid());
	cpu_list(cpus, sizeof(cpus));
	snprintf(lcores, sizeof(lcores), "0@(%s)", cpus);
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "%s: rte_eal_init failed: %s\n", name, rte_strerror(rte_errno));
		return -1;
	}
	snprintf(eal_runtime_dir, sizeof(eal_runtime_dir), "%s", rte_eal_get_runtime_dir());
	atexit(eal_atexit);
	remove_stale_runtime_dirs();
	return 0;
}

/* ---- The harness ---------------------------------------------------------------------- */

static int
ring_port_create(struct tt_test_env *env)
{
	struct rte_eth_conf conf = { 0 };
	int socket = (int)rte_socket_id();
	char rname[RTE_RING_NAMESIZE];
	int port;

	snprintf(rname, sizeof(rname), "%s_rx", env->name);
	env->rx = rte_ring_create(rname, RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(rname, sizeof(rname), "%s_tx", env->name);
	env->tx = rte_ring_create(rname, RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (env->rx == NULL || env->tx == NULL)
		return -1;
	port = rte_eth_from_rings(env->name, &env->rx, 1, &env->tx, 1, socket);
	if (port < 0)
		return -1;
	env->port_id = (uint16_t)port;
	/* The ring PMD has no offloads: the worker computes every checksum in software. */
	if (rte_eth_dev_configure(env->port_id, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(env->port_id, 0, RING_SIZE, socket, NULL, env->pool) != 0 ||
	    rte_eth_tx_queue_setup(env->port_id, 0, RING_SIZE, socket, NULL) != 0 ||
	    rte_eth_dev_start(env->port_id) != 0)
		return -1;
	env->port = (struct tt_port){
		.port_id = env->port_id,
		.mtu = RTE_ETHER_MTU,
		.mac = tt_test_mac_us,
	};
	snprintf(env->port.name, sizeof(env->port.name), "net_ring_%s", env->name);
	snprintf(env->port.driver, sizeof(env->port.driver), "net_ring");
	return 0;
}

/* Mirrors worker_create() and the wiring in tt_engine_create() (lib/core/tt_engine.c). */
static struct tt_worker *
worker_build(struct tt_test_env *env)
{
	int socket = (int)rte_socket_id();
	char name[RTE_RING_NAMESIZE];
	struct tt_worker *w;

	w = rte_zmalloc_socket("tt_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL)
		return NULL;
	env->w = w;
	w->id = 0;
	w->lcore = rte_lcore_id();
	w->queue = 0;
	w->burst = 32;
	w->net = &env->net;
	w->quit = &env->quit;
	w->pool = env->pool;
	snprintf(name, sizeof(name), "%s_neigh", env->name);
	w->neigh = tt_neigh_create(name, NEIGH_SIZE, socket);
	snprintf(name, sizeof(name), "%s_inbox", env->name);
	w->inbox = rte_ring_create(name, TT_INBOX_SIZE, socket, RING_F_SC_DEQ);
	if (w->neigh == NULL || w->inbox == NULL)
		return NULL;
	tt_clock_init(&w->clock);
	tt_clock_set_fake(&w->clock, 0);
	env->peers[0] = w;
	w->n_workers = 1;
	w->n_ports = 1;
	w->ports = &env->port;
	w->peers = env->peers;
	return w;
}

static void
env_free(struct tt_test_env *env)
{
	struct tt_worker *w = env->w;

	if (w != NULL) {
		tt_neigh_free(w->neigh);
		rte_ring_free(w->inbox);
		rte_free(w);
	}
	if (env->port.name[0] != '\0') {
		rte_eth_dev_stop(env->port_id);
		/* Closes and releases the ethdev; its rings stay ours (rte_eth_from_rings). */
		rte_vdev_uninit(env->port.name);
	}
	rte_ring_free(env->rx);
	rte_ring_free(env->tx);
	rte_mempool_free(env->pool);
	free(env);
}

int
tt_test_setup(void **state)
{
	static unsigned int seq;
	struct tt_test_env *env = calloc(1, sizeof(*env));
	char name[RTE_MEMPOOL_NAMESIZE];

	if (env == NULL)
		return -1;
	snprintf(env->name, sizeof(env->name), "ut%u", seq++);
	snprintf(name, sizeof(name), "%s_pool", env->name);
	/*
	 * No per-lcore cache and the ring handler named explicitly: the pool's ring then holds
	 * exactly its free mbufs, which teardown counts (see pool_free_count()).
	 */
	env->pool = rte_pktmbuf_pool_create_by_ops(name, TT_TEST_POOL_SIZE, 0, 0,
						   RTE_MBUF_DEFAULT_BUF_SIZE,
						   (int)rte_socket_id(), "ring_mp_mc");
	if (env->pool == NULL || ring_port_create(env) != 0) {
		print_error("setup: %s\n", rte_strerror(rte_errno));
		env_free(env);
		return -1;
	}
	env->net.addrs[0] = TT_TEST_IP_US;
	env->net.prefix_len[0] = TT_TEST_PREFIX;
	env->net.n_addrs = 1;
	if (worker_build(env) == NULL) {
		print_error("setup: cannot build the worker: %s\n", rte_strerror(rte_errno));
		env_free(env);
		return -1;
	}
	*state = env;
	return 0;
}

static unsigned int
ring_free_all(struct rte_ring *r)
{
	struct rte_mbuf *m;
	unsigned int n = 0;

	while (r != NULL && rte_ring_dequeue(r, (void **)&m) == 0) {
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

/*
 * Free mbufs in the pool, from the handler's ring itself (rte_mempool_ops_get_count() is
 * internal): with the ring_mp_mc handler and no cache it is the exact figure, above the
 * pool's size after a double free.
 */
static unsigned int
pool_free_count(const struct rte_mempool *mp)
{
	return rte_ring_count(mp->pool_data);
}

long
tt_test_pool_balance(const struct tt_test_env *env)
{
	return (long)pool_free_count(env->pool) - (long)env->pool->size;
}

int
tt_test_teardown(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_worker *w = env->w;
	long balance;
	int rc = 0;

	/* Frames still buffered or queued are not leaks: give them back before counting. */
	for (uint16_t pi = 0; pi < w->n_ports; pi++) {
		rte_pktmbuf_free_bulk(w->tx[pi].pkts, w->tx[pi].n);
		w->tx[pi].n = 0;
	}
	ring_free_all(w->inbox);
	ring_free_all(env->rx);
	ring_free_all(env->tx);
	balance = tt_test_pool_balance(env);
	if (balance > 0) {
		print_error("teardown: %ld mbuf(s) freed twice (pool %s of %u)\n", balance,
			    env->pool->name, env->pool->size);
		rc = -1;
	} else if (balance < 0 || rte_mempool_in_use_count(env->pool) != 0) {
		print_error("teardown: %ld mbuf(s) leaked (pool %s of %u)\n", -balance,
			    env->pool->name, env->pool->size);
		rc = -1;
	}
	env_free(env);
	*state = NULL;
	return rc;
}

void
tt_test_rx(struct tt_test_env *env, struct rte_mbuf *m)
{
	assert_int_equal(rte_ring_enqueue(env->rx, m), 0);
}

unsigned int
tt_test_poll(struct tt_test_env *env)
{
	return tt_worker_poll(env->w);
}

void
tt_test_input(struct tt_test_env *env, struct rte_mbuf *m)
{
	tt_eth_input(env->w, 0, m);
	tt_worker_flush(env->w);
}

unsigned int
tt_test_tx_count(const struct tt_test_env *env)
{
	return rte_ring_count(env->tx);
}

struct rte_mbuf *
tt_test_tx_pop(struct tt_test_env *env)
{
	struct rte_mbuf *m;

	return rte_ring_dequeue(env->tx, (void **)&m) == 0 ? m : NULL;
}

unsigned int
tt_test_tx_drain(struct tt_test_env *env)
{
	return ring_free_all(env->tx);
}

void
tt_test_stats_expect(const struct tt_test_env *env, const struct tt_test_stat *exp,
		     const char *file, int line)
{
	uint64_t want[TT_STAT__COUNT] = { 0 };
	bool bad = false;

	for (const struct tt_test_stat *e = exp; e->name != NULL; e++) {
		int i = tt_stat_lookup(e->name);

		if (i < 0) {
			print_error("no counter named %s\n", e->name);
			bad = true;
			continue;
		}
		want[i] = e->value;
	}
	for (int i = 0; i < TT_STAT__COUNT; i++) {
		uint64_t got = tt_stats_read(&env->w->stats, (unsigned int)i);

		if (got != want[i]) {
			print_error("counter %s: expected %" PRIu64 ", got %" PRIu64 "\n",
				    tt_stat_info[i].name, want[i], got);
			bad = true;
		}
	}
	if (bad)
		_fail(file, line);
}

/* ---- Checksums (RFC 1071), independent of rte_ip.h ------------------------------------ */

static uint32_t
sum16(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;

	/* Byte-order independent (RFC 1071 2(B)): add words as they sit in memory. */
	for (; len >= 2; p += 2, len -= 2) {
		uint16_t v;

		memcpy(&v, p, 2);
		sum += v;
	}
	if (len == 1) {
		uint8_t last[2] = { p[0], 0 };
		uint16_t v;

		memcpy(&v, last, 2);
		sum += v;
	}
	return sum;
}

uint16_t
tt_test_cksum(const void *buf, size_t len, uint32_t sum)
{
	sum = sum16(buf, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t
pseudo_sum(const struct rte_ipv4_hdr *ip, uint16_t l4_len)
{
	struct {
		uint32_t src, dst;
		uint8_t zero, proto;
		uint16_t len;
	} __rte_packed ph = {
		.src = ip->src_addr,
		.dst = ip->dst_addr,
		.proto = ip->next_proto_id,
		.len = rte_cpu_to_be_16(l4_len),
	};

	return sum16(&ph, sizeof(ph), 0);
}

bool
tt_test_ipv4_csum_ok(const struct rte_ipv4_hdr *ip)
{
	return tt_test_cksum(ip, (ip->version_ihl & 0xf) * 4u, 0) == 0;
}

bool
tt_test_l4_csum_ok(const struct tt_test_frame *f)
{
	uint16_t hl, l4_len;

	if (f->ip == NULL)
		return false;
	hl = (f->ip->version_ihl & 0xf) * 4u;
	l4_len = rte_be_to_cpu_16(f->ip->total_length) - hl;
	if (f->th != NULL)
		return tt_test_cksum(f->th, l4_len, pseudo_sum(f->ip, l4_len)) == 0;
	if (f->icmp != NULL)
		return tt_test_cksum(f->icmp, l4_len, 0) == 0;
	return false;
}

/* ---- Frame builder -------------------------------------------------------------------- */

uint8_t
tt_tb_pattern(unsigned int i)
{
	return (uint8_t)(i * 7 + 1);
}

struct tt_tb
tt_tb_defaults(enum tt_tb_kind kind)
{
	struct tt_tb b = {
		.kind = kind,
		.eth_dst = tt_test_mac_us,
		.eth_src = tt_test_mac_peer,
		.ether_type = TT_TB_AUTO,
		.arp_hrd = RTE_ARP_HRD_ETHER,
		.arp_pro = RTE_ETHER_TYPE_IPV4,
		.arp_op = RTE_ARP_OP_REQUEST,
		.arp_hln = RTE_ETHER_ADDR_LEN,
		.arp_pln = 4,
		.arp_sha = tt_test_mac_peer,
		.arp_sip = TT_TEST_IP_PEER,
		.arp_tip = TT_TEST_IP_US,
		.ip_version = 4,
		.ip_ihl = TT_TB_AUTO,
		.ip_tot_len = TT_TB_AUTO,
		.ip_ttl = 64,
		.ip_id = 0x4242,
		.ip_src = TT_TEST_IP_PEER,
		.ip_dst = TT_TEST_IP_US,
		.icmp_type = RTE_IP_ICMP_ECHO_REQUEST,
		.icmp_id = 0x1234,
		.icmp_seq = 1,
		.tcp_sport = 40000,
		.tcp_dport = 80,
		.tcp_seq = 1000,
		.tcp_flags = RTE_TCP_SYN_FLAG,
		.tcp_win = 65535,
		.tcp_doff = TT_TB_AUTO,
		.frame_len = TT_TB_AUTO,
	};

	switch (kind) {
	case TT_TB_ICMP:
		b.ip_proto = IPPROTO_ICMP;
		break;
	case TT_TB_TCP:
		b.ip_proto = IPPROTO_TCP;
		break;
	case TT_TB_IPV4:
		b.ip_proto = IPPROTO_UDP;
		break;
	case TT_TB_ARP:
		break;
	}
	return b;
}

static void
put_payload(uint8_t *dst, const struct tt_tb *b)
{
	if (b->payload != NULL)
		memcpy(dst, b->payload, b->payload_len);
	else
		for (unsigned int i = 0; i < b->payload_len; i++)
			dst[i] = tt_tb_pattern(i);
}

static uint16_t
build_arp(uint8_t *p, const struct tt_tb *b)
{
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)p;

	arp->arp_hardware = rte_cpu_to_be_16(b->arp_hrd);
	arp->arp_protocol = rte_cpu_to_be_16(b->arp_pro);
	arp->arp_hlen = b->arp_hln;
	arp->arp_plen = b->arp_pln;
	arp->arp_opcode = rte_cpu_to_be_16(b->arp_op);
	arp->arp_data.arp_sha = b->arp_sha;
	arp->arp_data.arp_sip = b->arp_sip;
	arp->arp_data.arp_tha = b->arp_tha;
	arp->arp_data.arp_tip = b->arp_tip;
	return sizeof(*arp);
}

/* The L4 part of an IPv4 frame at p; returns its length. */
static uint16_t
build_l4(uint8_t *p, const struct tt_tb *b)
{
	struct rte_icmp_hdr *icmp;
	struct rte_tcp_hdr *th;
	uint16_t hl;

	switch (b->kind) {
	case TT_TB_ICMP:
		icmp = (struct rte_icmp_hdr *)p;
		icmp->icmp_type = b->icmp_type;
		icmp->icmp_code = b->icmp_code;
		icmp->icmp_cksum = 0;
		icmp->icmp_ident = rte_cpu_to_be_16(b->icmp_id);
		icmp->icmp_seq_nb = rte_cpu_to_be_16(b->icmp_seq);
		put_payload(p + sizeof(*icmp), b);
		return sizeof(*icmp) + b->payload_len;
	case TT_TB_TCP:
		th = (struct rte_tcp_hdr *)p;
		hl = sizeof(*th) + b->tcp_opts_len;
		th->src_port = rte_cpu_to_be_16(b->tcp_sport);
		th->dst_port = rte_cpu_to_be_16(b->tcp_dport);
		th->sent_seq = rte_cpu_to_be_32(b->tcp_seq);
		th->recv_ack = rte_cpu_to_be_32(b->tcp_ack);
		th->data_off = (uint8_t)((b->tcp_doff == TT_TB_AUTO ? hl / 4 : b->tcp_doff) << 4);
		th->tcp_flags = b->tcp_flags;
		th->rx_win = rte_cpu_to_be_16(b->tcp_win);
		th->cksum = 0;
		th->tcp_urp = rte_cpu_to_be_16(b->tcp_urp);
		if (b->tcp_opts_len != 0)
			memcpy(th + 1, b->tcp_opts, b->tcp_opts_len);
		put_payload(p + hl, b);
		return hl + b->payload_len;
	default:
		put_payload(p, b);
		return b->payload_len;
	}
}

/* A checksum that is wrong whatever the right one is (and not its ones'-complement twin). */
#define TT_TB_CSUM_BREAK 0x1234

struct rte_mbuf *
tt_tb_build(struct tt_test_env *env, const struct tt_tb *b)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(env->pool);
	uint16_t room, len, ether_type;
	struct rte_ether_hdr *eth;
	uint8_t *p;

	assert_non_null(m);
	room = rte_pktmbuf_tailroom(m);
	len = sizeof(*eth) + sizeof(struct rte_ipv4_hdr) + b->ip_opts_len +
	      sizeof(struct rte_tcp_hdr) + b->tcp_opts_len + b->payload_len;
	assert_true(len <= room && (b->frame_len == TT_TB_AUTO || b->frame_len <= room));
	p = rte_pktmbuf_mtod(m, uint8_t *);
	memset(p, 0, room);
	eth = (struct rte_ether_hdr *)p;
	eth->dst_addr = b->eth_dst;
	eth->src_addr = b->eth_src;
	ether_type = b->kind == TT_TB_ARP ? RTE_ETHER_TYPE_ARP : RTE_ETHER_TYPE_IPV4;
	eth->ether_type = rte_cpu_to_be_16(b->ether_type == TT_TB_AUTO ? ether_type :
					   (uint16_t)b->ether_type);
	len = sizeof(*eth);
	if (b->kind == TT_TB_ARP) {
		len += build_arp(p + len, b);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + len);
		uint16_t hl = sizeof(*ip) + b->ip_opts_len, l4_len, csum_len;
		uint8_t *l4 = (uint8_t *)ip + hl;

		l4_len = build_l4(l4, b);
		ip->version_ihl = (uint8_t)(b->ip_version << 4 |
					    ((b->ip_ihl == TT_TB_AUTO ? hl / 4 : b->ip_ihl) & 0xf));
		ip->type_of_service = b->ip_tos;
		ip->total_length = rte_cpu_to_be_16(b->ip_tot_len == TT_TB_AUTO ? hl + l4_len :
						    (uint16_t)b->ip_tot_len);
		ip->packet_id = rte_cpu_to_be_16(b->ip_id);
		ip->fragment_offset = rte_cpu_to_be_16(b->ip_frag);
		ip->time_to_live = b->ip_ttl;
		ip->next_proto_id = b->ip_proto;
		ip->hdr_checksum = 0;
		ip->src_addr = b->ip_src;
		ip->dst_addr = b->ip_dst;
		if (b->ip_opts_len != 0)
			memcpy(ip + 1, b->ip_opts, b->ip_opts_len);
		/* Over the header the IHL claims when it fits what was written, as a receiver does. */
		csum_len = (ip->version_ihl & 0xf) * 4u;
		if (csum_len < sizeof(*ip) || csum_len > hl + l4_len)
			csum_len = hl;
		ip->hdr_checksum = tt_test_cksum(ip, csum_len, 0);
		if (b->ip_bad_csum)
			ip->hdr_checksum ^= TT_TB_CSUM_BREAK;
		if (b->kind == TT_TB_TCP) {
			struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;

			th->cksum = tt_test_cksum(th, l4_len, pseudo_sum(ip, l4_len));
			if (b->l4_bad_csum)
				th->cksum ^= TT_TB_CSUM_BREAK;
		} else if (b->kind == TT_TB_ICMP) {
			struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)l4;

			icmp->icmp_cksum = tt_test_cksum(icmp, l4_len, 0);
			if (b->l4_bad_csum)
				icmp->icmp_cksum ^= TT_TB_CSUM_BREAK;
		}
		len += hl + l4_len;
	}
	if (b->frame_len != TT_TB_AUTO) {
		if ((uint16_t)b->frame_len > len)
			memset(p + len, 0xa5, b->frame_len - len);
		len = (uint16_t)b->frame_len;
	}
	m->data_len = len;
	m->pkt_len = len;
	m->ol_flags = b->ol_flags;
	return m;
}

void
tt_tb_fix_csums(struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t len = rte_pktmbuf_data_len(m), hl, tl;
	struct rte_ipv4_hdr *ip;
	uint8_t *l4;

	if (len < sizeof(struct rte_ether_hdr) + sizeof(*ip) ||
	    ((struct rte_ether_hdr *)p)->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return;
	ip = (struct rte_ipv4_hdr *)(p + sizeof(struct rte_ether_hdr));
	hl = (ip->version_ihl & 0xf) * 4u;
	if (hl < sizeof(*ip) || sizeof(struct rte_ether_hdr) + hl > len)
		return;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = tt_test_cksum(ip, hl, 0);
	tl = rte_be_to_cpu_16(ip->total_length);
	if (tl < hl || sizeof(struct rte_ether_hdr) + tl > len)
		return;
	l4 = (uint8_t *)ip + hl;
	if (ip->next_proto_id == IPPROTO_TCP && tl - hl >= (int)sizeof(struct rte_tcp_hdr)) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;

		th->cksum = 0;
		th->cksum = tt_test_cksum(th, tl - hl, pseudo_sum(ip, tl - hl));
	} else if (ip->next_proto_id == IPPROTO_ICMP &&
		   tl - hl >= (int)sizeof(struct rte_icmp_hdr)) {
		struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)l4;

		icmp->icmp_cksum = 0;
		icmp->icmp_cksum = tt_test_cksum(icmp, tl - hl, 0);
	}
}

/* ---- Decoding what the worker sent ------------------------------------------------------ */

void
tt_test_decode(struct rte_mbuf *m, struct tt_test_frame *f)
{
	uint16_t len, hl, tl, l4_len;

	memset(f, 0, sizeof(*f));
	assert_non_null(m);
	f->m = m;
	assert_int_equal(m->nb_segs, 1);
	assert_int_equal(rte_pktmbuf_data_len(m), rte_pktmbuf_pkt_len(m));
	len = rte_pktmbuf_data_len(m);
	assert_true(len >= sizeof(*f->eth));
	f->eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	switch (rte_be_to_cpu_16(f->eth->ether_type)) {
	case RTE_ETHER_TYPE_ARP:
		/* tcpterm sends ARP unpadded: the NIC pads to 60 bytes. */
		assert_int_equal(len, sizeof(*f->eth) + sizeof(*f->arp));
		f->arp = (struct rte_arp_hdr *)(f->eth + 1);
		return;
	case RTE_ETHER_TYPE_IPV4:
		break;
	default:
		fail_msg("captured frame of EtherType 0x%04x", rte_be_to_cpu_16(f->eth->ether_type));
	}
	assert_true(len >= sizeof(*f->eth) + sizeof(*f->ip));
	f->ip = (struct rte_ipv4_hdr *)(f->eth + 1);
	assert_int_equal(f->ip->version_ihl >> 4, 4);
	hl = (f->ip->version_ihl & 0xf) * 4u;
	tl = rte_be_to_cpu_16(f->ip->total_length);
	assert_true(hl >= sizeof(*f->ip));
	assert_true(tl >= hl);
	/* Total length and frame agree exactly: nothing lost, no stale bytes left behind. */
	assert_int_equal(sizeof(*f->eth) + tl, len);
	l4_len = tl - hl;
	switch (f->ip->next_proto_id) {
	case IPPROTO_TCP: {
		uint16_t doff;

		assert_true(l4_len >= sizeof(*f->th));
		f->th = (struct rte_tcp_hdr *)((uint8_t *)f->ip + hl);
		doff = (f->th->data_off >> 4) * 4u;
		assert_true(doff >= sizeof(*f->th) && doff <= l4_len);
		f->data = (uint8_t *)f->th + doff;
		f->data_len = l4_len - doff;
		break;
	}
	case IPPROTO_ICMP:
		assert_true(l4_len >= sizeof(*f->icmp));
		f->icmp = (struct rte_icmp_hdr *)((uint8_t *)f->ip + hl);
		f->data = (uint8_t *)(f->icmp + 1);
		f->data_len = l4_len - sizeof(*f->icmp);
		break;
	default:
		fail_msg("captured IPv4 packet of protocol %u", f->ip->next_proto_id);
	}
}

void
tt_test_tx_one(struct tt_test_env *env, struct tt_test_frame *f)
{
	assert_int_equal(tt_test_tx_count(env), 1);
	tt_test_decode(tt_test_tx_pop(env), f);
}

const char *
tt_test_frame_problem(const struct tt_test_env *env, struct rte_mbuf *m)
{
	const uint16_t len = rte_pktmbuf_data_len(m);
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip;
	struct tt_test_frame f = { .m = m };
	uint16_t hl, tl, l4_len;

	if (m->nb_segs != 1 || len != rte_pktmbuf_pkt_len(m) || len < sizeof(*eth))
		return "not one linear frame";
	if (!rte_is_same_ether_addr(&eth->src_addr, &env->port.mac))
		return "Ethernet source is not our MAC";
	if (!rte_is_unicast_ether_addr(&eth->dst_addr) &&
	    eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP))
		return "IPv4 reply to a group MAC";
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
		const struct rte_arp_hdr *arp = (const struct rte_arp_hdr *)(eth + 1);

		if (len != sizeof(*eth) + sizeof(*arp))
			return "ARP frame of the wrong length";
		if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) || arp->arp_hlen != 6 ||
		    arp->arp_plen != 4 || arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4))
			return "ARP header not Ethernet/IPv4";
		if (!rte_is_same_ether_addr(&arp->arp_data.arp_sha, &env->port.mac) ||
		    !tt_ipv4_is_local(&env->net, arp->arp_data.arp_sip))
			return "ARP sender is not us";
		return NULL;
	}
	if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return "unexpected EtherType";
	if (len < sizeof(*eth) + sizeof(*ip))
		return "IPv4 frame shorter than its header";
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	hl = (ip->version_ihl & 0xf) * 4u;
	tl = rte_be_to_cpu_16(ip->total_length);
	if (ip->version_ihl != RTE_IPV4_VHL_DEF)
		return "reply IPv4 header is not version 4, IHL 5";
	if (tl < hl || sizeof(*eth) + tl != len)
		return "IPv4 total length does not match the frame";
	if (!tt_test_ipv4_csum_ok(ip))
		return "bad IPv4 checksum";
	if (!tt_ipv4_is_local(&env->net, ip->src_addr))
		return "IPv4 source is not ours";
	l4_len = tl - hl;
	f.eth = (struct rte_ether_hdr *)(uintptr_t)eth;
	f.ip = (struct rte_ipv4_hdr *)(uintptr_t)ip;
	switch (ip->next_proto_id) {
	case IPPROTO_TCP:
		if (l4_len != sizeof(struct rte_tcp_hdr))
			return "RST is not a bare 20-byte TCP header";
		f.th = (struct rte_tcp_hdr *)((uint8_t *)f.ip + hl);
		if (!(f.th->tcp_flags & RTE_TCP_RST_FLAG) || f.th->data_off != 5 << 4)
			return "TCP reply is not a RST without options";
		break;
	case IPPROTO_ICMP:
		if (l4_len < sizeof(struct rte_icmp_hdr))
			return "ICMP reply shorter than its header";
		f.icmp = (struct rte_icmp_hdr *)((uint8_t *)f.ip + hl);
		if (f.icmp->icmp_type != RTE_IP_ICMP_ECHO_REPLY || f.icmp->icmp_code != 0)
			return "ICMP reply is not an echo reply";
		break;
	default:
		return "reply of an unexpected protocol";
	}
	if (!tt_test_l4_csum_ok(&f))
		return "bad TCP/ICMP checksum";
	return NULL;
}
