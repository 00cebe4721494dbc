/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The link to the local kernel when EAL is given no device (issue 10 item 5, SPEC O1): the
 * embedded default, and any EAL options with --no-pci and no --vdev. Through the
 * TAP PMD every frame costs a system call and a signal, so wrk measured the kernel, not
 * tcpterm; docs/BENCHMARKS.md ("The embedded default's link") has the figures behind the
 * order tried, fastest first:
 *
 *   af_xdp     a veth pair tt0 (kernel side) / tt0p (tcpterm's), AF_XDP on tt0p (libxdp
 *              loads its one program without a dispatcher where no bpffs is mounted, and
 *              says so on stderr)
 *   af_packet  the same pair, AF_PACKET's mmap'd ring on tt0p: where XDP cannot attach
 *   tap        net_tap's tt0, the fallback: no veth in the kernel, or no rights to make one
 *
 * kernel_link forces one (or none). A kind whose port does not start (XDP that cannot
 * attach shows only at queue setup) gives way to the next (tt_kernel_link_next). With
 * several workers AF_XDP is passed over (the veth has one queue) and AF_PACKET fans out.
 * The pair is created over rtnetlink, given an alias, and deleted at exit. One tcpterm per
 * network namespace holds its kernel link, by an flock on a file named after the namespace
 * kept while the link lives: a tt0 with our alias found by the lock's new holder was left
 * by a tcpterm that died, and is deleted (PIDs are not trusted across PID namespaces). tt0's transmit checksum offload is turned off: over
 * a veth the kernel otherwise hands AF_PACKET and AF_XDP segments whose checksum is only a
 * pseudo-header's (CHECKSUM_PARTIAL), which tcpterm, checking every checksum, would drop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <rte_bus.h>
#include <rte_common.h>
#include <rte_debug.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include <tcpterm/tt_config.h>

#include "../dp/tt_log.h"
#include "tt_kernel_link.h"
#include "tt_netlink.h"

#define KL_KERNEL   "tt0"     /* the kernel's side: the address clients use is on it */
#define KL_TCPTERM  "tt0p"    /* tcpterm's side of the veth pair */
#define KL_ALIAS    "tcpterm kernel link"

static bool kl_veth;            /* we made the pair: delete it at exit */
static int kl_ifindex;          /* tt0's index when we made it */
static int kl_lock = -1;        /* the namespace's lock, held while the link lives */
static char kl_lock_path[96];
static const char *kl_driver;   /* what is open, for the log */
static char kl_dev[32];         /* its EAL device name */

static int
veth_create(void)
{
	struct tt_nl_req r = { 0 };
	struct rtattr *info, *data, *peer;
	struct ifinfomsg peer_ifi = { .ifi_family = AF_UNSPEC };

	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifi));
	r.nh.nlmsg_type = RTM_NEWLINK;
	r.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	r.ifi.ifi_family = AF_UNSPEC;
	tt_nl_attr(&r, IFLA_IFNAME, KL_KERNEL, sizeof(KL_KERNEL));
	info = tt_nl_attr(&r, IFLA_LINKINFO, NULL, 0);
	tt_nl_attr(&r, IFLA_INFO_KIND, "veth", sizeof("veth"));
	data = tt_nl_attr(&r, IFLA_INFO_DATA, NULL, 0);
	/* VETH_INFO_PEER holds an ifinfomsg, then the peer's own attributes. */
	peer = tt_nl_attr(&r, VETH_INFO_PEER, &peer_ifi, sizeof(peer_ifi));
	tt_nl_attr(&r, IFLA_IFNAME, KL_TCPTERM, sizeof(KL_TCPTERM));
	tt_nl_nest_end(&r, peer);
	tt_nl_nest_end(&r, data);
	tt_nl_nest_end(&r, info);
	return tt_nl_talk(&r, NULL, 0);
}

static int
link_delete(int ifindex)
{
	struct tt_nl_req r = { 0 };

	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifi));
	r.nh.nlmsg_type = RTM_DELLINK;
	r.ifi.ifi_family = AF_UNSPEC;
	r.ifi.ifi_index = ifindex;
	return tt_nl_talk(&r, NULL, 0);
}

static int
link_set_alias(int ifindex, const char *alias)
{
	struct tt_nl_req r = { 0 };

	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifi));
	r.nh.nlmsg_type = RTM_NEWLINK;
	r.ifi.ifi_family = AF_UNSPEC;
	r.ifi.ifi_index = ifindex;
	tt_nl_attr(&r, IFLA_IFALIAS, alias, strlen(alias) + 1);
	return tt_nl_talk(&r, NULL, 0);
}

/* ifindex's alias, over rtnetlink (not /sys, whose mount may be another namespace's). */
static int
link_alias(int ifindex, char *alias, size_t len)
{
	struct tt_nl_req r = { 0 };
	union { struct nlmsghdr nh; char b[4096]; } reply;
	const struct rtattr *a;
	int rc, left;

	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifi));
	r.nh.nlmsg_type = RTM_GETLINK;
	r.ifi.ifi_family = AF_UNSPEC;
	r.ifi.ifi_index = ifindex;
	alias[0] = '\0';
	memset(&reply, 0, sizeof(reply));
	rc = tt_nl_talk(&r, &reply, sizeof(reply));
	if (rc != 0)
		return rc;
	left = (int)IFLA_PAYLOAD(&reply.nh);
	for (a = IFLA_RTA((struct ifinfomsg *)NLMSG_DATA(&reply.nh)); RTA_OK(a, left);
	     a = RTA_NEXT(a, left))
		if (a->rta_type == IFLA_IFALIAS)
			snprintf(alias, len, "%.*s", (int)RTA_PAYLOAD(a), (const char *)RTA_DATA(a));
	return 0;
}

/*
 * tt0p is tcpterm's: the kernel's own IPv6 there would make a link-local address from the
 * MAC tcpterm's port has too, and, where AF_PACKET leaves the kernel a copy of each frame,
 * answer Neighbour Discovery for it beside tcpterm. No IPv6 in the kernel: nothing to do.
 */
static void
tcpterm_side_no_ipv6(void)
{
	FILE *f = fopen("/proc/sys/net/ipv6/conf/" KL_TCPTERM "/disable_ipv6", "w");
	int bad;

	if (f == NULL) {
		if (errno != ENOENT)
			TT_LOG(WARNING, core, "cannot turn the kernel's IPv6 off on %s: %s",
			       KL_TCPTERM, strerror(errno));
		return;
	}
	bad = fputs("1\n", f) < 0;
	bad |= fclose(f) != 0;
	if (bad)
		TT_LOG(WARNING, core, "cannot turn the kernel's IPv6 off on %s: %s", KL_TCPTERM,
		       strerror(errno));
}

/* Up, and for the kernel's side its transmit checksum done in full (see the top). */
static int
veth_prepare(char *err, size_t errlen)
{
	const char *names[] = { KL_KERNEL, KL_TCPTERM };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), e;
	struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
	struct ifreq ifr = { 0 };

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", KL_KERNEL);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot turn %s's transmit checksum offload off: %s",
			 KL_KERNEL, strerror(e));
		close(fd);
		return -e;
	}
	tcpterm_side_no_ipv6();     /* before the link is up: no address made from our MAC */
	for (size_t i = 0; i < RTE_DIM(names); i++) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", names[i]);
		if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
		    (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)) {
			e = errno;
			snprintf(err, errlen, "cannot bring %s up: %s", names[i], strerror(e));
			close(fd);
			return -e;
		}
	}
	close(fd);
	return link_set_alias(kl_ifindex, KL_ALIAS);
}

/*
 * The namespace's lock (see the top): /run/tcpterm/kernel-link-NETNS.lock, NETNS the
 * namespace's inode. 0 held, -EBUSY another tcpterm holds it (err says so), other -errno.
 */
static int
lock_take(char *err, size_t errlen)
{
	struct stat ns, held, named;
	int e;

	if (stat("/proc/self/ns/net", &ns) != 0)
		ns.st_ino = 0;
	snprintf(kl_lock_path, sizeof(kl_lock_path), "/run/tcpterm/kernel-link-%lu.lock",
		 (unsigned long)ns.st_ino);
	for (;;) {
		if ((mkdir("/run/tcpterm", 0755) != 0 && errno != EEXIST) ||
		    (kl_lock = open(kl_lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
			e = errno;
			snprintf(err, errlen, "cannot take the kernel link's lock %s: %s (run as root, or give a device: --vdev)",
				 kl_lock_path, strerror(e));
			return -e;
		}
		if (flock(kl_lock, LOCK_EX | LOCK_NB) != 0)
			break;
		/*
		 * The holder before us unlinks the file as it lets go (tt_kernel_link_close): a
		 * lock on a file no longer at the path is on nothing; take the path's again.
		 */
		if (fstat(kl_lock, &held) == 0 && stat(kl_lock_path, &named) == 0 &&
		    held.st_ino == named.st_ino && held.st_dev == named.st_dev)
			return 0;
		close(kl_lock);
	}
	close(kl_lock);
	kl_lock = -1;
	snprintf(err, errlen, "another tcpterm holds this network namespace's kernel link (%s): stop it, or give this one a device (--vdev)",
		 KL_KERNEL);
	return -EBUSY;
}

/*
 * tt0 exists and we hold the lock: ours from a tcpterm that died (deleted, 0), or not ours
 * (-EEXIST, err says what to do).
 */
static int
stale_check(char *err, size_t errlen)
{
	int idx = (int)if_nametoindex(KL_KERNEL);
	char alias[64];

	if (idx == 0)
		return 0;
	if (link_alias(idx, alias, sizeof(alias)) == 0 && strcmp(alias, KL_ALIAS) == 0) {
		int rc = link_delete(idx);

		if (rc != 0) {
			snprintf(err, errlen, "cannot delete %s, left by a tcpterm that died: %s (ip link del %s)",
				 KL_KERNEL, strerror(-rc), KL_KERNEL);
			return rc;
		}
		TT_LOG(NOTICE, core, "%s: a kernel link left by a tcpterm that died: deleted",
		       KL_KERNEL);
		return 0;
	}
	snprintf(err, errlen, "network device %s already exists and is not a tcpterm kernel link: remove it (ip link del %s) or give a device (--vdev)",
		 KL_KERNEL, KL_KERNEL);
	return -EEXIST;
}

static void
veth_delete(void)
{
	if (!kl_veth)
		return;
	/* Deleting one side of a veth pair deletes both; by index, so never another tt0. */
	link_delete(kl_ifindex);
	kl_veth = false;
}

static int
veth_ensure(char *err, size_t errlen)
{
	int rc;

	if (kl_veth)
		return 0;
	rc = veth_create();
	if (rc != 0) {
		snprintf(err, errlen, "cannot create the veth pair %s/%s: %s", KL_KERNEL,
			 KL_TCPTERM, strerror(-rc));
		return rc;
	}
	kl_veth = true;
	kl_ifindex = (int)if_nametoindex(KL_KERNEL);
	rc = veth_prepare(err, errlen);
	if (rc != 0)
		veth_delete();
	return rc;
}

/* One kind: its device probed, its port id in *port. 0 or -errno, err set. */
static int
open_kind(uint32_t kind, uint16_t n_queues, uint16_t *port, char *err, size_t errlen)
{
	char args[128];
	int rc;

	if (kind == TT_KERNEL_LINK_TAP) {
		veth_delete();
		snprintf(kl_dev, sizeof(kl_dev), "net_tap0");
		snprintf(args, sizeof(args), "net_tap0,iface=" KL_KERNEL);
		kl_driver = "TAP";
	} else {
		rc = veth_ensure(err, errlen);
		if (rc != 0)
			return rc;
		if (kind == TT_KERNEL_LINK_AF_XDP) {
			snprintf(kl_dev, sizeof(kl_dev), "net_af_xdp0");
			snprintf(args, sizeof(args),
				 "net_af_xdp0,iface=" KL_TCPTERM ",start_queue=0,queue_count=%u",
				 n_queues);
			kl_driver = "AF_XDP";
		} else {
			snprintf(kl_dev, sizeof(kl_dev), "net_af_packet0");
			snprintf(args, sizeof(args), "net_af_packet0,iface=" KL_TCPTERM ",qpairs=%u",
				 n_queues);
			kl_driver = "AF_PACKET";
		}
	}
	rc = rte_dev_probe(args);
	if (rc == 0)
		rc = rte_eth_dev_get_port_by_name(kl_dev, port);
	if (rc != 0) {
		snprintf(err, errlen, "kernel link %s: %s did not come up (%s)", kl_driver, args,
			 rte_strerror(-rc));
		kl_driver = NULL;
	}
	return rc;
}

/* The kind auto tries after kind (TT_KERNEL_LINK_NONE: none left). */
static uint32_t
next_kind(uint32_t kind, uint16_t n_queues)
{
	switch (kind) {
	case TT_KERNEL_LINK_AUTO:
		/* One queue on the veth: AF_XDP takes one worker only. */
		return n_queues == 1 ? TT_KERNEL_LINK_AF_XDP : TT_KERNEL_LINK_AF_PACKET;
	case TT_KERNEL_LINK_AF_XDP:
		return TT_KERNEL_LINK_AF_PACKET;
	case TT_KERNEL_LINK_AF_PACKET:
		return TT_KERNEL_LINK_TAP;
	default:
		return TT_KERNEL_LINK_NONE;
	}
}

int
tt_kernel_link_open(struct tt_kernel_link_state *st, uint32_t mode, uint16_t n_queues,
		    uint16_t *port, char *err, size_t errlen)
{
	int rc;

	st->mode = mode;
	st->n_queues = n_queues;
	if (mode == TT_KERNEL_LINK_NONE)
		return -ENODEV;
	rc = lock_take(err, errlen);
	if (rc == 0)
		rc = stale_check(err, errlen);
	if (rc != 0) {
		tt_kernel_link_close();
		return rc;
	}
	st->kind = mode == TT_KERNEL_LINK_AUTO ? next_kind(mode, n_queues) : mode;
	for (;;) {
		rc = open_kind(st->kind, n_queues, port, err, errlen);
		if (rc == 0)
			return 0;
		TT_LOG(INFO, core, "%s", err);
		if (mode != TT_KERNEL_LINK_AUTO || next_kind(st->kind, n_queues) ==
						     TT_KERNEL_LINK_NONE) {
			tt_kernel_link_close();
			return rc;
		}
		st->kind = next_kind(st->kind, n_queues);
	}
}

int
tt_kernel_link_next(struct tt_kernel_link_state *st, uint16_t port, uint16_t *next_port,
		    char *err, size_t errlen)
{
	struct rte_eth_dev_info info;

	/* The device that would not start goes, so the next kind may take the interface. */
	if (rte_eth_dev_info_get(port, &info) == 0 && info.device != NULL) {
		rte_eth_dev_close(port);
		rte_dev_remove(info.device);
	}
	kl_driver = NULL;
	if (st->mode != TT_KERNEL_LINK_AUTO)
		return -ENODEV;
	for (st->kind = next_kind(st->kind, st->n_queues); st->kind != TT_KERNEL_LINK_NONE;
	     st->kind = next_kind(st->kind, st->n_queues)) {
		if (open_kind(st->kind, st->n_queues, next_port, err, errlen) == 0)
			return 0;
		TT_LOG(INFO, core, "%s", err);
	}
	return -ENODEV;
}

const char *
tt_kernel_link_kernel_side(const char *ifname)
{
	return kl_veth && strcmp(ifname, KL_TCPTERM) == 0 ? KL_KERNEL : NULL;
}

const char *
tt_kernel_link_driver(void)
{
	return kl_driver;
}

void
tt_kernel_link_close(void)
{
	veth_delete();
	kl_driver = NULL;
	if (kl_lock >= 0) {
		/* Unlinked while held, so no file is left per namespace (see lock_take). */
		unlink(kl_lock_path);
		close(kl_lock);
		kl_lock = -1;
	}
}
