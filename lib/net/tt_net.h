/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The network layer: Ethernet, ARP and the neighbour table, IPv4, ICMP, IPv6, ICMPv6 and
 * Neighbour Discovery, checksums.
 *
 * Call order: tt_eth_input() -> tt_arp_input() | tt_ipv4_input() -> tt_icmp_input() | the
 * input of the protocol registered for the datagram's IP protocol number (TCP registers
 * itself, tt_tcp_register; IP never calls a layer above by name); an ICMP error goes to the
 * err registered for the protocol of the datagram it quotes (tt_icmp_err_register). Each
 * *_parse() function validates one header of a frame, fills the stack-allocated struct
 * tt_pkt and counts the drop reason itself; it returns 0 or -EINVAL and never frees the
 * mbuf, so unit tests can call it on crafted frames. Each *_input() function owns the mbuf
 * it is given: it sends, hands over or frees it.
 */
#ifndef TT_NET_H
#define TT_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include <tcpterm/tt_config.h>

#include "../dp/tt_pkt.h"
#include "../dp/tt_port.h"
#include "../dp/tt_worker.h"
#include "../stats/tt_stats_priv.h"

struct rte_hash;
struct tt_worker;

/*
 * A protocol above IPv4 (TCP), registered for its IP protocol number: input() takes a
 * datagram tt_ipv4_input validated for us (counted IpInDelivers); handed() one another worker
 * received, validated and counted, then handed over to its flow's owner (tt_worker_handover).
 * Both own p->m. handed may be NULL for a protocol that never hands over.
 */
typedef void (*tt_l4_input_fn)(struct tt_worker *w, struct tt_pkt *p);

/*
 * An ICMP error about a datagram we sent (RFC 792: destination unreachable, time exceeded,
 * parameter problem), as tt_icmp_input found it: the quoted IPv4 header, of a length that
 * fits, not a fragment, and the first 8 bytes of its payload at least ("the internet header
 * plus the first 64 bits of the original data datagram"), which hold TCP's ports and
 * sequence number. mtu: the next-hop MTU of a fragmentation-needed message (type 3 code 4,
 * RFC 1191 4), 0 when the router left it out or for every other message.
 */
struct tt_icmp_err {
	const struct rte_ipv4_hdr *ip;   /* the quoted header, inside p->m; NULL for IPv6 */
	const struct rte_ipv6_hdr *ip6;  /* an ICMPv6 error's quoted header, else NULL */
	const uint8_t *l4;               /* its payload, 8 bytes at least */
	uint16_t mtu;                    /* host order */
	uint8_t type, code;
	bool fatal;                      /* ICMPv6: Linux's icmpv6_err_convert says so */
	bool handed;                     /* handed over by the worker that received it */
	bool local;                      /* not received: the neighbour layer's (ARP failed) */
};
/*
 * The protocol's part in an ICMP error (Linux's err_handler): e describes the message in p.
 * Owns p->m: frees it, or hands it to the worker owning the quoted flow
 * (tt_worker_handover), whose tt_ipv4_handed_input calls it again with e->handed set.
 */
typedef void (*tt_l4_err_fn)(struct tt_worker *w, struct tt_pkt *p,
			     const struct tt_icmp_err *e);

struct tt_l4_proto {
	tt_l4_input_fn input;
	tt_l4_input_fn handed;
	tt_l4_err_fn err;      /* NULL: ICMP errors quoting this protocol are only counted */
};
#define TT_IP_PROTOS 256

/*
 * An IPv6 address of ours goes through Duplicate Address Detection before it is used (RFC
 * 4862 5.4): tentative, it answers no solicitation and takes no datagram; preferred once
 * dad_transmits solicitations 1 s apart went unanswered; duplicate (Linux's dadfailed) for
 * good when another node answered for it, or was checking it at the same time.
 */
enum tt_addr6_state {
	TT_ADDR6_TENTATIVE,
	TT_ADDR6_PREFERRED,
	TT_ADDR6_DUPLICATE,
};

/* --addr's IPv6 addresses, then one link-local address per port (RFC 4862 5.3). */
#define TT_NET_ADDRS6 (TT_MAX_ADDRS + TT_MAX_PORTS)

struct tt_addr6 {
	uint8_t a[16];
	uint8_t len;                    /* prefix length; 64 for link-local */
	int8_t port;                    /* the port it lives on (a link-local's, --addr's port=P); -1: every port */
	uint16_t vlan;                  /* 802.1Q VLAN ID; 0: untagged (link-local: always) */
};

/*
 * Addresses the workers answer for, and the protocols above IPv4; set up before the workers
 * run, read-only afterwards (w->net, shared by every worker) but for the IPv6 addresses'
 * states, which DAD moves (tt_nd_timer) with atomic stores.
 */
struct tt_net {
	uint32_t addrs[TT_MAX_ADDRS];   /* network order */
	uint8_t prefix_len[TT_MAX_ADDRS];
	uint16_t addr_vlan[TT_MAX_ADDRS];  /* 802.1Q VLAN ID of each; 0: untagged */
	int8_t addr_port[TT_MAX_ADDRS]; /* the port index each lives on (port=P); -1: every port */
	uint32_t n_addrs;
	bool vlans;                     /* some address is on a VLAN: tags read and written */
	uint64_t vlan_map[4096 / 64];   /* the VLAN IDs some address of ours is on, a bit each */
	uint32_t gateway;               /* network order, 0 = none */
	struct tt_addr6 addrs6[TT_NET_ADDRS6];
	uint32_t n_addrs6;
	uint8_t gateway6[16];           /* all zero: none */
	uint32_t dad_transmits;
	uint8_t *addr6_state;           /* n_addrs6 enum tt_addr6_state, atomic; not const */
	struct tt_l4_proto l4[TT_IP_PROTOS];   /* by IP protocol number; NULL input: unknown */
};

static inline enum tt_addr6_state
tt_addr6_state_get(const struct tt_net *net, uint32_t i)
{
	return (enum tt_addr6_state)__atomic_load_n(&net->addr6_state[i], __ATOMIC_RELAXED);
}

/*
 * Register input (and handed) for IP protocol proto in net; at start-up, before the workers
 * run. 0, -EINVAL for a protocol the network layer handles itself (ICMP) or a NULL input,
 * -EEXIST when another is registered for proto.
 */
int tt_ipv4_proto_register(struct tt_net *net, uint8_t proto, tt_l4_input_fn input,
			   tt_l4_input_fn handed);
/*
 * Register err for ICMP errors quoting a datagram of IP protocol proto; at start-up. 0,
 * -EINVAL for ICMP itself (RFC 1122 3.2.2: no error about an error) or a NULL err.
 */
int tt_icmp_err_register(struct tt_net *net, uint8_t proto, tt_l4_err_fn err);

/*
 * A neighbour's address: IPv6, or IPv4 as its IPv4-mapped IPv6 address (RFC 4291 2.5.5.2,
 * as Linux's ipv6_addr_set_v4mapped), so one table and one queue serve ARP and ND.
 */
struct tt_naddr {
	uint8_t b[16];
} __rte_aligned(8);     /* rte_hash_crc reads keys 8 bytes at a time */

static inline struct tt_naddr
tt_naddr_v4(uint32_t ip)
{
	struct tt_naddr a = { .b = { [10] = 0xff, [11] = 0xff } };

	memcpy(&a.b[12], &ip, sizeof(ip));
	return a;
}

static inline struct tt_naddr
tt_naddr_v6(const uint8_t ip6[16])
{
	struct tt_naddr a;

	memcpy(a.b, ip6, sizeof(a.b));
	return a;
}

static inline bool
tt_naddr_is_v4(const struct tt_naddr *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a->b, mapped, sizeof(mapped)) == 0;
}

static inline uint32_t
tt_naddr_ip4(const struct tt_naddr *a)
{
	uint32_t ip;

	memcpy(&ip, &a->b[12], sizeof(ip));
	return ip;
}

static inline bool
tt_naddr_eq(const struct tt_naddr *a, const struct tt_naddr *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

/* MLD queries on VLANs one worker holds until its next timer tick (net_mld.c). */
#define TT_MLD_VLAN_QUERIES 8

/* A worker's neighbour table (w->neigh): address -> MAC, from ARP and ND (net_neigh.c). */
struct tt_neigh_entry {
	struct tt_naddr ip;
	struct rte_ether_addr mac;
	uint64_t updated_ms;
};

/*
 * A frame waiting for its next hop's MAC (Linux's arp_queue): the first SYN of an active
 * open to a host not yet resolved waits here instead of being lost (SPEC A1).
 */
struct tt_neigh_pending {
	struct rte_mbuf *m;             /* the whole frame; Ethernet destination to fill */
	struct tt_naddr ip;             /* next hop */
	uint16_t pi;
	uint8_t tries;                  /* requests or solicitations sent for it */
	uint64_t next_ms;               /* when to ask again, or give up */
};
/*
 * Frames that may wait per worker; Linux's default unres_qlen_bytes holds about a hundred
 * full frames per neighbour. Past it, or past a next hop's share, the newest is dropped
 * (ArpUnresolvedDiscards); what drops is a SYN, which its own timer sends again.
 */
#define TT_NEIGH_PENDING 128
#define TT_NEIGH_PENDING_PER_HOP 64
/* Requests for a next hop before its frames are given up (Linux's mcast_solicit), 1 s apart. */
#define TT_ARP_SOLICIT 3
/*
 * A request or solicitation again after 1 s without an answer (Linux's retrans_time, RFC
 * 4861 10 RETRANS_TIMER); a gateway that answered is asked again every 30 s.
 */
#define TT_NEIGH_RETRY_MS   1000
#define TT_NEIGH_REFRESH_MS 30000

struct tt_neigh_table {
	struct rte_hash *hash;
	uint32_t size;
	uint64_t next_gw_arp_ms;        /* when to (re)ask for the gateway's MAC (tt_arp_timer) */
	uint64_t next_gw6_ms;           /* the same for the IPv6 gateway (tt_nd_timer) */
	/* DAD of each IPv6 address (tt_nd_timer, worker 0): solicitations sent, next step. */
	uint8_t dad_sent[TT_NET_ADDRS6];
	uint64_t dad_next_ms;
	uint64_t dup_log_ms;            /* when a preferred address's duplicate was last logged */
	/* MLD (net_mld.c): unsolicited reports sent and the next one's time; a query to answer. */
	uint8_t mld_sent;
	uint8_t mld_query;              /* ports an untagged query came on, a bit each */
	/*
	 * Queries on VLANs to answer there (RFC 3810 6.2: on the link the query came on);
	 * past TT_MLD_VLAN_QUERIES, every VLAN of the port answers (mld_query_all's bit).
	 */
	struct { uint16_t vlan; uint8_t pi; } mld_vq[TT_MLD_VLAN_QUERIES];
	uint8_t n_mld_vq;
	uint8_t mld_query_all;
	uint64_t mld_next_ms;
	uint32_t n_pending;
	struct tt_neigh_pending pending[TT_NEIGH_PENDING];
	struct tt_neigh_entry entries[];
};

/* Ethernet: frame long enough, addressed to mac or broadcast/multicast. */
int tt_eth_parse(struct tt_stats *st, struct rte_mbuf *m, const struct rte_ether_addr *mac,
		 struct tt_pkt *p);
void tt_eth_input(struct tt_worker *w, uint16_t pi, struct rte_mbuf *m);
/*
 * A frame another worker received and handed over (tt_worker_inbox_burst): an ARP copy is
 * learned from (never answered twice), an IPv4 segment goes to its protocol, validated
 * already and counted by the worker that received it.
 */
void tt_eth_handed_input(struct tt_worker *w, struct tt_pkt *p);

/* 802.1Q (net_vlan.c): take the tags off a burst's tagged frames, before anything reads it. */
void tt_vlan_rx(struct rte_mbuf **pkts, uint16_t n);
/* True when some address of ours is on VLAN vid (1-4094). */
bool tt_vlan_known(const struct tt_net *net, uint16_t vid);
/*
 * Tag *m with its source address's VLAN, if any, or with the one it asks for
 * (RTE_MBUF_F_TX_VLAN and vlan_tci: MLD's reports); -1: it could not be, *m freed and counted.
 */
int tt_vlan_tag(struct tt_worker *w, struct rte_mbuf **m);

/*
 * Every frame net and TCP send leaves through here: tagged (tt_vlan_tag) when some address
 * is on a VLAN, then queued on port pi.
 */
static inline void
tt_net_tx(struct tt_worker *w, uint16_t pi, struct rte_mbuf *m)
{
	if (w->net->vlans && tt_vlan_tag(w, &m) != 0)
		return;
	tt_worker_tx(w, pi, m);
}

/* ARP: Ethernet/IPv4 requests and replies only. */
int tt_arp_parse(struct tt_stats *st, const struct tt_pkt *p, struct rte_arp_hdr **arp);
/* from_peer: a copy handed over by another worker; learn only, never answer. */
void tt_arp_input(struct tt_worker *w, struct tt_pkt *p, bool from_peer);
/* Broadcast a request for ip (network order) on port index pi. */
void tt_arp_request(struct tt_worker *w, uint16_t pi, uint32_t ip);
/* Send requests for the gateway until it answers, then refresh it now and then. */
void tt_arp_timer(struct tt_worker *w);
/*
 * Once per loop iteration, with the other timers: ask again for the next hops frames wait
 * for (tt_neigh_output), and give those frames up after TT_ARP_SOLICIT requests.
 */
void tt_neigh_pending_timer(struct tt_worker *w);

/*
 * The next hop towards dst (network order): dst itself on-link, else the gateway; 0 when
 * there is no route (counted IpOutNoRoutes).
 */
uint32_t tt_ipv4_nexthop(struct tt_worker *w, uint32_t dst);
/*
 * Send frame m (Ethernet header in place, destination to fill) on port pi to next hop nh:
 * at once when nh's MAC is known, else held until ARP answers (a request goes now). A frame
 * whose next hop never answers is given to its protocol's err as an ICMP host unreachable
 * about it (as Linux's ipv4_link_failure), so a connect waiting on it fails with
 * EHOSTUNREACH; then freed. Takes m.
 */
void tt_neigh_output(struct tt_worker *w, uint16_t pi, struct rte_mbuf *m, uint32_t nh);
/* The same for an IPv6 frame: held until Neighbour Discovery answers (RFC 4861 7.2.2). */
void tt_neigh6_output(struct tt_worker *w, uint16_t pi, struct rte_mbuf *m,
		      const uint8_t nh[16]);

/* IPv4: version, header length, total length, checksum, fragments, our address. */
int tt_ipv4_parse(struct tt_stats *st, const struct tt_net *net, struct tt_pkt *p);
void tt_ipv4_input(struct tt_worker *w, struct tt_pkt *p);
/* A datagram handed over by another worker (p->ip set): to its protocol's handed input. */
void tt_ipv4_handed_input(struct tt_worker *w, struct tt_pkt *p);
/* True when addr (network order) is one of ours. */
bool tt_ipv4_is_local(const struct tt_net *net, uint32_t addr);
/* True when addr (network order) is one of ours on VLAN vlan (0: untagged) and port pi. */
bool tt_ipv4_is_local_on(const struct tt_net *net, uint32_t addr, uint16_t vlan, uint16_t pi);
/*
 * False when addr's subnet is that of an address of ours bound to a port other than pi
 * (--addr's port=P): a neighbour there is not one of pi's.
 */
bool tt_ipv4_subnet_on(const struct tt_net *net, uint32_t addr, uint16_t pi);
/* The same for IPv6 (link-local addresses: every port's). */
bool tt_ipv6_subnet_on(const struct tt_net *net, const uint8_t addr[16], uint16_t pi);
/* True when addr (network order) is on the subnet of one of our addresses. */
bool tt_ipv4_on_link(const struct tt_net *net, uint32_t addr);
/* The index in net->addrs of the first of our addresses on addr's subnet, or -1. */
int tt_ipv4_link_addr(const struct tt_net *net, uint32_t addr);
/*
 * Whether a datagram to dst (network order) has a route: on-link, or any destination when a
 * gateway is set. False counts IpOutNoRoutes; the caller drops what it would have sent.
 */
bool tt_ipv4_route(struct tt_worker *w, uint32_t dst);

/*
 * Turn a received frame into the reply to its sender: Ethernet addresses swapped (the
 * frame's source is the next hop back), IPv4 addresses swapped, TTL 64, lengths for an
 * l4_len payload, the mbuf trimmed to fit. The caller fills the L4 header, then calls
 * tt_ipv4_reply_send().
 */
void tt_ipv4_reply_prepare(struct tt_worker *w, struct tt_pkt *p, uint16_t l4_len);
/* Checksums (offloaded when the port can) and hand to the TX buffer. */
void tt_ipv4_reply_send(struct tt_worker *w, struct tt_pkt *p);

/*
 * ICMP: checksum; echo request -> echo reply; an error (destination unreachable, time
 * exceeded, parameter problem) -> the err of the protocol it quotes.
 */
int tt_icmp_parse(struct tt_stats *st, const struct tt_pkt *p);
void tt_icmp_input(struct tt_worker *w, struct tt_pkt *p);
/* An ICMP error another worker received, validated and counted, then handed over. */
void tt_icmp_handed_input(struct tt_worker *w, struct tt_pkt *p);

/* Neighbour table: per worker, address -> MAC, learned from ARP and ND. */
struct tt_neigh_table *tt_neigh_create(const char *name, uint32_t size, int socket);
void tt_neigh_free(struct tt_neigh_table *t);
/* 0, or -ENOSPC when full. */
int tt_neigh_set(struct tt_neigh_table *t, const struct tt_naddr *ip,
		 const struct rte_ether_addr *mac, uint64_t now_ms);
static inline int
tt_neigh_update(struct tt_neigh_table *t, uint32_t ip, const struct rte_ether_addr *mac,
		uint64_t now_ms)
{
	struct tt_naddr a = tt_naddr_v4(ip);

	return tt_neigh_set(t, &a, mac, now_ms);
}
/* Forget every neighbour and free the frames waiting for one (tests, fuzzing). */
void tt_neigh_flush(struct tt_neigh_table *t);
/* The MAC for ip, or NULL. */
const struct rte_ether_addr *tt_neigh_get(const struct tt_neigh_table *t,
					  const struct tt_naddr *ip);
static inline const struct rte_ether_addr *
tt_neigh_lookup(const struct tt_neigh_table *t, uint32_t ip)
{
	struct tt_naddr a = tt_naddr_v4(ip);

	return tt_neigh_get(t, &a);
}
static inline const struct rte_ether_addr *
tt_neigh6_lookup(const struct tt_neigh_table *t, const uint8_t ip6[16])
{
	struct tt_naddr a = tt_naddr_v6(ip6);

	return tt_neigh_get(t, &a);
}
/* Whether frames wait for ip's MAC (Linux's NUD_INCOMPLETE). */
bool tt_neigh_pending_for(const struct tt_neigh_table *t, const struct tt_naddr *ip);
/* ip answered: the frames waiting for it go, with its MAC. */
void tt_neigh_pending_send(struct tt_worker *w, const struct tt_naddr *ip,
			   const struct rte_ether_addr *mac);
/* Visit each entry. */
typedef void (*tt_neigh_visit_fn)(void *arg, const struct tt_naddr *ip,
				  const struct rte_ether_addr *mac, uint64_t updated_ms);
void tt_neigh_visit(const struct tt_neigh_table *t, tt_neigh_visit_fn fn, void *arg);

/*
 * IPv6 (RFC 8200): version, payload length against the frame, extension headers (hop-by-hop,
 * routing with no segments left, destination options skipped; a fragment counted and
 * dropped, as IPv4's), a source that is no group and none of ours, a destination of ours
 * (preferred), all-nodes, or the solicited-node group of one of ours (RFC 4291 2.7.1).
 */
int tt_ipv6_parse(struct tt_stats *st, const struct tt_net *net, struct tt_pkt *p);
void tt_ipv6_input(struct tt_worker *w, struct tt_pkt *p);
/* A copy another worker received and handed over: an ND message to learn from. */
void tt_ipv6_handed_input(struct tt_worker *w, struct tt_pkt *p);
/* The index in net->addrs6 of addr, or -1; any state. */
int tt_ipv6_addr_index(const struct tt_net *net, const uint8_t addr[16]);
/* Whether addr is a preferred address of ours (one tentative or duplicate is not). */
bool tt_ipv6_is_local(const struct tt_net *net, const uint8_t addr[16]);
/* The index of our preferred address to send from towards dst on port pi (RFC 6724's
 * simplest rules: same prefix first, the port's link-local for link-local dst), or -1. */
int tt_ipv6_source(const struct tt_net *net, uint16_t pi, const uint8_t dst[16]);
/* The next hop towards dst: dst on-link (link-local, or on one of our prefixes), else the
 * gateway; false when there is none (counted Ip6OutNoRoutes). */
bool tt_ipv6_nexthop(struct tt_worker *w, const uint8_t dst[16], uint8_t nh[16]);
/* RFC 4291 2.7.1: ff02::1:ffXX:XXXX for addr, and its MAC 33:33:ff:XX:XX:XX (RFC 2464 7). */
void tt_ipv6_solicited_node(const uint8_t addr[16], uint8_t group[16]);
void tt_ipv6_mcast_mac(const uint8_t group[16], struct rte_ether_addr *mac);
/* The link-local address of a port with MAC mac (RFC 4291 2.5.1, modified EUI-64). */
void tt_ipv6_link_local(const struct rte_ether_addr *mac, uint8_t addr[16]);
/*
 * A frame m from port pi with an IPv6 header after the Ethernet header, addresses and the
 * payload length of plen, next header proto, and hop limit hops: Ethernet source set,
 * destination MAC dst_mac; the payload follows. Checksum of an ICMPv6 payload of plen
 * bytes at l4 (RFC 4443 2.3), over the pseudo-header of RFC 8200 8.1.
 */
struct rte_ipv6_hdr *tt_ipv6_hdr_fill(struct tt_worker *w, uint16_t pi, struct rte_mbuf *m,
				      const uint8_t src[16], const uint8_t dst[16],
				      uint16_t plen, uint8_t proto, uint8_t hops);
uint16_t tt_ipv6_l4_cksum(const struct rte_ipv6_hdr *ip6, const struct rte_mbuf *m,
			  uint32_t off, uint32_t len, uint8_t proto);
/* Send a whole frame (Ethernet destination set) on port pi: counted Ip6OutRequests. */
void tt_ipv6_output(struct tt_worker *w, uint16_t pi, struct rte_mbuf *m);
/* Linux's hop_limit default. */
#define TT_IPV6_HOPS 64
/*
 * As tt_ipv4_reply_prepare: a received frame turned into the reply to its sender (Ethernet
 * and IPv6 addresses swapped, extension headers gone, hop limit 64, lengths for l4_len
 * payload bytes); the caller fills the L4 header, then tt_ipv6_reply_send (TCP checksum,
 * offloaded when the port can).
 */
void tt_ipv6_reply_prepare(struct tt_worker *w, struct tt_pkt *p, uint16_t l4_len);
void tt_ipv6_reply_send(struct tt_worker *w, struct tt_pkt *p);

/*
 * ICMPv6 (RFC 4443): checksum; echo request -> reply; Neighbour Discovery (RFC 4861) to
 * net_nd.c; errors and router messages counted.
 */
int tt_icmp6_parse(struct tt_stats *st, const struct tt_pkt *p);
void tt_icmp6_input(struct tt_worker *w, struct tt_pkt *p);
/*
 * An ICMPv6 error another worker received, validated and counted, then handed over to the
 * owner of the flow it quotes. ICMPv6 errors reach the quoted protocol's err with their
 * meaning in ICMP's words (RFC 4443 3 against RFC 792): destination unreachable's no route
 * as net unreachable, the others as host unreachable (port unreachable as itself); packet
 * too big as fragmentation needed with its MTU (0, not believed, below IPv6's 1280, as
 * Linux's tcp_v6_err); time exceeded and parameter problem as themselves; fatal as Linux's
 * icmpv6_err_convert has it (what ends a request in SYN_RECV).
 */
void tt_icmp6_handed_input(struct tt_worker *w, struct tt_pkt *p);

/*
 * Neighbour Discovery (RFC 4861) and DAD (RFC 4862): a solicitation for one of our
 * addresses is answered, a neighbour's link-layer address learned from solicitations and
 * from advertisements it was asked for; from_peer: a copy another worker handed over,
 * learned from only.
 */
void tt_nd_input(struct tt_worker *w, struct tt_pkt *p, bool from_peer);
/* Send a Neighbour Solicitation for target on port pi (multicast to its solicited-node group). */
void tt_nd_solicit(struct tt_worker *w, uint16_t pi, const uint8_t target[16]);
/*
 * Once per loop iteration: on worker 0, DAD's solicitations and verdicts, and the IPv6
 * gateway's resolution (as tt_arp_timer's).
 */
void tt_nd_timer(struct tt_worker *w);

/*
 * MLDv2 (RFC 3810), listener side (net_mld.c): tt_mld_query notes a query received; once per
 * loop iteration, before tt_nd_timer, tt_mld_timer answers it, and on worker 0 reports the
 * solicited-node groups twice at start.
 */
void tt_mld_query(struct tt_worker *w, uint16_t pi, uint16_t vlan);
void tt_mld_timer(struct tt_worker *w);

#endif /* TT_NET_H */
