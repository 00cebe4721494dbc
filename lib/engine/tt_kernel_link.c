/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The link to the local kernel when EAL is given no device (issue 10 item 5, SPEC O1): the
 * embedded default, and any EAL options with --no-pci and no --vdev, -a or -b. Through the
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
 * kernel_link forces one (or none). The pair is created over rtnetlink, marked with an
 * alias naming our PID, and deleted at exit; one left by a tcpterm that was killed (its PID
 * gone) is deleted at the next start. tt0's transmit checksum offload is turned off: over
 * a veth the kernel otherwise hands AF_PACKET and AF_XDP segments whose checksum is only a
 * pseudo-header's (CHECKSUM_PARTIAL), which tcpterm, checking every checksum, would drop.
 */
#include <errno.h>
#include <signal.h>
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
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <rte_bus.h>
#include <rte_common.h>
#include <rte_dev.h>
#include <rte_errno.h>

#include <tcpterm/tt_config.h>

#include "../dp/tt_log.h"
#include "tt_kernel_link.h"

#define KL_KERNEL   "tt0"     /* the kernel's side: the address clients use is on it */
#define KL_TCPTERM  "tt0p"    /* tcpterm's side of the veth pair */
#define KL_ALIAS    "tcpterm kernel link, pid "

static bool kl_veth;            /* we made the pair: delete it at exit */
static const char *kl_driver;   /* what tt_kernel_link_open probed, for the log */

struct nl_req {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	char attrs[256];
};

static struct rtattr *
nl_attr(struct nl_req *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len != 0)
		memcpy(RTA_DATA(a), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}

static void
nl_nest_end(struct nl_req *r, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)r + r->nh.nlmsg_len - (char *)nest);
}

/* Send r and read its acknowledgement: 0 or -errno. */
static int
nl_talk(struct nl_req *r)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char buf[4096];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), rc;
	ssize_t n;

	if (fd < 0)
		return -errno;
	r->nh.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (sendto(fd, r, r->nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	rc = n < 0 ? -errno : -EPROTO;
	if (n >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

		if (h->nlmsg_type == NLMSG_ERROR)
			rc = ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
	close(fd);
	return rc;
}

static int
veth_create(void)
{
	struct nl_req r = { 0 };
	struct rtattr *info, *data, *peer;
	struct ifinfomsg peer_ifi = { .ifi_family = AF_UNSPEC };

	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifi));
	r.nh.nlmsg_type = RTM_NEWLINK;
	r.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	r.ifi.ifi_family = AF_UNSPEC;
	nl_attr(&r, IFLA_IFNAME, KL_KERNEL, sizeof(KL_KERNEL));
	info = nl_attr(&r, IFLA_LINKINFO, NULL, 0);
	nl_attr(&r, IFLA_INFO_KIND, "veth", sizeof("veth"));
	data = nl_attr(&r, IFLA_INFO_DATA, NULL, 0);
	/* VETH_INFO_PEER holds an ifinfomsg, then the peer's own attributes. */
	peer = nl_attr(&r, VETH_INFO_PEER, &peer_ifi, sizeof(peer_ifi));
	nl_attr(&r, IFLA_IFNAME, KL_TCPTERM, sizeof(KL_TCPTERM));
	nl_nest_end(&r, peer);
	nl_nest_end(&r, data);
	nl_nest_end(&r, info);
	return nl_talk(&r);
}

static int
link_delete(const char *name)
{
	struct nl_req r = { 0 };
	unsigned int idx = if_nametoindex(name);

	if (idx == 0)
		return -ENODEV;
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifi));
	r.nh.nlmsg_type = RTM_DELLINK;
	r.ifi.ifi_family = AF_UNSPEC;
	r.ifi.ifi_index = (int)idx;
	return nl_talk(&r);
}

static int
sysfs_read(const char *name, const char *attr, char *buf, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, attr);
	f = fopen(path, "r");
	if (f == NULL)
		return -errno;
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return 0;
}

static int
sysfs_write(const char *name, const char *attr, const char *val)
{
	char path[128];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, attr);
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	rc = fputs(val, f) < 0 ? -EIO : 0;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* Up, and for the kernel's side its transmit checksum done in full (see the top). */
static int
veth_prepare(char *err, size_t errlen)
{
	const char *names[] = { KL_KERNEL, KL_TCPTERM };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
	struct ifreq ifr = { 0 };
	char alias[64];

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", KL_KERNEL);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0) {
		snprintf(err, errlen, "cannot turn %s's transmit checksum offload off: %s",
			 KL_KERNEL, strerror(errno));
		close(fd);
		return -errno;
	}
	for (size_t i = 0; i < RTE_DIM(names); i++) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", names[i]);
		if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
		    (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)) {
			snprintf(err, errlen, "cannot bring %s up: %s", names[i], strerror(errno));
			close(fd);
			return -errno;
		}
	}
	close(fd);
	snprintf(alias, sizeof(alias), KL_ALIAS "%d", (int)getpid());
	sysfs_write(KL_KERNEL, "ifalias", alias);
	return 0;
}

/*
 * tt0 exists already: ours from a tcpterm that is gone (deleted, 0), or anything else
 * (-EEXIST, err says whose and what to do).
 */
static int
stale_check(char *err, size_t errlen)
{
	char alias[64];
	long pid;

	if (sysfs_read(KL_KERNEL, "ifalias", alias, sizeof(alias)) == 0 &&
	    strncmp(alias, KL_ALIAS, strlen(KL_ALIAS)) == 0 &&
	    sscanf(alias + strlen(KL_ALIAS), "%ld", &pid) == 1) {
		if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
			TT_LOG(NOTICE, core, "%s: left by tcpterm pid %ld, which is gone: deleted",
			       KL_KERNEL, pid);
			return link_delete(KL_KERNEL);
		}
		snprintf(err, errlen, "%s is the kernel link of tcpterm pid %ld, still running: stop it, or give this one a device (--vdev)",
			 KL_KERNEL, pid);
		return -EEXIST;
	}
	snprintf(err, errlen, "network device %s already exists and is not a tcpterm kernel link: remove it (ip link del %s) or give a device (--vdev)",
		 KL_KERNEL, KL_KERNEL);
	return -EEXIST;
}

static int
probe(const char *args)
{
	int rc = rte_dev_probe(args);

	if (rc != 0)
		TT_LOG(INFO, core, "kernel link: %s did not come up (%s)", args, rte_strerror(-rc));
	return rc;
}

int
tt_kernel_link_open(uint32_t mode, char *err, size_t errlen)
{
	bool want_veth = mode == TT_KERNEL_LINK_AUTO || mode == TT_KERNEL_LINK_AF_XDP ||
			 mode == TT_KERNEL_LINK_AF_PACKET;
	int rc;

	if (mode == TT_KERNEL_LINK_NONE)
		return -ENODEV;
	if (if_nametoindex(KL_KERNEL) != 0) {
		rc = stale_check(err, errlen);
		if (rc != 0)
			return rc;
	}
	if (want_veth) {
		rc = veth_create();
		if (rc == 0) {
			kl_veth = true;
			rc = veth_prepare(err, errlen);
		}
		if (rc == 0 && mode != TT_KERNEL_LINK_AF_PACKET &&
		    probe("net_af_xdp0,iface=" KL_TCPTERM ",start_queue=0,queue_count=1") == 0) {
			kl_driver = "AF_XDP";
			return 0;
		}
		if (rc == 0 && mode != TT_KERNEL_LINK_AF_XDP &&
		    probe("net_af_packet0,iface=" KL_TCPTERM ",qpairs=1") == 0) {
			kl_driver = "AF_PACKET";
			return 0;
		}
		if (rc != 0)
			TT_LOG(INFO, core, "kernel link: no veth pair (%s)",
			       rc == -EPERM ? "not permitted" : strerror(-rc));
		tt_kernel_link_close();
		if (mode != TT_KERNEL_LINK_AUTO) {
			snprintf(err, errlen, "kernel_link %s: no %s port on a veth pair%s (EAL's messages above; kernel_link auto falls back to the next kind)",
				 tt_kernel_link_name(mode), tt_kernel_link_name(mode),
				 rc != 0 ? ": cannot create the pair" : "");
			return -ENODEV;
		}
	}
	rc = probe("net_tap0,iface=" KL_KERNEL);
	if (rc != 0) {
		snprintf(err, errlen, "no kernel link: neither a veth pair nor a TAP device %s could be made (%s): run as root, or give a device (--vdev)",
			 KL_KERNEL, rte_strerror(-rc));
		return rc;
	}
	kl_driver = "TAP";
	return 0;
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
	if (!kl_veth)
		return;
	/* Deleting one side of a veth pair deletes both. */
	link_delete(KL_KERNEL);
	kl_veth = false;
}
