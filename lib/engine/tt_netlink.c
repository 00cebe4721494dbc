/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtnetlink requests for the kernel sides of tcpterm's ports: the kernel link's veth pair
 * (tt_kernel_link.c) and the IPv6 address of a kernel side (tt_port_setup.c).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <rte_common.h>
#include <rte_debug.h>

#include "tt_netlink.h"

struct rtattr *
tt_nl_attr(struct tt_nl_req *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	RTE_VERIFY(NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_SPACE(len) <= sizeof(*r));
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len != 0)
		memcpy(RTA_DATA(a), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}

void
tt_nl_nest_end(struct tt_nl_req *r, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)r + r->nh.nlmsg_len - (char *)nest);
}

int
tt_nl_talk(struct tt_nl_req *r, void *reply, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char buf[8192];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), rc;
	ssize_t n;

	if (fd < 0)
		return -errno;
	r->nh.nlmsg_flags |= NLM_F_REQUEST | (reply == NULL ? NLM_F_ACK : 0);
	if (sendto(fd, r, r->nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	rc = n < 0 ? -errno : -EPROTO;
	if (n >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

		if (h->nlmsg_type == NLMSG_ERROR) {
			rc = ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
		} else if (reply != NULL && NLMSG_OK(h, (size_t)n)) {
			memcpy(reply, buf, RTE_MIN(len, (size_t)h->nlmsg_len));
			rc = 0;
		}
	}
	close(fd);
	return rc;
}
