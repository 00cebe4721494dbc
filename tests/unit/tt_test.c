/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit-test infrastructure; see tt_test.h for the contract and the call order. The worker is
 * assembled here the way worker_create() in lib/engine/tt_engine.c assembles it, but on a
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

unsigned int tt_test_pool_size = TT_TEST_POOL_SIZE;
bool tt_test_huge;
unsigned int tt_test_pool_cache;

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
	if (tt_test_huge)
		argv[1] = "--in-memory";
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
		/* The ring takes chains as they are; tt_test_tx_pop gathers them. */
		.tx_multi_seg = true,
	};
	snprintf(env->port.name, sizeof(env->port.name), "net_ring_%s", env->name);
	snprintf(env->port.driver, sizeof(env->port.driver), "net_ring");
	return 0;
}

/* Mirrors worker_create() and the wiring in tt_engine_create() (lib/engine/tt_engine.c). */
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
	w->syn_budget = UINT32_MAX;
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
	if (tt_steer_init(&env->steer, 1, TT_RSS_OFF, 1) != 0)
		return NULL;
	w->steer = &env->steer;
	tt_worker_nic_hash_init(w);
	return w;
}

static void
env_free(struct tt_test_env *env)
{
	struct tt_worker *w = env->w;

	if (w != NULL) {
		tt_app_detach(w);
		tt_tcp_worker_fini(w);
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
	free(env->app);
	free(env->held);
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
	 * No per-lcore cache (unless a benchmark sets tt_test_pool_cache) and the ring handler
	 * named explicitly: the pool's ring then holds exactly its free mbufs, which teardown
	 * counts (see pool_free_count()).
	 */
	env->pool = rte_pktmbuf_pool_create_by_ops(name, tt_test_pool_size, tt_test_pool_cache, 0,
						   RTE_MBUF_DEFAULT_BUF_SIZE,
						   (int)rte_socket_id(), "ring_mp_mc");
	if (env->pool == NULL || ring_port_create(env) != 0) {
		print_error("setup: %s\n", rte_strerror(rte_errno));
		env_free(env);
		return -1;
	}
	memset(env->net.addr_port, 0xff, sizeof(env->net.addr_port));   /* -1: every port */
	env->net.addrs[0] = TT_TEST_IP_US;
	env->net.prefix_len[0] = TT_TEST_PREFIX;
	env->net.n_addrs = 1;
	/* As tt_engine_create: IPv4 hands TCP segments to TCP (w->tcp NULL: closed-port RST). */
	if (tt_tcp_register(&env->net) != 0) {
		env_free(env);
		return -1;
	}
	tt_config_defaults(&env->cfg);
	env->cfg.max_tw_buckets = 1024;
	/* Buffers fixed at rmem and wmem, as the tests set them; autotuning tests raise these. */
	env->cfg.rmem_max = 0;
	env->cfg.wmem_max = 0;
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
	/*
	 * With a cache (benchmarks only), free mbufs are in the caches too, and
	 * rte_mempool_avail_count caps its sum at the pool's size: a double free goes unseen
	 * there, which the tests (no cache) still catch.
	 */
	return mp->cache_size != 0 ? rte_mempool_avail_count(mp) : rte_ring_count(mp->pool_data);
}

long
tt_test_pool_balance(const struct tt_test_env *env)
{
	return (long)pool_free_count(env->pool) - (long)env->pool->size;
}

unsigned int
tt_test_pool_hold(struct tt_test_env *env, unsigned int leave)
{
	unsigned int free_now = pool_free_count(env->pool);

	if (env->held == NULL) {
		env->held = calloc(env->pool->size, sizeof(*env->held));
		assert_non_null(env->held);
	}
	while (free_now > leave) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(env->pool);

		if (m == NULL)
			break;
		env->held[env->n_held++] = m;
		free_now--;
	}
	return env->n_held;
}

void
tt_test_pool_release(struct tt_test_env *env)
{
	if (env->n_held != 0)
		rte_pktmbuf_free_bulk(env->held, env->n_held);
	env->n_held = 0;
}

int
tt_test_teardown(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_worker *w = env->w;
	long balance;
	int rc = 0;

	tt_test_pool_release(env);
	if (w->tcp != NULL && tt_test_tcp_stop(env) != 0)
		rc = -1;
	/* Frames still buffered or queued are not leaks: give them back before counting. */
	for (uint16_t pi = 0; pi < w->n_ports; pi++) {
		rte_pktmbuf_free_bulk(w->tx[pi].pkts, w->tx[pi].n);
		w->tx[pi].n = 0;
	}
	ring_free_all(w->inbox);
	ring_free_all(env->rx);
	ring_free_all(env->tx);
	/* And frames waiting for ARP (a SYN to a peer that never answered). */
	tt_neigh_flush(w->neigh);
	tt_impair_free(w->impair);
	w->impair = NULL;
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
	if (env->soft_failures != 0) {
		print_error("teardown: %u soft failure(s), reported above\n", env->soft_failures);
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

void
tt_test_impair_start(struct tt_test_env *env, uint64_t seed)
{
	tt_impair_shared_init(&env->impair, seed);
	env->w->impair = tt_impair_create(&env->impair, env->w->id, env->w->n_ports,
					  SOCKET_ID_ANY);
	assert_non_null(env->w->impair);
}

void
tt_test_impair_set(struct tt_test_env *env, enum tt_impair_dir_id d, const char *spec)
{
	struct tt_impair_conf c;
	char err[256];

	if (tt_impair_parse(spec, &c, err, sizeof(err)) != 0)
		fail_msg("tt_test_impair_set(%s): %s", spec, err);
	tt_impair_shared_set(&env->impair, 0, d, &c);
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

/*
 * A chained frame (payload attached to the send queue) as one buffer, as the port would
 * gather it; the chain's own bookkeeping is checked on the way.
 */
static struct rte_mbuf *
linearize(struct rte_mbuf *m)
{
	uint32_t sum = 0, n = 0;
	struct rte_mbuf *l;

	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		sum += s->data_len;
		n++;
	}
	if (sum != m->pkt_len || n != m->nb_segs)
		fail_msg("a sent chain is inconsistent: pkt_len %u, segments' data %u; nb_segs %u, "
			 "segments %u", m->pkt_len, sum, m->nb_segs, n);
	/* Into the first segment's room when it has it (the headers' mbuf): no allocation, so
	 * a test that emptied the pool can still read what was sent. */
	if (RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 &&
	    rte_pktmbuf_tailroom(m) >= sum - m->data_len) {
		struct rte_mbuf *rest = m->next;

		for (struct rte_mbuf *s = rest; s != NULL; s = s->next) {
			memcpy(rte_pktmbuf_mtod_offset(m, char *, m->data_len),
			       rte_pktmbuf_mtod(s, char *), s->data_len);
			m->data_len = (uint16_t)(m->data_len + s->data_len);
		}
		m->next = NULL;
		m->nb_segs = 1;
		m->pkt_len = m->data_len;
		rte_pktmbuf_free(rest);
		return m;
	}
	l = rte_pktmbuf_alloc(m->pool);
	if (l == NULL || rte_pktmbuf_tailroom(l) < sum)
		fail_msg("no room to linearize a sent chain of %u bytes", sum);
	{
		char *dst = rte_pktmbuf_append(l, (uint16_t)sum);
		const void *src = rte_pktmbuf_read(m, 0, sum, dst);

		if (src != dst)
			memcpy(dst, src, sum);
	}
	l->ol_flags = m->ol_flags;
	l->l2_len = m->l2_len;
	l->l3_len = m->l3_len;
	rte_pktmbuf_free(m);
	return l;
}

struct rte_mbuf *
tt_test_tx_pop(struct tt_test_env *env)
{
	struct rte_mbuf *m;

	if (rte_ring_dequeue(env->tx, (void **)&m) != 0)
		return NULL;
	if (m->nb_segs > 1)
		m = linearize(m);
	return m;
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
	bool named[TT_STAT__COUNT] = { false }, bad = false;

	for (const struct tt_test_stat *e = exp; e->name != NULL; e++) {
		int i = tt_stat_lookup(e->name);

		if (i < 0) {
			print_error("no counter named %s\n", e->name);
			bad = true;
			continue;
		}
		want[i] = e->value;
		named[i] = true;
	}
	for (int i = 0; i < TT_STAT__COUNT; i++) {
		uint64_t got = tt_stats_read(&env->w->stats, (unsigned int)i);

		/* Every jump of the fake clock between iterations is a pause of the host to the
		 * worker (WorkerStalls): checked only where a test names it. */
		if (i == TT_STAT_WorkerStalls && !named[i])
			continue;
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

/*
 * With the TCP core, any segment a TCP may send: header and options within the datagram,
 * options that parse, ports not 0, no flag combination tt_tcp_parse would refuse, at most
 * one MSS of payload, and nothing but a bare header on a RST.
 */
static const char *
tcp_segment_problem(struct tt_test_frame *f, uint16_t l4_len, uint16_t hl)
{
	struct tt_tcp_opts o;
	uint16_t doff;
	uint8_t fl;

	if (l4_len < sizeof(struct rte_tcp_hdr))
		return "TCP segment shorter than its header";
	f->th = (struct rte_tcp_hdr *)((uint8_t *)f->ip + hl);
	doff = (f->th->data_off >> 4) * 4u;
	fl = f->th->tcp_flags;
	if (doff < sizeof(struct rte_tcp_hdr) || doff > l4_len)
		return "TCP data offset outside the segment";
	if (tt_tcp_parse_options((const uint8_t *)(f->th + 1), doff - sizeof(*f->th), &o) != 0)
		return "TCP options do not parse";
	if (f->th->src_port == 0 || f->th->dst_port == 0)
		return "TCP port 0";
	if (((fl & RTE_TCP_SYN_FLAG) && (fl & (RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG))) ||
	    !(fl & (RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG)))
		return "TCP flag combination no TCP sends";
	if (l4_len - doff > RTE_ETHER_MTU - 40)
		return "TCP payload above the MSS";
	if ((fl & RTE_TCP_RST_FLAG) && (l4_len != doff || doff != sizeof(*f->th)))
		return "RST with options or payload";
	return NULL;
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
	if (tl > env->port.mtu)
		return "IPv4 datagram longer than the port's MTU";
	if (!tt_test_ipv4_csum_ok(ip))
		return "bad IPv4 checksum";
	if (!tt_ipv4_is_local(&env->net, ip->src_addr))
		return "IPv4 source is not ours";
	l4_len = tl - hl;
	f.eth = (struct rte_ether_hdr *)(uintptr_t)eth;
	f.ip = (struct rte_ipv4_hdr *)(uintptr_t)ip;
	switch (ip->next_proto_id) {
	case IPPROTO_TCP:
		if (env->w->tcp != NULL) {
			const char *problem = tcp_segment_problem(&f, l4_len, hl);

			if (problem != NULL)
				return problem;
			break;
		}
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

/* ---- Soft failures ---------------------------------------------------------------------- */

void
tt_test_soft_fail(struct tt_test_env *env, const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_error("%s:%d: soft failure: %s\n", file, line, msg);
	env->soft_failures++;
}

/* ---- The TCP core ------------------------------------------------------------------------ */

/* The env the test application's instances belong to (one test runs at a time). */
static struct tt_test_env *tapp_env;
static const struct tt_app_def tapp_def;

void
tt_test_tcp_start(struct tt_test_env *env, const struct tt_app_def *const *apps)
{
	char err[256] = "";

	assert_null(env->w->tcp);
	tapp_env = env;
	if (tt_tcp_worker_init(env->w, &env->cfg, err, sizeof(err)) != 0)
		fail_msg("tt_tcp_worker_init: %s", err);
	if (tt_app_attach(env->w, apps, NULL, TT_APP_INLINE, err, sizeof(err)) != 0)
		fail_msg("tt_app_attach: %s", err);
	assert_non_null(env->w->tcp);
	/* The loop is running, as in production, before the first segment arrives. */
	tt_test_poll(env);
}

void
tt_test_tcp_start_app(struct tt_test_env *env)
{
	const struct tt_app_def *apps[TT_APP__COUNT];

	if (env->app == NULL) {
		env->app = calloc(1, sizeof(*env->app));
		assert_non_null(env->app);
		env->app->auto_accept = true;
		env->app->record = true;
	}
	for (unsigned int i = 0; i < TT_APP__COUNT; i++)
		apps[i] = &tapp_def;
	tt_test_tcp_start(env, apps);
}

void
tt_test_advance(struct tt_test_env *env, uint64_t ms)
{
	tt_clock_advance(&env->w->clock, ms);
	tt_test_poll(env);
}

uint64_t
tt_test_step_until(struct tt_test_env *env, uint64_t max_ms, tt_test_pred pred, const void *arg)
{
	for (uint64_t ms = 0; ms <= max_ms; ms++) {
		if (ms != 0)
			tt_test_advance(env, 1);
		if (pred(env, arg))
			return ms;
	}
	return UINT64_MAX;
}

bool
tt_test_pred_tx(struct tt_test_env *env, const void *arg)
{
	(void)arg;
	return tt_test_tx_count(env) != 0;
}

bool
tt_test_pred_no_req(struct tt_test_env *env, const void *arg)
{
	(void)arg;
	return tt_test_tcp_reqs(env) == 0;
}

bool
tt_test_pred_no_tw(struct tt_test_env *env, const void *arg)
{
	(void)arg;
	return tt_test_tcp_tws(env) == 0;
}

bool
tt_test_pred_no_conn(struct tt_test_env *env, const void *arg)
{
	(void)arg;
	return tt_test_tcp_conns(env) == 0;
}

bool
tt_test_pred_event(struct tt_test_env *env, const void *arg)
{
	(void)arg;
	return tt_test_ev_count(env) != 0;
}

#define EXPECT_AT_SLACK_MS 64

void
tt_test_expect_at(struct tt_test_env *env, uint64_t ms, tt_test_pred pred, const void *arg,
		  const char *what, const char *file, int line)
{
	uint64_t start = tt_test_now(env), took;

	assert_true(ms > 0);
	if (ms > 1)
		tt_test_advance(env, ms - 1);
	if (pred(env, arg)) {
		print_error("%s:%d: %s already at +%" PRIu64 " ms, expected at +%" PRIu64 " ms\n",
			    file, line, what, ms - 1, ms);
		_fail(file, line);
	}
	took = tt_test_step_until(env, EXPECT_AT_SLACK_MS + 1, pred, arg);
	if (took == UINT64_MAX) {
		print_error("%s:%d: %s not by +%" PRIu64 " ms, expected at +%" PRIu64 " ms\n", file,
			    line, what, ms + EXPECT_AT_SLACK_MS, ms);
		_fail(file, line);
	}
	if (tt_test_now(env) - start != ms)
		tt_test_soft_fail(env, file, line, "%s at clock %" PRIu64 " ms, expected at %" PRIu64
				  " ms (%+" PRId64 " ms)", what, tt_test_now(env), start + ms,
				  (int64_t)(tt_test_now(env) - start - ms));
}

#define SETTLE_MAX_MS (4 * 3600 * 1000ull)
#define SETTLE_STEP_MAX_MS 60000

void
tt_test_tcp_settle(struct tt_test_env *env)
{
	struct tt_tcp *t = env->w->tcp;
	uint64_t step = 1000;

	tt_test_poll(env);
	for (uint64_t spent = 0; spent < SETTLE_MAX_MS; spent += step) {
		/*
		 * A quiet step doubles the next: RTO backoffs and TIME_WAIT still fire at their
		 * own ticks inside a jump (the wheel runs them in order), and long backoffs then
		 * cost a few loop iterations instead of one per second (fuzz_tcp settles after
		 * every input).
		 */
		if (tt_test_tx_drain(env) == 0 && step < SETTLE_STEP_MAX_MS)
			step *= 2;
		if (tt_tcp_timers_armed(t) == 0 && t->n_out == 0 && t->ev_head == NULL &&
		    env->w->neigh->n_pending == 0)
			break;
		tt_test_advance(env, step);
	}
	tt_test_tx_drain(env);
}

uint32_t
tt_test_tcp_conns(const struct tt_test_env *env)
{
	return tt_objpool_in_use(&env->w->tcp->conns);
}

uint32_t
tt_test_tcp_reqs(const struct tt_test_env *env)
{
	return tt_objpool_in_use(&env->w->tcp->reqs);
}

uint32_t
tt_test_tcp_tws(const struct tt_test_env *env)
{
	return tt_objpool_in_use(&env->w->tcp->tws);
}

struct tt_listener *
tt_test_listener(struct tt_test_env *env, uint16_t port)
{
	struct tt_listener *l = tt_listen_lookup(env->w->tcp, rte_cpu_to_be_16(port));

	assert_non_null(l);
	return l;
}

const char *
tt_test_tcp_books_problem(struct tt_test_env *env, char *buf, size_t len)
{
	struct tt_tcp *t = env->w->tcp;
	uint32_t flows = 0, syn_q = 0, conn_flows;

	for (unsigned int s = 0; s < TT_TCPS__COUNT; s++)
		flows += t->n_state[s];
	for (uint16_t i = 0; i < t->n_listeners; i++) {
		syn_q += t->listeners[i].syn_q;
		if (rte_ring_count(t->listeners[i].acceptq) > t->listeners[i].accept_max) {
			snprintf(buf, len, "books: accept queue of port %u above its capacity %u",
				 t->listeners[i].port, t->listeners[i].accept_max);
			return buf;
		}
	}
	/* SYN_RECV: the SYN queues' requests, and TCBs of simultaneous opens (A1). */
	conn_flows = flows - tt_test_tcp_reqs(env) - t->n_state[TT_TCPS_TIME_WAIT];
	if (tt_flow_table_audit(t, buf, len) < 0)
		return buf;
	if (flows == tt_flow_count(t) &&
	    t->n_state[TT_TCPS_SYN_RECV] >= tt_test_tcp_reqs(env) && syn_q == tt_test_tcp_reqs(env) &&
	    t->n_state[TT_TCPS_TIME_WAIT] == tt_test_tcp_tws(env) &&
	    tt_test_tcp_tws(env) <= RTE_MAX(t->tw_max, 1u) && conn_flows <= tt_test_tcp_conns(env) &&
	    TT_TEST_STAT(env, CurrEstab) == (uint64_t)t->n_state[TT_TCPS_ESTABLISHED] +
	    t->n_state[TT_TCPS_CLOSE_WAIT])
		return NULL;
	snprintf(buf, len, "books: %u flows in states, %u in the table; SYN_RECV %u, requests %u, syn_q %u; TIME_WAIT %u, entries %u (max %u); TCB flows %u, TCBs %u; CurrEstab %" PRIu64 " vs %u + %u",
		 flows, tt_flow_count(t), t->n_state[TT_TCPS_SYN_RECV],
		 tt_test_tcp_reqs(env), syn_q, t->n_state[TT_TCPS_TIME_WAIT], tt_test_tcp_tws(env),
		 t->tw_max, conn_flows, tt_test_tcp_conns(env), TT_TEST_STAT(env, CurrEstab),
		 t->n_state[TT_TCPS_ESTABLISHED], t->n_state[TT_TCPS_CLOSE_WAIT]);
	return buf;
}

#define S(name) TT_TEST_STAT(env, name)

const char *
tt_test_counters_problem(const struct tt_test_env *env, char *buf, size_t len)
{
	if (S(IpInReceives) != S(IpInHdrErrors) + S(IpReasmReqds) + S(IpInAddrErrors) +
	    S(IpInUnknownProtos) + S(IpInDelivers))
		snprintf(buf, len, "counters: IpInReceives %" PRIu64 " is not the sum of its drop reasons and IpInDelivers",
			 S(IpInReceives));
	else if (S(IpExtInCsumErrors) > S(IpInHdrErrors))
		snprintf(buf, len, "counters: IpExtInCsumErrors above IpInHdrErrors");
	else if (S(IpInDelivers) != S(InSegs) + S(IcmpInMsgs) + S(EthInGroupTcp))
		snprintf(buf, len, "counters: IpInDelivers %" PRIu64 " != InSegs %" PRIu64 " + IcmpInMsgs %" PRIu64 " + EthInGroupTcp %" PRIu64,
			 S(IpInDelivers), S(InSegs), S(IcmpInMsgs), S(EthInGroupTcp));
	/*
	 * A message counts under its type once its checksum is good; an error whose quote is
	 * bad, or names no flow of ours, counts in IcmpInErrors as well (as in Linux).
	 */
	else if (S(IcmpInMsgs) < S(IcmpInOther) + S(IcmpInEchos) + S(IcmpInDestUnreachs) +
		 S(IcmpInTimeExcds) + S(IcmpInParmProbs) ||
		 S(IcmpInMsgs) > S(IcmpInErrors) + S(IcmpInOther) + S(IcmpInEchos) +
		 S(IcmpInDestUnreachs) + S(IcmpInTimeExcds) + S(IcmpInParmProbs) ||
		 S(IcmpInCsumErrors) > S(IcmpInErrors) || S(IcmpInEchos) != S(IcmpOutEchoReps) ||
		 S(IcmpOutMsgs) != S(IcmpOutEchoReps))
		snprintf(buf, len, "counters: ICMP in/out do not balance");
	else if (S(InCsumErrors) > S(InErrs) || S(OutRsts) > S(OutSegs) ||
		 S(RetransSegs) > S(OutSegs))
		snprintf(buf, len, "counters: InCsumErrors %" PRIu64 " > InErrs %" PRIu64 ", or OutRsts %" PRIu64 " / RetransSegs %" PRIu64 " > OutSegs %" PRIu64,
			 S(InCsumErrors), S(InErrs), S(OutRsts), S(RetransSegs), S(OutSegs));
	else if (S(IpOutRequests) != S(OutSegs) + S(IcmpOutMsgs))
		snprintf(buf, len, "counters: IpOutRequests %" PRIu64 " != OutSegs %" PRIu64 " + IcmpOutMsgs %" PRIu64,
			 S(IpOutRequests), S(OutSegs), S(IcmpOutMsgs));
	/*
	 * A datagram IP counted may still wait for ARP (an active open's SYN), or have been
	 * given up with its next hop (ArpUnresolvedDiscards, which also counts frames refused
	 * a place in the queue: those are not waiting either).
	 */
	else if (S(EthOutFrames) + S(EthOutDrops) + S(ArpUnresolvedDiscards) +
		 env->w->neigh->n_pending !=
		 S(IpOutRequests) + S(ArpOutReplies) + S(ArpOutRequests))
		snprintf(buf, len, "counters: EthOutFrames %" PRIu64 " + EthOutDrops %" PRIu64 " (+ ARP-held) != IpOutRequests %" PRIu64 " + ARP out %" PRIu64,
			 S(EthOutFrames), S(EthOutDrops), S(IpOutRequests),
			 S(ArpOutReplies) + S(ArpOutRequests));
	else if (S(ArpOutReplies) > S(ArpInRequests))
		snprintf(buf, len, "counters: more ARP replies than requests");
	else
		return NULL;
	return buf;
}

#undef S

void
tt_test_app_close_all(struct tt_test_env *env, bool abort)
{
	struct tt_tcp *t = env->w->tcp;

	/*
	 * Every handle the application holds, from the pool (the test application's own list
	 * stops at TT_TEST_APP_LIVE_MAX). Neither call frees a TCB at once (the 'closed' event
	 * does), so the walk stays valid.
	 */
	for (uint32_t i = 1; i < t->conns.size; i++) {
		struct tt_conn *c = tt_objpool_at(&t->conns, i);
		tt_conn_t h;

		if (!(c->cflags & TT_CF_ACCEPTED) || (c->cflags & TT_CF_DEAD))
			continue;
		h = tt_conn_handle(t, c);
		if (abort)
			tt_test_app_abort(env, h);
		else
			tt_test_app_close(env, h);
	}
	tt_test_poll(env);
}

static const char *const tev_name[] = {
	[TT_TEV_ACCEPTED] = "accepted", [TT_TEV_DATA] = "data",
	[TT_TEV_PEER_CLOSED] = "peer_closed", [TT_TEV_CLOSED] = "closed",
	[TT_TEV_WRITABLE] = "writable", [TT_TEV_CONNECTED] = "connected",
	[TT_TEV_TIMEOUT] = "timeout",
};

/* Which pool slots are free, from the pool's stack of free indices. */
static bool *
pool_free_map(const struct tt_objpool *p)
{
	bool *free_map = calloc(p->size, sizeof(bool));

	if (free_map != NULL)
		for (uint32_t i = 0; i < p->n_free; i++)
			free_map[p->free[i]] = true;
	return free_map;
}

/* TCBs: in use after settling is a leak; a free one still holding payload leaked mbufs. */
static int
tcp_check_conns(struct tt_test_env *env)
{
	struct tt_tcp *t = env->w->tcp;
	bool *free_map = pool_free_map(&t->conns);
	int rc = 0;

	if (free_map == NULL)
		return -1;
	for (uint32_t i = 1; i < t->conns.size; i++) {
		struct tt_conn *c = tt_objpool_at(&t->conns, i);

		if (free_map[i]) {
			if (c->rcvq != NULL) {
				print_error("teardown: freed TCB %u still holds %u bytes of received payload (mbufs leaked)\n",
					    i, c->rcvq_len);
				rc = -1;
			}
			continue;
		}
		print_error("teardown: TCB %u still in use after every timer ran out: state %s, cflags 0x%x, port %u, sndq %u, rcvq %u\n",
			    i, tt_tcp_state_name[c->state], c->cflags, rte_be_to_cpu_16(c->flow.rport),
			    c->sndq_len, c->rcvq_len);
		/* Reported: give its payload back so the mbuf count shows only other leaks. */
		rte_pktmbuf_free(c->rcvq);
		c->rcvq = NULL;
		rc = -1;
	}
	free(free_map);
	return rc;
}

int
tt_test_tcp_stop(struct tt_test_env *env)
{
	struct tt_tcp *t = env->w->tcp;
	struct tt_test_app *a = env->app;
	int rc = 0;

	if (a != NULL) {
		for (unsigned int i = 0; i < a->n; i++) {
			const struct tt_test_ev *ev = &a->ev[(a->head + i) % TT_TEST_EV_MAX];

			print_error("teardown: application event not consumed by the test: %s (conn 0x%"
				    PRIx64 ", len %u, why %d)\n", tev_name[ev->type], ev->conn, ev->len,
				    (int)ev->why);
			rc = -1;
		}
		if (a->lost != 0 || a->anomalies != 0) {
			print_error("teardown: %u event(s) lost (queue full), %u for handles never accepted\n",
				    a->lost, a->anomalies);
			rc = -1;
		}
	}
	tt_test_tcp_settle(env);
	if (a != NULL)
		a->n = 0;     /* consequences of what the test left behind, judged below */
	if (tcp_check_conns(env) != 0)
		rc = -1;
	if (tt_test_tcp_reqs(env) != 0 || tt_test_tcp_tws(env) != 0) {
		print_error("teardown: %u SYN queue entr(ies), %u TIME_WAIT entr(ies) still in use after every timer ran out\n",
			    tt_test_tcp_reqs(env), tt_test_tcp_tws(env));
		rc = -1;
	}
	/* R2: every buffer charged to a queue was uncharged when it left. */
	if (rc == 0 && t->mem.held != 0) {
		print_error("teardown: %u mbuf(s) still charged to TCP queues with every TCB gone\n",
			    t->mem.held);
		rc = -1;
	}
	if (tt_flow_count(t) != 0 || tt_tcp_timers_armed(t) != 0) {
		print_error("teardown: %u flow(s) in the table, %u timer(s) armed after settling\n",
			    tt_flow_count(t), tt_tcp_timers_armed(t));
		rc = -1;
	}
	for (uint16_t i = 0; i < t->n_listeners; i++) {
		struct tt_listener *l = &t->listeners[i];

		if (l->syn_q != 0 || rte_ring_count(l->acceptq) != 0) {
			print_error("teardown: listener %u: syn_q %u, accept queue %u\n", l->port,
				    l->syn_q, rte_ring_count(l->acceptq));
			rc = -1;
		}
	}
	for (unsigned int s = 0; s < TT_TCPS__COUNT; s++)
		if (t->n_state[s] != 0) {
			print_error("teardown: %u flow(s) counted in state %s\n", t->n_state[s],
				    tt_tcp_state_name[s]);
			rc = -1;
		}
	if (TT_TEST_STAT(env, CurrEstab) != 0) {
		print_error("teardown: CurrEstab %" PRIu64 "\n", TT_TEST_STAT(env, CurrEstab));
		rc = -1;
	}
	tt_app_detach(env->w);
	tt_tcp_worker_fini(env->w);
	return rc;
}

/* ---- The test application ------------------------------------------------------------------ */

#define TAPP_MAGIC 0x7474617070000000ull   /* "ttapp": udata of a handle the app accepted */

uint32_t
tt_test_fnv(const void *data, size_t len, uint32_t h)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static struct tt_test_ev tapp_scratch;

static struct tt_test_ev *
tapp_record(struct tt_test_env *env, enum tt_test_ev_type type, tt_conn_t c)
{
	struct tt_test_app *a = env->app;
	struct tt_test_ev *ev = &tapp_scratch;

	a->count[type]++;
	if (a->record) {
		if (a->n == TT_TEST_EV_MAX)
			a->lost++;
		else
			ev = &a->ev[(a->head + a->n++) % TT_TEST_EV_MAX];
	}
	memset(ev, 0, offsetof(struct tt_test_ev, data));
	ev->type = type;
	ev->conn = c;
	return ev;
}

static void
tapp_check_handle(struct tt_test_env *env, struct tt_app_ctx *ctx, tt_conn_t c,
		  enum tt_test_ev_type type)
{
	uint64_t *u = tt_app_udata(ctx, c);

	if (u == NULL || (*u & ~0xffffffull) != TAPP_MAGIC) {
		print_error("test app: %s event for handle 0x%" PRIx64 " it never accepted\n",
			    tev_name[type], c);
		env->app->anomalies++;
	}
}

static void
tapp_react(struct tt_app_ctx *ctx, tt_conn_t c, enum tt_test_react r)
{
	switch (r) {
	case TT_TREACT_CLOSE:
		tt_app_close(ctx, c);
		break;
	case TT_TREACT_SHUTDOWN:
		tt_app_shutdown(ctx, c);
		break;
	case TT_TREACT_ABORT:
		tt_app_abort(ctx, c);
		break;
	case TT_TREACT_NONE:
		break;
	}
}

static int
tapp_init(struct tt_app_ctx *ctx)
{
	ctx->priv = tapp_env;
	return 0;
}

static void
tapp_accepted(struct tt_app_ctx *ctx, tt_conn_t c, uint16_t port)
{
	struct tt_test_env *env = ctx->priv;
	struct tt_test_app *a = env->app;
	struct tt_test_ev *ev = tapp_record(env, TT_TEV_ACCEPTED, c);
	uint64_t *u = tt_app_udata(ctx, c);

	ev->port = port;
	if (u == NULL || *u != 0) {
		print_error("test app: accepted handle 0x%" PRIx64 " without zeroed udata\n", c);
		a->anomalies++;
	} else {
		*u = TAPP_MAGIC | (a->count[TT_TEV_ACCEPTED] & 0xffffff);
	}
	if (a->n_live < TT_TEST_APP_LIVE_MAX)
		a->live[a->n_live++] = c;
	if (a->hook != NULL)
		a->hook(env, ctx, ev);
}

static void
tapp_data(struct tt_app_ctx *ctx, tt_conn_t c, struct rte_mbuf *m)
{
	struct tt_test_env *env = ctx->priv;
	struct tt_test_app *a = env->app;
	struct tt_test_ev *ev = tapp_record(env, TT_TEV_DATA, c);
	uint32_t h = TT_TEST_FNV_INIT;

	tapp_check_handle(env, ctx, c, TT_TEV_DATA);
	ev->len = rte_pktmbuf_pkt_len(m);
	/* Hashed for whoever reads the event (a test, a hook); a benchmark reads neither. */
	if (a->record || a->hook != NULL)
		for (const struct rte_mbuf *s = m; s != NULL; s = s->next)
			h = tt_test_fnv(rte_pktmbuf_mtod(s, const void *), s->data_len, h);
	ev->hash = h;
	if (ev != &tapp_scratch) {
		uint32_t n = RTE_MIN(ev->len, (uint32_t)TT_TEST_EV_DATA);
		const void *d = rte_pktmbuf_read(m, 0, n, ev->data);

		/* rte_pktmbuf_read copies only when the bytes span segments. */
		if (d != NULL && d != ev->data)
			memcpy(ev->data, d, n);
	}
	if (a->echo)
		tt_app_send(ctx, c, m);
	else
		rte_pktmbuf_free(m);
	tapp_react(ctx, c, a->on_data);
	if (a->hook != NULL)
		a->hook(env, ctx, ev);
}

static void
tapp_peer_closed(struct tt_app_ctx *ctx, tt_conn_t c)
{
	struct tt_test_env *env = ctx->priv;
	struct tt_test_app *a = env->app;
	struct tt_test_ev *ev = tapp_record(env, TT_TEV_PEER_CLOSED, c);

	tapp_check_handle(env, ctx, c, TT_TEV_PEER_CLOSED);
	tapp_react(ctx, c, a->on_peer_closed);
	if (a->hook != NULL)
		a->hook(env, ctx, ev);
}

static void
tapp_writable(struct tt_app_ctx *ctx, tt_conn_t c)
{
	struct tt_test_env *env = ctx->priv;
	struct tt_test_ev *ev;

	tapp_check_handle(env, ctx, c, TT_TEV_WRITABLE);
	if (!env->app->writable_events) {
		env->app->count[TT_TEV_WRITABLE]++;
		return;
	}
	ev = tapp_record(env, TT_TEV_WRITABLE, c);
	if (env->app->hook != NULL)
		env->app->hook(env, ctx, ev);
}

static void
tapp_closed(struct tt_app_ctx *ctx, tt_conn_t c, enum tt_close_reason why)
{
	struct tt_test_env *env = ctx->priv;
	struct tt_test_app *a = env->app;
	struct tt_test_ev *ev = tapp_record(env, TT_TEV_CLOSED, c);

	tapp_check_handle(env, ctx, c, TT_TEV_CLOSED);
	ev->why = why;
	for (unsigned int i = 0; i < a->n_live; i++)
		if (a->live[i] == c) {
			a->live[i] = a->live[--a->n_live];
			break;
		}
	if (a->hook != NULL)
		a->hook(env, ctx, ev);
}

static void
tapp_connected(struct tt_app_ctx *ctx, tt_conn_t c)
{
	struct tt_test_env *env = ctx->priv;
	struct tt_test_ev *ev = tapp_record(env, TT_TEV_CONNECTED, c);

	tapp_check_handle(env, ctx, c, TT_TEV_CONNECTED);
	if (env->app->hook != NULL)
		env->app->hook(env, ctx, ev);
}

static void
tapp_timeout(struct tt_app_ctx *ctx, tt_conn_t c)
{
	struct tt_test_env *env = ctx->priv;
	struct tt_test_ev *ev = tapp_record(env, TT_TEV_TIMEOUT, c);

	tapp_check_handle(env, ctx, c, TT_TEV_TIMEOUT);
	if (env->app->hook != NULL)
		env->app->hook(env, ctx, ev);
}

static void
tapp_poll(struct tt_app_ctx *ctx, uint64_t now_ms)
{
	struct tt_test_env *env = ctx->priv;

	(void)now_ms;
	if (env->app->auto_accept)
		while (tt_app_accept_burst(ctx, 64) != 0)
			;
}

static const struct tt_app_ops tapp_ops = {
	.init = tapp_init,
	.accepted = tapp_accepted,
	.data = tapp_data,
	.peer_closed = tapp_peer_closed,
	.writable = tapp_writable,
	.closed = tapp_closed,
	.connected = tapp_connected,
	.timeout = tapp_timeout,
	.poll = tapp_poll,
};

static const struct tt_app_def tapp_def = { .name = "test", .ops = &tapp_ops };

unsigned int
tt_test_ev_count(const struct tt_test_env *env)
{
	return env->app != NULL ? env->app->n : 0;
}

const struct tt_test_ev *
tt_test_ev_expect(struct tt_test_env *env, enum tt_test_ev_type type, tt_conn_t conn,
		  const char *file, int line)
{
	struct tt_test_app *a = env->app;
	const struct tt_test_ev *ev;

	if (a == NULL || a->n == 0) {
		print_error("%s:%d: expected a %s event, got none\n", file, line, tev_name[type]);
		_fail(file, line);
	}
	ev = &a->ev[a->head];
	a->head = (a->head + 1) % TT_TEST_EV_MAX;
	a->n--;
	if (ev->type != type || (conn != 0 && ev->conn != conn)) {
		print_error("%s:%d: expected a %s event (conn 0x%" PRIx64 "), got %s (conn 0x%"
			    PRIx64 ", len %u, why %d)\n", file, line, tev_name[type], conn,
			    tev_name[ev->type], ev->conn, ev->len, (int)ev->why);
		_fail(file, line);
	}
	return ev;
}

void
tt_test_ev_none(struct tt_test_env *env, const char *file, int line)
{
	struct tt_test_app *a = env->app;

	if (a != NULL && a->n != 0) {
		const struct tt_test_ev *ev = &a->ev[a->head];

		print_error("%s:%d: expected no event, got %s (conn 0x%" PRIx64 ", len %u, why %d)%s\n",
			    file, line, tev_name[ev->type], ev->conn, ev->len, (int)ev->why,
			    a->n > 1 ? " and more" : "");
		_fail(file, line);
	}
}

/* The application context of the listener c belongs to (listener 0 for a dead handle). */
static struct tt_app_ctx *
conn_ctx(struct tt_test_env *env, tt_conn_t c)
{
	struct tt_tcp *t = env->w->tcp;
	struct tt_conn *tc = tt_conn_from_handle(t, c);

	if (tc != NULL && tc->listener < t->n_listeners)
		return &t->listeners[tc->listener].app;
	return &t->listeners[0].app;
}

unsigned int
tt_test_app_accept(struct tt_test_env *env, uint16_t port, unsigned int n)
{
	return tt_app_accept_burst(&tt_test_listener(env, port)->app, n);
}

/*
 * tt_tb_pattern's bytes from offset off on. The pattern repeats every 256 bytes (7 is odd),
 * so it is copied from a table: the byte loop cost the fuzz target a twentieth of its time.
 */
static void
fill_pattern(uint8_t *p, uint32_t off, uint32_t n)
{
	static uint8_t table[512];

	if (table[0] == 0)
		for (unsigned int i = 0; i < RTE_DIM(table); i++)
			table[i] = tt_tb_pattern(i);
	while (n > 0) {
		uint32_t k = RTE_MIN(n, 256u);

		memcpy(p, table + (off & 255), k);
		p += k;
		off += k;
		n -= k;
	}
}

int
tt_test_app_send(struct tt_test_env *env, tt_conn_t c, const void *data, uint32_t len)
{
	struct rte_mbuf *head = NULL;
	uint32_t off = 0;

	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(env->pool);
		uint32_t n = RTE_MIN(len - off, (uint32_t)rte_pktmbuf_tailroom(m));
		uint8_t *p;

		assert_non_null(m);
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
		if (data != NULL)
			memcpy(p, (const uint8_t *)data + off, n);
		else
			fill_pattern(p, off, n);
		off += n;
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
	} while (off < len);
	return tt_app_send(conn_ctx(env, c), c, head);
}

int
tt_test_app_send_mbuf(struct tt_test_env *env, tt_conn_t c, struct rte_mbuf *m)
{
	return tt_app_send(conn_ctx(env, c), c, m);
}

void
tt_test_abort_conn(struct tt_test_env *env, struct tt_test_peer *p, tt_conn_t h)
{
	struct tt_test_seg s;

	assert_int_equal(tt_test_app_abort(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, p, &s);
	assert_true(s.flags & RTE_TCP_RST_FLAG);
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
}

uint32_t
tt_test_app_send_space(struct tt_test_env *env, tt_conn_t c)
{
	return tt_app_send_space(conn_ctx(env, c), c);
}

int
tt_test_app_shutdown(struct tt_test_env *env, tt_conn_t c)
{
	return tt_app_shutdown(conn_ctx(env, c), c);
}

int
tt_test_app_connect(struct tt_test_env *env, uint16_t port, uint32_t ip, uint16_t dport,
		    tt_conn_t *out)
{
	struct tt_test_app *a = env->app;
	struct tt_endpoint dst = { .addr = ip, .port = dport };
	int rc;

	assert_non_null(a);
	/* As an accepted handle's: the events that follow pass tapp_check_handle. */
	rc = tt_app_connect(&tt_test_listener(env, port)->app, &dst,
			    TAPP_MAGIC | (a->n_live & 0xffffff), out);
	if (rc == 0 && a->n_live < TT_TEST_APP_LIVE_MAX)
		a->live[a->n_live++] = *out;
	return rc;
}

int
tt_test_app_close(struct tt_test_env *env, tt_conn_t c)
{
	return tt_app_close(conn_ctx(env, c), c);
}

int
tt_test_app_abort(struct tt_test_env *env, tt_conn_t c)
{
	return tt_app_abort(conn_ctx(env, c), c);
}

/* ---- A client ------------------------------------------------------------------------------ */

#define OPT_NOP 1
#define OPT_MSS 2
#define OPT_WS 3
#define OPT_SACK_OK 4
#define OPT_TS 8

void
tt_test_peer_init(struct tt_test_peer *p, uint16_t sport, uint32_t isn)
{
	*p = (struct tt_test_peer){
		.ip = TT_TEST_IP_PEER,
		.sport = sport,
		.dport = 80,
		.mss = 1460,
		.wscale = 7,
		.sack_ok = true,
		.ts = true,
		.isn = isn,
		.snd_nxt = isn,
		.win = 65535,
		.tsval = 0x10000,
		.snd_wscale = -1,
	};
}

static uint8_t *
put_ts_opt(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = OPT_TS;
	o[1] = 10;
	o[2] = (uint8_t)(tsval >> 24);
	o[3] = (uint8_t)(tsval >> 16);
	o[4] = (uint8_t)(tsval >> 8);
	o[5] = (uint8_t)tsval;
	o[6] = (uint8_t)(tsecr >> 24);
	o[7] = (uint8_t)(tsecr >> 16);
	o[8] = (uint8_t)(tsecr >> 8);
	o[9] = (uint8_t)tsecr;
	return o + 10;
}

/* Linux's layouts: a SYN's MSS, SACK-permitted, TS, NOP, WS; then NOP NOP TS on each segment. */
static uint8_t
peer_opts(const struct tt_test_peer *p, uint8_t flags, uint8_t *opt)
{
	uint8_t *o = opt;

	if (flags & RTE_TCP_SYN_FLAG) {
		if (p->mss != 0) {
			*o++ = OPT_MSS;
			*o++ = 4;
			*o++ = (uint8_t)(p->mss >> 8);
			*o++ = (uint8_t)p->mss;
		}
		if (p->sack_ok && p->ts) {
			*o++ = OPT_SACK_OK;
			*o++ = 2;
			o = put_ts_opt(o, p->tsval, (flags & RTE_TCP_ACK_FLAG) ? p->ts_recent : 0);
		} else if (p->ts) {
			*o++ = OPT_NOP;
			*o++ = OPT_NOP;
			o = put_ts_opt(o, p->tsval, (flags & RTE_TCP_ACK_FLAG) ? p->ts_recent : 0);
		} else if (p->sack_ok) {
			*o++ = OPT_NOP;
			*o++ = OPT_NOP;
			*o++ = OPT_SACK_OK;
			*o++ = 2;
		}
		if (p->wscale >= 0) {
			*o++ = OPT_NOP;
			*o++ = OPT_WS;
			*o++ = 3;
			*o++ = (uint8_t)p->wscale;
		}
	} else if (p->ts_ok) {
		*o++ = OPT_NOP;
		*o++ = OPT_NOP;
		o = put_ts_opt(o, p->tsval, p->ts_recent);
	}
	return (uint8_t)(o - opt);
}

struct rte_mbuf *
tt_test_peer_build(struct tt_test_env *env, const struct tt_test_peer *p, uint8_t flags,
		   uint32_t seq, uint32_t ack, const void *data, uint16_t len)
{
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);
	uint8_t opt[40];

	b.ip_src = p->ip;
	b.tcp_sport = p->sport;
	b.tcp_dport = p->dport;
	b.tcp_seq = seq;
	b.tcp_ack = ack;
	b.tcp_flags = flags;
	b.tcp_win = p->win;
	b.tcp_opts_len = peer_opts(p, flags, opt);
	b.tcp_opts = opt;
	b.payload = data;
	b.payload_len = len;
	return tt_tb_build(env, &b);
}

void
tt_test_peer_xmit(struct tt_test_env *env, struct tt_test_peer *p, uint8_t flags, uint32_t seq,
		  uint32_t ack, const void *data, uint16_t len)
{
	tt_test_rx(env, tt_test_peer_build(env, p, flags, seq, ack, data, len));
	p->tsval++;
	tt_test_poll(env);
}

void
tt_test_peer_send(struct tt_test_env *env, struct tt_test_peer *p, uint8_t flags,
		  const void *data, uint16_t len)
{
	uint32_t seq = p->snd_nxt;

	p->snd_nxt += len + !!(flags & RTE_TCP_SYN_FLAG) + !!(flags & RTE_TCP_FIN_FLAG);
	tt_test_peer_xmit(env, p, flags, seq, (flags & RTE_TCP_ACK_FLAG) ? p->rcv_nxt : 0, data,
			  len);
}

void
tt_test_peer_syn(struct tt_test_env *env, struct tt_test_peer *p)
{
	p->snd_nxt = p->isn;
	tt_test_peer_send(env, p, RTE_TCP_SYN_FLAG, NULL, 0);
}

const char *
tt_test_seg_str(const struct tt_test_seg *s, char *buf, size_t len)
{
	char f[8];
	unsigned int n = 0;

	if (s->flags & RTE_TCP_SYN_FLAG)
		f[n++] = 'S';
	if (s->flags & RTE_TCP_FIN_FLAG)
		f[n++] = 'F';
	if (s->flags & RTE_TCP_RST_FLAG)
		f[n++] = 'R';
	if (s->flags & RTE_TCP_PSH_FLAG)
		f[n++] = 'P';
	if (s->flags & RTE_TCP_ACK_FLAG)
		f[n++] = '.';
	f[n] = '\0';
	snprintf(buf, len, "[%s] seq %u ack %u win %u len %u (flags 0x%02x)", f, s->seq, s->ack,
		 s->win, s->len, s->flags);
	return buf;
}

void
tt_test_seg_is(const struct tt_test_seg *s, uint8_t flags, uint32_t seq, uint32_t ack,
	       const char *file, int line)
{
	struct tt_test_seg want = *s;
	char got_s[96], want_s[96];

	if (s->flags == flags && s->seq == seq && s->ack == ack)
		return;
	want.flags = flags;
	want.seq = seq;
	want.ack = ack;
	print_error("%s:%d: expected %s\n%*sgot      %s\n", file, line,
		    tt_test_seg_str(&want, want_s, sizeof(want_s)), (int)strlen(file) + 8, "",
		    tt_test_seg_str(s, got_s, sizeof(got_s)));
	_fail(file, line);
}

static void
decode_seg(const struct tt_test_frame *f, struct tt_test_seg *s)
{
	uint16_t doff = (f->th->data_off >> 4) * 4u;

	memset(s, 0, offsetof(struct tt_test_seg, data));
	s->flags = f->th->tcp_flags;
	s->seq = rte_be_to_cpu_32(f->th->sent_seq);
	s->ack = rte_be_to_cpu_32(f->th->recv_ack);
	s->win = rte_be_to_cpu_16(f->th->rx_win);
	s->sport = rte_be_to_cpu_16(f->th->src_port);
	s->dport = rte_be_to_cpu_16(f->th->dst_port);
	s->optlen = (uint8_t)(doff - sizeof(*f->th));
	memcpy(s->opt, f->th + 1, s->optlen);
	if (tt_tcp_parse_options(s->opt, s->optlen, &s->opts) != 0)
		fail_msg("tcpterm sent options that do not parse");
	assert_true(f->data_len <= sizeof(s->data));
	s->len = f->data_len;
	memcpy(s->data, f->data, f->data_len);
}

void
tt_test_peer_recv(struct tt_test_env *env, struct tt_test_peer *p, struct tt_test_seg *s)
{
	struct rte_mbuf *m = tt_test_tx_pop(env);
	struct tt_test_frame f;

	if (m == NULL)
		fail_msg("expected a segment from tcpterm, none was sent");
	tt_test_decode(m, &f);
	assert_non_null(f.th);
	if (rte_be_to_cpu_16(f.ip->total_length) > env->port.mtu)
		fail_msg("tcpterm sent a %u-byte datagram, over the port's MTU %u",
			 rte_be_to_cpu_16(f.ip->total_length), env->port.mtu);
	assert_memory_equal(&f.eth->src_addr, &tt_test_mac_us, RTE_ETHER_ADDR_LEN);
	assert_memory_equal(&f.eth->dst_addr, &tt_test_mac_peer, RTE_ETHER_ADDR_LEN);
	assert_int_equal(f.ip->src_addr, TT_TEST_IP_US);
	assert_int_equal(f.ip->dst_addr, p->ip);
	assert_true(tt_test_ipv4_csum_ok(f.ip));
	assert_true(tt_test_l4_csum_ok(&f));
	decode_seg(&f, s);
	rte_pktmbuf_free(m);
	assert_int_equal(s->sport, p->dport);
	assert_int_equal(s->dport, p->sport);
	tt_test_peer_learn(p, s);
}

void
tt_test_peer_learn(struct tt_test_peer *p, const struct tt_test_seg *s)
{
	if (s->flags & RTE_TCP_SYN_FLAG) {
		p->irs = s->seq;
		p->rcv_nxt = s->seq + 1;
		p->ts_ok = p->ts && (s->opts.present & TT_TCP_OPT_TS);
		p->snd_wscale = (s->opts.present & TT_TCP_OPT_WSCALE) ? s->opts.wscale : -1;
	} else if (s->seq == p->rcv_nxt && !(s->flags & RTE_TCP_RST_FLAG)) {
		p->rcv_nxt += s->len + !!(s->flags & RTE_TCP_FIN_FLAG);
	}
	if (s->opts.present & TT_TCP_OPT_TS)
		p->ts_recent = s->opts.tsval;
}

void
tt_test_seg_decode(struct rte_mbuf *m, struct tt_test_seg *s)
{
	struct tt_test_frame f;

	tt_test_decode(m, &f);
	if (f.th == NULL)
		fail_msg("tt_test_seg_decode: not a TCP segment");
	decode_seg(&f, s);
}

tt_conn_t
tt_test_connect(struct tt_test_env *env, struct tt_test_peer *p)
{
	struct tt_test_seg s;

	tt_test_peer_syn(env, p);
	tt_test_peer_recv(env, p, &s);
	TT_TEST_SEG_IS(&s, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, p->irs, p->isn + 1);
	assert_int_equal(tt_test_tx_count(env), 0);
	tt_test_peer_send(env, p, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	if (env->app != NULL && env->app->auto_accept)
		return TT_TEST_EV(env, TT_TEV_ACCEPTED, 0)->conn;
	return 0;
}

static uintptr_t
peer_lookup(struct tt_test_env *env, const struct tt_test_peer *p, enum tt_flow_kind kind)
{
	struct tt_flow f = {
		.raddr = p->ip, .laddr = TT_TEST_IP_US,
		.rport = rte_cpu_to_be_16(p->sport), .lport = rte_cpu_to_be_16(p->dport),
	};
	uintptr_t v = tt_flow_lookup(env->w->tcp, &f);

	return v != 0 && (v & TT_FLOW_KIND_MASK) == kind ? v : 0;
}

struct tt_conn *
tt_test_tcp_conn(struct tt_test_env *env, const struct tt_test_peer *p)
{
	return tt_flow_ptr(peer_lookup(env, p, TT_FLOW_CONN));
}

struct tt_req *
tt_test_tcp_req(struct tt_test_env *env, const struct tt_test_peer *p)
{
	return tt_flow_ptr(peer_lookup(env, p, TT_FLOW_REQ));
}

struct tt_tw *
tt_test_tcp_tw(struct tt_test_env *env, const struct tt_test_peer *p)
{
	return tt_flow_ptr(peer_lookup(env, p, TT_FLOW_TW));
}

/* ---- Fuzz loops ---------------------------------------------------------------------------- */

uint64_t
tt_test_env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);

	return s != NULL && *s != '\0' ? strtoull(s, NULL, 0) : def;
}

void
tt_test_last_keep(struct tt_test_last_input *last, const struct rte_mbuf *m)
{
	last->len = RTE_MIN(rte_pktmbuf_data_len(m), (uint16_t)sizeof(last->bytes));
	memcpy(last->bytes, rte_pktmbuf_mtod(m, const void *), last->len);
}

void
tt_test_last_dump(const struct tt_test_last_input *last, uint64_t seed, unsigned long iter)
{
	print_error("seed 0x%" PRIx64 " iteration %lu, last input (%u bytes):", seed, iter,
		    last->len);
	for (uint16_t i = 0; i < last->len; i++)
		print_error("%s%02x", i % 16 == 0 ? "\n  " : " ", last->bytes[i]);
	print_error("\n");
}
