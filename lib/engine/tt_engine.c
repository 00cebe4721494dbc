/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Engine lifecycle: ports, per-worker pools and workers from the configuration, each layer
 * of a worker set up bottom first (dp fields, net, TCP registered with IPv4, tt_tcp_worker_init,
 * tt_app_attach) and torn down top first; run one worker loop per lcore; sum what they count.
 * Everything here is start-up, shutdown or a reader's view: no function of this file runs on
 * the data path.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pdump.h>
#include <rte_ring.h>

#include "../app/tt_app_priv.h"
#include "../dp/tt_log.h"
#include "../net/tt_net.h"
#include "../util/tt_in6.h"
#include "../tcp/tcp_conn.h"
#include "tt_config_priv.h"
#include "tt_eal.h"
#include "tt_engine_priv.h"
#include "tt_kernel_link.h"

#define TT_NEIGH_SIZE 1024

static_assert(TT_TCPS__COUNT <= RTE_DIM(((struct tt_status *)0)->states), "tt_status.states too small");
static_assert(TT_MAX_PORTS <= TT_STATUS_PORTS, "tt_status.port too small");
#define TT_MEMPOOL_CACHE 256

/*
 * Our addresses, and the protocols above IPv4 (DESIGN "Layers": IP never calls TCP by name).
 * IPv6 addresses start tentative for DAD (dad_transmits 0: preferred at once); the ports'
 * link-local addresses join them once the ports are set up (engine_ipv6_ports).
 */
static void
engine_vlan_add(struct tt_net *net, uint16_t vid)
{
	if (vid == 0)
		return;
	net->vlans = true;
	net->vlan_map[vid / 64] |= UINT64_C(1) << (vid % 64);
}

static int
engine_net_init(struct tt_engine *e, const struct tt_config *cfg, char *err, size_t errlen)
{
	struct tt_net *net = &e->net;
	int rc;

	net->n_addrs = cfg->n_addrs;
	for (uint32_t i = 0; i < cfg->n_addrs; i++) {
		net->addrs[i] = cfg->addrs[i].addr;
		net->prefix_len[i] = cfg->addrs[i].len;
		net->addr_vlan[i] = cfg->addrs[i].vlan;
		net->addr_port[i] = cfg->addrs[i].port;
		engine_vlan_add(net, cfg->addrs[i].vlan);
	}
	net->gateway = cfg->gateway;
	net->addr6_state = e->addr6_state;
	net->dad_transmits = cfg->dad_transmits;
	memcpy(net->gateway6, cfg->gateway6, sizeof(net->gateway6));
	net->n_addrs6 = cfg->n_addrs6;
	for (uint32_t i = 0; i < cfg->n_addrs6; i++) {
		memcpy(net->addrs6[i].a, cfg->addrs6[i].addr, 16);
		net->addrs6[i].len = cfg->addrs6[i].len;
		net->addrs6[i].port = cfg->addrs6[i].port;
		net->addrs6[i].vlan = cfg->addrs6[i].vlan;
		engine_vlan_add(net, cfg->addrs6[i].vlan);
	}
	for (uint32_t i = 0; i < TT_NET_ADDRS6; i++)
		e->addr6_state[i] = cfg->dad_transmits == 0 ? TT_ADDR6_PREFERRED : TT_ADDR6_TENTATIVE;
	rc = tt_tcp_register(net);
	if (rc != 0)
		snprintf(err, errlen, "cannot register TCP over IPv4: %s", strerror(-rc));
	return rc;
}

static struct tt_worker *
worker_create(struct tt_engine *e, uint16_t id, unsigned int lcore)
{
	int socket = rte_lcore_to_socket_id(lcore);
	char name[RTE_RING_NAMESIZE];
	struct tt_worker *w;

	w = rte_zmalloc_socket("tt_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL)
		return NULL;
	w->id = id;
	w->lcore = lcore;
	w->queue = id;
	w->burst = RTE_MIN(e->cfg.burst, (uint32_t)TT_BURST_MAX);
	w->layer_on = e->cfg.layer_cycles != 0;
	w->net = &e->net;
	w->pool = e->pools[id];
	w->syn_budget = UINT32_MAX;
	snprintf(name, sizeof(name), "tt_neigh_%u", id);
	w->neigh = tt_neigh_create(name, TT_NEIGH_SIZE, socket);
	snprintf(name, sizeof(name), "tt_inbox_%u", id);
	w->inbox = rte_ring_create(name, TT_INBOX_SIZE, socket, RING_F_SC_DEQ);
	if (w->neigh == NULL || w->inbox == NULL) {
		tt_neigh_free(w->neigh);
		rte_ring_free(w->inbox);
		rte_free(w);
		return NULL;
	}
	w->impair = tt_impair_create(&e->impair, id, e->n_ports, socket);
	if (w->impair == NULL) {
		tt_neigh_free(w->neigh);
		rte_ring_free(w->inbox);
		rte_free(w);
		return NULL;
	}
	tt_clock_init(&w->clock);
	return w;
}

static void
worker_free(struct tt_worker *w)
{
	struct rte_mbuf *m;

	if (w == NULL)
		return;
	for (uint16_t pi = 0; pi < w->n_ports; pi++) {
		rte_pktmbuf_free_bulk(w->tx[pi].pkts, w->tx[pi].n);
		w->tx[pi].n = 0;
	}
	tt_app_detach(w);
	tt_tcp_worker_fini(w);
	while (rte_ring_dequeue(w->inbox, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	tt_impair_free(w->impair);
	rte_ring_free(w->inbox);
	tt_neigh_free(w->neigh);
	rte_free(w);
}

/*
 * The lcores' roles: every EAL lcore a worker, or with app_lcores the first half workers and
 * the second half their applications' lcores (worker i's on the (n/2 + i)-th).
 */
static int
engine_lcores(struct tt_engine *e, char *err, size_t errlen)
{
	unsigned int n = rte_lcore_count(), lcore, i = 0;

	if (e->cfg.app_lcores && (n < 2 || n % 2 != 0)) {
		snprintf(err, errlen,
			 "app_lcores = 1 runs each worker's applications on an lcore of its own: give EAL an even number of lcores (-l), not %u",
			 n);
		return -EINVAL;
	}
	e->n_workers = (uint16_t)(e->cfg.app_lcores ? n / 2 : n);
	RTE_LCORE_FOREACH(lcore) {
		if (i < e->n_workers)
			e->worker_lcore[i] = lcore;
		else
			e->app_lcore[i - e->n_workers] = lcore;
		i++;
	}
	for (i = 0; i < e->n_workers && !e->cfg.app_lcores; i++)
		e->app_lcore[i] = TT_APP_INLINE;
	return 0;
}

static int
engine_pools(struct tt_engine *e, char *err, size_t errlen)
{
	for (uint16_t id = 0; id < e->n_workers; id++) {
		unsigned int lcore = e->worker_lcore[id];
		char name[RTE_MEMPOOL_NAMESIZE];

		snprintf(name, sizeof(name), "tt_mbuf_%u", id);
		e->pools[id] = rte_pktmbuf_pool_create(name, e->cfg.mbufs, TT_MEMPOOL_CACHE, 0,
						       RTE_MBUF_DEFAULT_BUF_SIZE,
						       rte_lcore_to_socket_id(lcore));
		if (e->pools[id] == NULL) {
			snprintf(err, errlen,
				 "cannot allocate %u mbufs for worker %u (%s): lower --mbufs or give EAL more memory (-m)",
				 e->cfg.mbufs, id, rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * Keys first (SPEC R3), then the software RETA's size: one that divides every RETA the
 * ports will be given, so each NIC's queue choice and tt_steer_worker() agree.
 */
static int
engine_steer(struct tt_engine *e, char *err, size_t errlen)
{
	uint16_t port_id;
	int rc = tt_steer_init(&e->steer, e->n_workers, e->cfg.rss, e->cfg.flow_hash);

	if (rc != 0) {
		snprintf(err, errlen, "no random bytes for the flow hash and RSS keys (getrandom: %s)",
			 strerror(-rc));
		return rc;
	}
	if (!tt_steer_rss(&e->steer))
		return 0;
	RTE_ETH_FOREACH_DEV(port_id) {
		uint32_t n = tt_port_rss_reta_size(port_id, e->n_workers);

		if (n != 0)
			tt_steer_reta_size(&e->steer, n);
	}
	return 0;
}

/* The index of the first port set up with a kernel side (a TAP, the kernel link), or -1. */
static int
kernel_side_index(const struct tt_engine *e)
{
	for (uint16_t i = 0; i < e->n_ports; i++)
		if (e->ports[i].kernel_ifname[0] != '\0')
			return i;
	return -1;
}

/*
 * One port set up and counted, its kernel side (if any) addressed. kernel_addr auto: each
 * kernel side from the --addr bound to its port, the first one also from those on every
 * port; an explicit kernel_addr goes to the first kernel side only, as one address on two
 * interfaces would confuse the kernel's routing.
 */
static int
port_add(struct tt_engine *e, uint16_t port_id, bool *steers, char *err, size_t errlen)
{
	struct tt_ipv4_prefix k4 = e->cfg.kernel_addr;
	struct tt_ipv6_prefix k6 = e->cfg.kernel_addr6;
	bool first_side = kernel_side_index(e) < 0;
	struct tt_port *p;
	int rc;

	if (e->n_ports == TT_MAX_PORTS) {
		snprintf(err, errlen, "more than %u ports: allow fewer devices", TT_MAX_PORTS);
		return -E2BIG;
	}
	p = &e->ports[e->n_ports];
	rc = tt_port_setup(p, port_id, e->n_workers, e->pools, &e->cfg, e->net.vlans, &e->steer,
			   err, errlen);
	if (rc == 0 && p->kernel_ifname[0] != '\0') {
		if (e->cfg.kernel_addr_auto)
			tt_config_kernel_addr_auto(&e->cfg, e->n_ports, first_side, &k4, &k6);
		else if (!first_side) {
			k4 = (struct tt_ipv4_prefix){ 0 };
			k6 = (struct tt_ipv6_prefix){ .len = 0 };
		}
	}
	if (rc == 0 && p->kernel_ifname[0] != '\0' && k4.addr != 0) {
		rc = tt_port_set_kernel_addr(p, k4.addr, k4.len, err, errlen);
		p->kernel_addr = k4.addr;
		p->kernel_addr_len = k4.len;
	}
	if (rc == 0 && p->kernel_ifname[0] != '\0' && k6.len != 0) {
		rc = tt_port_set_kernel_addr6(p, &k6, err, errlen);
		memcpy(p->kernel_addr6, k6.addr, 16);
		p->kernel_addr6_len = k6.len;
	}
	else if (rc == 0 && p->kernel_ifname[0] != '\0' && e->cfg.n_addrs6 != 0)
		rc = tt_port_tap_own_mac(p, err, errlen);
	if (rc != 0)
		return rc;
	*steers |= p->steers;
	e->n_ports++;
	return 0;
}

/*
 * EAL was given no device: the link to the local kernel (tt_kernel_link.c), a kind that
 * probes but does not start giving way to the next.
 */
static int
engine_kernel_link(struct tt_engine *e, bool *steers, char *err, size_t errlen)
{
	struct tt_kernel_link_state st;
	uint16_t port;
	int rc = tt_kernel_link_open(&st, e->cfg.kernel_link, e->n_workers, &port, err, errlen);

	while (rc == 0) {
		const char *kind = tt_kernel_link_driver();

		rc = port_add(e, port, steers, err, errlen);
		if (rc == 0) {
			TT_LOG(INFO, core, "kernel link: %s%s", kind,
			       strcmp(kind, "TAP") == 0 ? " (tt0)" :
			       " on a veth pair, the kernel on tt0, tcpterm on tt0p");
			return 0;
		}
		TT_LOG(INFO, core, "kernel link: the %s port did not start: %s", kind, err);
		rc = tt_kernel_link_next(&st, port, &port, err, errlen);
	}
	return rc;
}

/*
 * Whether port_id is a member of a net_bonding port (issue 10 item 2): the bond takes its
 * members when it is configured, from its own device arguments (DPDK 22.11 spells them
 * slave=NAME), so they are not ports of ours. Read before any port is set up.
 */
static bool
bond_member(uint16_t port_id)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t bond;

	if (rte_eth_dev_get_name_by_port(port_id, name) != 0)
		return false;
	RTE_ETH_FOREACH_DEV(bond) {
		struct rte_eth_dev_info info;
		const struct rte_devargs *da;
		const char *a;
		size_t n = strlen(name);

		if (bond == port_id || rte_eth_dev_info_get(bond, &info) != 0 ||
		    strcmp(info.driver_name, "net_bonding") != 0 || info.device == NULL)
			continue;
		da = rte_dev_devargs(info.device);
		for (a = da != NULL ? da->args : NULL; a != NULL && *a != '\0';
		     a += strcspn(a, ","), a += *a == ',') {
			if ((strncmp(a, "slave=", 6) == 0 && strncmp(a + 6, name, n) == 0 &&
			     (a[6 + n] == ',' || a[6 + n] == '\0')) ||
			    (strncmp(a, "member=", 7) == 0 && strncmp(a + 7, name, n) == 0 &&
			     (a[7 + n] == ',' || a[7 + n] == '\0')))
				return true;
		}
	}
	return false;
}

static int
engine_ports(struct tt_engine *e, char *err, size_t errlen)
{
	uint16_t port_id;
	bool steers = false;

	if (rte_eth_dev_count_avail() == 0 && tt_eal_no_device() &&
	    e->cfg.kernel_link != TT_KERNEL_LINK_NONE) {
		int rc = engine_kernel_link(e, &steers, err, errlen);

		if (rc != 0)
			return rc;
	} else {
		RTE_ETH_FOREACH_DEV(port_id) {
			int rc;

			if (bond_member(port_id)) {
				TT_LOG(INFO, core, "port %u is a member of a bonding port: not set up on its own",
				       port_id);
				continue;
			}
			rc = port_add(e, port_id, &steers, err, errlen);
			if (rc != 0)
				return rc;
		}
	}
	if (e->n_ports == 0) {
		snprintf(err, errlen,
			 "no usable port: give a device to EAL (e.g. --vdev=net_tap0 or -a PCI_ADDR), or none with --no-pci for the kernel link (kernel_link)");
		return -ENODEV;
	}
	tt_steer_finish(&e->steer, steers);
	if (e->n_workers > 1)
		TT_LOG(INFO, core, "flow owner: %s hash over a %u-entry RETA",
		       e->steer.owner == TT_OWNER_TOEPLITZ ? "Toeplitz (the ports' RSS)" :
		       e->steer.flow_key.aes ? "keyed AES rounds (hand-over)" :
					       "keyed SipHash-1-3 (hand-over)",
		       e->steer.reta_mask + 1);
	/* auto: /tcpterm/config shows what the first kernel side really got (port_add). */
	if (e->cfg.kernel_addr_auto &&
	    tt_engine_kernel_addrs(e, &e->cfg.kernel_addr, &e->cfg.kernel_addr6) == NULL) {
		e->cfg.kernel_addr = (struct tt_ipv4_prefix){ 0 };
		e->cfg.kernel_addr6 = (struct tt_ipv6_prefix){ .len = 0 };
	}
	/* An address the operator chose that no port can take: say so (auto stays quiet). */
	if (tt_engine_kernel_side(e) == NULL &&
	    (e->cfg.kernel_addr.addr != 0 || e->cfg.kernel_addr6.len != 0) &&
	    !e->cfg.kernel_addr_auto)
		TT_LOG(WARNING, core, "kernel_addr ignored: it addresses the kernel side of a TAP port or of the kernel link, and no port is either");
	return 0;
}

const char *
tt_engine_kernel_addrs(const struct tt_engine *e, struct tt_ipv4_prefix *k4,
		       struct tt_ipv6_prefix *k6)
{
	for (uint16_t i = 0; i < e->n_ports; i++) {
		const struct tt_port *p = &e->ports[i];

		if (p->kernel_ifname[0] == '\0' || (p->kernel_addr == 0 && p->kernel_addr6_len == 0))
			continue;
		if (k4 != NULL)
			*k4 = (struct tt_ipv4_prefix){ .addr = p->kernel_addr,
						       .len = p->kernel_addr_len };
		if (k6 != NULL) {
			*k6 = (struct tt_ipv6_prefix){ .len = p->kernel_addr6_len };
			memcpy(k6->addr, p->kernel_addr6, 16);
		}
		return p->kernel_ifname;
	}
	return NULL;
}

const char *
tt_engine_kernel_side(const struct tt_engine *e)
{
	return tt_engine_kernel_addrs(e, NULL, NULL);
}

/* --addr's port=P names a port there is (the P-th device EAL was given). */
static int
engine_addr_ports(const struct tt_engine *e, char *err, size_t errlen)
{
	const struct tt_config *c = &e->cfg;
	char a[INET6_ADDRSTRLEN];

	for (uint32_t i = 0; i < c->n_addrs + c->n_addrs6; i++) {
		bool v4 = i < c->n_addrs;
		int port = v4 ? c->addrs[i].port : c->addrs6[i - c->n_addrs].port;

		if (port < e->n_ports)
			continue;
		if (v4)
			inet_ntop(AF_INET, &c->addrs[i].addr, a, sizeof(a));
		else
			inet_ntop(AF_INET6, c->addrs6[i - c->n_addrs].addr, a, sizeof(a));
		snprintf(err, errlen, "--addr %s,port=%d: there is no port %d (tcpterm has %u port%s, 0..%u)",
			 a, port, port, e->n_ports, e->n_ports == 1 ? "" : "s", e->n_ports - 1);
		return -EINVAL;
	}
	return 0;
}

/* The configured impairment, on ports that exist. */
static int
engine_impair(struct tt_engine *e, char *err, size_t errlen)
{
	tt_impair_shared_init(&e->impair, e->cfg.impair_seed);
	for (uint16_t pi = 0; pi < TT_IMPAIR_MAX_PORTS; pi++) {
		for (unsigned int d = 0; d < TT_IMPAIR__DIRS; d++) {
			const struct tt_impair_conf *c = &e->cfg.impair[pi][d];

			char spec[TT_IMPAIR_SPEC_LEN];

			if (!tt_impair_conf_active(c))
				continue;
			if (pi >= e->n_ports && !(e->cfg.impair_named[d] & (1u << pi)))
				continue;      /* "every port": those there are */
			if (pi >= e->n_ports) {
				snprintf(err, errlen,
					 "--impair-%s %u:...: there is no port %u (tcpterm has %u port%s, 0..%u)",
					 d == TT_IMPAIR_RX ? "rx" : "tx", pi, pi, e->n_ports,
					 e->n_ports == 1 ? "" : "s", e->n_ports - 1);
				return -EINVAL;
			}
			tt_impair_shared_set(&e->impair, pi, d, c);
			tt_impair_format(c, spec, sizeof(spec));
			TT_LOG(NOTICE, core, "port %u %s impaired: %s (seed %" PRIu64 ")", pi,
			       d == TT_IMPAIR_RX ? "rx" : "tx", spec,
			       tt_impair_shared_seed(&e->impair));
		}
	}
	tt_impair_shared_seed(&e->impair);
	return 0;
}

/*
 * With IPv6 on (an IPv6 --addr), each port gets its link-local address from its MAC (RFC
 * 4862 5.3), and listens to the groups IPv6 needs: all-nodes and the solicited-node group of
 * each address (RFC 4861 7.2.1), by a multicast filter where the port has one, else all
 * multicast. A port with neither may still deliver them (virtual ones do); said once.
 */
static void
engine_ipv6_ports(struct tt_engine *e)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	struct tt_net *net = &e->net;
	struct rte_ether_addr mc[TT_NET_ADDRS6 + 1];
	uint32_t n_mc = 0;

	if (net->n_addrs6 == 0)
		return;
	for (uint16_t pi = 0; pi < e->n_ports && net->n_addrs6 < TT_NET_ADDRS6; pi++) {
		struct tt_addr6 *a = &net->addrs6[net->n_addrs6++];

		tt_ipv6_link_local(&e->ports[pi].mac, a->a);
		a->len = 64;
		a->port = (int8_t)pi;
	}
	tt_ipv6_mcast_mac(all_nodes, &mc[n_mc++]);
	for (uint32_t i = 0; i < net->n_addrs6; i++) {
		uint8_t group[16];
		struct rte_ether_addr mac;
		bool dup = false;

		tt_ipv6_solicited_node(net->addrs6[i].a, group);
		tt_ipv6_mcast_mac(group, &mac);
		for (uint32_t j = 0; j < n_mc; j++)
			dup |= rte_is_same_ether_addr(&mc[j], &mac);
		if (!dup)
			mc[n_mc++] = mac;
	}
	for (uint16_t pi = 0; pi < e->n_ports; pi++) {
		uint16_t id = e->ports[pi].port_id;
		int rc = rte_eth_dev_set_mc_addr_list(id, mc, n_mc);

		if (rc != 0 && rte_eth_allmulticast_enable(id) != 0 &&
		    rte_eth_allmulticast_get(id) != 1)
			TT_LOG(WARNING, core, "port %u: no multicast filter and no all-multicast (%s): Neighbour Solicitations reach tcpterm only if the device delivers them anyway",
			       id, rte_strerror(-rc));
	}
	for (uint32_t i = 0; i < net->n_addrs6; i++) {
		char s[INET6_ADDRSTRLEN];

		TT_LOG(INFO, core, "IPv6 address %s/%u%s%s", inet_ntop(AF_INET6, net->addrs6[i].a, s,
		       sizeof(s)), net->addrs6[i].len,
		       tt_in6_is_link_local(net->addrs6[i].a) ? " (link-local)" : "",
		       net->dad_transmits == 0 ? "" : ": tentative until DAD ends (RFC 4862 5.4)");
	}
}

static struct tt_engine *
engine_create(const struct tt_config *cfg, const struct tt_app_def *const apps[TT_APP__COUNT],
	      const struct tt_app_def *client, char *err, size_t errlen)
{
	struct tt_engine *e;
	uint16_t id = 0;

	e = rte_zmalloc("tt_engine", sizeof(*e), RTE_CACHE_LINE_SIZE);
	if (e == NULL) {
		snprintf(err, errlen, "out of memory for the engine: give EAL more memory (-m)");
		return NULL;
	}
	e->cfg = *cfg;
	e->cfg_start = *cfg;
	if (engine_net_init(e, cfg, err, errlen) != 0)
		goto fail;
	if (engine_lcores(e, err, errlen) != 0 || engine_pools(e, err, errlen) != 0)
		goto fail;
	if (engine_steer(e, err, errlen) != 0)
		goto fail;
	if (engine_ports(e, err, errlen) != 0)
		goto fail;
	if (engine_addr_ports(e, err, errlen) != 0)
		goto fail;
	engine_ipv6_ports(e);
	if (engine_impair(e, err, errlen) != 0)
		goto fail;
	for (id = 0; id < e->n_workers; id++) {
		struct tt_worker *w = worker_create(e, id, e->worker_lcore[id]);

		if (w == NULL) {
			snprintf(err, errlen, "out of memory for worker %u: give EAL more memory (-m)", id);
			goto fail;
		}
		w->n_workers = e->n_workers;
		w->n_ports = e->n_ports;
		w->ports = e->ports;
		w->peers = e->workers;
		w->steer = &e->steer;
		tt_worker_nic_hash_init(w);
		e->workers[id] = w;
		if (tt_tcp_worker_init(w, &e->cfg, err, errlen) != 0 ||
		    tt_app_attach(w, apps, client, e->app_lcore[id], err, errlen) != 0)
			goto fail;
		if (e->app_lcore[id] != TT_APP_INLINE)
			TT_LOG(INFO, core,
			       "worker %u on lcore %u, its applications on lcore %u (calls and events over rings)",
			       id, w->lcore, e->app_lcore[id]);
	}
	/* O6: let dpdk-dumpcap attach; harmless when no secondary process ever does. */
	if (rte_pdump_init() != 0)
		TT_LOG(WARNING, core, "packet capture unavailable (rte_pdump_init: %s)",
		       rte_strerror(rte_errno));
	e->start_tsc = rte_rdtsc();
	if (tt_metrics_start(e, err, errlen) != 0)
		goto fail;
	tt_telemetry_register(e);
	return e;
fail:
	tt_engine_free(e);
	return NULL;
}

/*
 * net_tap learns that its queue has frames from a real-time signal the kernel queues for
 * every frame written to the TAP (F_SETSIG; one each, as real-time signals are not merged).
 * Taken on a data-path lcore, each one interrupts the loop for a signal frame: under a SYN
 * flood through a TAP that was 50-80 % of the worker (perf), and the worker read 4-5 k
 * frames/s where, with them blocked here, it reads the 53 k/s hping3 offers
 * (docs/BENCHMARKS.md, "net_tap's signals"). Blocked on every lcore the engine runs, they go
 * to EAL's own threads (its interrupt thread always exists), whose handler bumps the
 * trigger net_tap's RX reads. tcpterm itself uses no real-time signal.
 */
static void
lcore_block_rt_signals(void)
{
	sigset_t rt;

	sigemptyset(&rt);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaddset(&rt, sig);
	pthread_sigmask(SIG_BLOCK, &rt, NULL);
}

static int
engine_lcore_main(void *arg)
{
	struct tt_engine *e = arg;
	unsigned int lcore = rte_lcore_id();

	lcore_block_rt_signals();

	for (uint16_t i = 0; i < e->n_workers; i++) {
		struct tt_worker *w = e->workers[i];

		if (e->app_lcore[i] == lcore) {
			tt_app_lcore_run(w, &e->quit);
			return 0;
		}
		if (w->lcore != lcore)
			continue;
		/* The clock runs since worker_create(); the timer wheel counts from it. */
		uint64_t tsc = rte_rdtsc();

		while (!__atomic_load_n(&e->quit, __ATOMIC_RELAXED))
			tt_worker_poll_from(w, &tsc);
		/* An application lcore may be waiting for an answer: serve it until it stops. */
		while (!tt_app_lcore_done(w))
			tt_app_serve(w);
		return 0;
	}
	return -ENOENT;
}

int
tt_engine_run(struct tt_engine *e)
{
	unsigned int lcore;
	int rc = rte_eal_mp_remote_launch(engine_lcore_main, e, CALL_MAIN);

	if (rc != 0)
		return rc;
	RTE_LCORE_FOREACH_WORKER(lcore)
		if (rte_eal_wait_lcore(lcore) != 0)
			rc = -EIO;
	return rc;
}

void
tt_engine_stop(struct tt_engine *e)
{
	e->quit = true;
}

bool
tt_engine_stopping(const struct tt_engine *e)
{
	return e->quit;
}

bool
tt_engine_ipv6_ready(const struct tt_engine *e)
{
	for (uint32_t i = 0; i < e->net.n_addrs6; i++)
		if (tt_addr6_state_get(&e->net, i) == TT_ADDR6_TENTATIVE)
			return false;
	return true;
}

/* "port 2 net_bonding0: 802.3ad: 1 of 2 members distributing (1 link down)" at note + at. */
static size_t
lacp_note(char *note, size_t at, size_t len, const struct tt_port *p, uint16_t n,
	  uint16_t up, uint16_t dist)
{
	int k;

	if (at >= len)
		return at;
	k = snprintf(note + at, len - at, "%sport %u %s: 802.3ad: %u of %u members distributing",
		     at == 0 ? "" : "; ", p->port_id, p->name, dist, n);
	at += k > 0 ? (size_t)k : 0;
	if (up < n && at < len) {
		k = snprintf(note + at, len - at, " (%u link%s down)", n - up, n - up == 1 ? "" : "s");
		at += k > 0 ? (size_t)k : 0;
	}
	return at;
}

enum tt_links
tt_engine_links(const struct tt_engine *e, char *note, size_t len)
{
	size_t at = 0;

	note[0] = '\0';
	for (uint16_t i = 0; i < e->n_ports; i++) {
		const struct tt_port *p = &e->ports[i];
		struct rte_eth_link link;
		uint16_t n, up, dist;
		int rc = rte_eth_link_get_nowait(p->port_id, &link);

		/* A driver without link_update (-ENOTSUP) cannot say: taken as up. */
		if ((rc == 0 && link.link_status != RTE_ETH_LINK_UP) || (rc != 0 && rc != -ENOTSUP)) {
			snprintf(note, len, "port %u %s: link down", p->port_id, p->name);
			return TT_LINKS_DOWN;
		}
		if (tt_port_lacp(p, &n, &up, &dist) != 0)
			continue;
		/*
		 * IEEE 802.1AX's mux machine: a member carries data only once it collects and
		 * distributes, which needs the partner's agreement; until then net_bonding
		 * passes nothing but LACPDUs on it.
		 */
		if (dist == 0 || dist < up) {
			lacp_note(note, 0, len, p, n, up, dist);
			return TT_LINKS_LACP;
		}
		at = lacp_note(note, at, len, p, n, up, dist);
	}
	return TT_LINKS_UP;
}

void
tt_engine_free(struct tt_engine *e)
{
	if (e == NULL)
		return;
	tt_metrics_stop(e);
	tt_telemetry_unregister();
	for (uint16_t i = 0; i < e->n_workers; i++)
		worker_free(e->workers[i]);
	for (uint16_t i = 0; i < e->n_ports; i++)
		tt_port_close(&e->ports[i]);
	tt_kernel_link_close();
	rte_pdump_uninit();
	for (uint16_t i = 0; i < e->n_workers; i++)
		rte_mempool_free(e->pools[i]);
	rte_free(e);
}

void
tt_engine_stats(const struct tt_engine *e, uint64_t out[TT_STAT__COUNT])
{
	memset(out, 0, sizeof(uint64_t) * TT_STAT__COUNT);
	for (uint16_t i = 0; i < e->n_workers; i++) {
		const struct tt_worker *w = e->workers[i];

		if (w == NULL)
			continue;
		for (unsigned int c = 0; c < TT_STAT__COUNT; c++)
			out[c] += tt_stats_read(&w->stats, c);
	}
}

struct tt_engine *
tt_engine_create(const struct tt_config *cfg, const struct tt_app_def *const apps[TT_APP__COUNT],
		 char *err, size_t errlen)
{
	return engine_create(cfg, apps, NULL, err, errlen);
}

struct tt_engine *
tt_engine_create_client(const struct tt_config *cfg, const struct tt_app_def *client,
			char *err, size_t errlen)
{
	return engine_create(cfg, NULL, client, err, errlen);
}

void
tt_engine_conn_states(const struct tt_engine *e, uint64_t out[])
{
	memset(out, 0, sizeof(uint64_t) * TT_TCPS__COUNT);
	for (uint16_t i = 0; i < e->n_workers; i++) {
		const struct tt_tcp *t = e->workers[i] != NULL ? e->workers[i]->tcp : NULL;

		if (t == NULL)
			continue;
		for (unsigned int s = 0; s < TT_TCPS__COUNT; s++)
			out[s] += __atomic_load_n(&t->n_state[s], __ATOMIC_RELAXED);
	}
}

void
tt_engine_status(const struct tt_engine *e, struct tt_status *st)
{
	uint64_t c[TT_STAT__COUNT];

	memset(st, 0, sizeof(*st));
	st->tsc_hz = rte_get_tsc_hz();
	st->tsc = rte_rdtsc();
	st->n_workers = e->n_workers;
	for (uint16_t i = 0; i < e->n_workers; i++) {
		st->busy_cycles += __atomic_load_n(&e->workers[i]->busy_cycles, __ATOMIC_RELAXED);
		st->total_cycles += __atomic_load_n(&e->workers[i]->total_cycles, __ATOMIC_RELAXED);
	}
	st->n_ports = e->n_ports;
	for (uint16_t i = 0; i < e->n_ports; i++) {
		struct tt_status_port *sp = &st->port[i];
		struct rte_eth_stats es;

		if (rte_eth_stats_get(e->ports[i].port_id, &es) != 0)
			continue;
		sp->rx_pkts = es.ipackets;
		sp->tx_pkts = es.opackets;
		sp->rx_bytes = es.ibytes;
		sp->tx_bytes = es.obytes;
		sp->drops = es.imissed + es.rx_nombuf + es.ierrors + es.oerrors;
		st->drops += sp->drops;
	}
	tt_engine_stats(e, c);
	st->tx_full = c[TT_STAT_EthOutDrops];
	st->drops += st->tx_full;
	st->passive_opens = c[TT_STAT_PassiveOpens];
	tt_engine_conn_states(e, st->states);
	st->estab = st->states[TT_TCPS_ESTABLISHED];
	st->syn_recv = st->states[TT_TCPS_SYN_RECV];
	st->time_wait = st->states[TT_TCPS_TIME_WAIT];
}
