/* SPDX-License-Identifier: BSD-3-Clause */
/* rtnetlink requests (tt_netlink.c): one message, its attributes, one answer. */
#ifndef TT_NETLINK_H
#define TT_NETLINK_H

#include <stddef.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

struct tt_nl_req {
	struct nlmsghdr nh;
	union {
		struct ifinfomsg ifi;   /* RTM_*LINK */
		struct ifaddrmsg ifa;   /* RTM_*ADDR */
	};
	char attrs[256];
};

/* Append attribute type with len bytes of data to r; the attribute (to nest others in). */
struct rtattr *tt_nl_attr(struct tt_nl_req *r, unsigned short type, const void *data,
			  size_t len);
/* Close a nest tt_nl_attr opened: its length covers what was appended since. */
void tt_nl_nest_end(struct tt_nl_req *r, struct rtattr *nest);
/*
 * Send r and read the answer: 0 or -errno from its acknowledgement; with reply, the first
 * message of a GET's answer is copied there (up to len bytes) instead.
 */
int tt_nl_talk(struct tt_nl_req *r, void *reply, size_t len);

#endif /* TT_NETLINK_H */
