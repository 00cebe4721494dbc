// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_vlan's 802.1Q switch port, for a kernel built without VLAN devices or tc's vlan
 * action (this lab's): two tc programs (cls_bpf, direct action) on the kernel's side of
 * tcpterm's TAP, which make it a trunk carrying VLAN VLAN_ID tagged and the rest untagged.
 *
 *   egress (kernel -> tcpterm): frames from the VLAN's subnet (IPv4 source, ARP sender, IPv6
 *     source) get the tag, the others go untagged;
 *   ingress (tcpterm -> kernel): a frame tagged VLAN_ID must come from the VLAN's subnet and
 *     loses its tag; an untagged one must come from outside it; anything else (another VLAN,
 *     a frame on the wrong side) is dropped, so the kernel's TCP only ever hears tcpterm
 *     when it tagged right.
 *
 * Built by the test: clang -O2 -target bpf -DVLAN_ID=100 -DVLAN_NET4=0xc6120600
 * -DVLAN_MASK4=0xffffff00 -DVLAN_NET6_HI=0x2001000200000100 (the /64's upper half).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

static __always_inline int
in_vlan4(__u32 a_be)
{
	return (bpf_ntohl(a_be) & VLAN_MASK4) == VLAN_NET4;
}

/* 1: the frame's source is in the VLAN's subnet; 0: it is not; -1: not IPv4, ARP or IPv6. */
static __always_inline int
from_vlan(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return -1;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end)
			return -1;
		return in_vlan4(ip->saddr);
	}
	if (eth->h_proto == bpf_htons(ETH_P_ARP)) {
		__u8 *arp = (void *)(eth + 1);
		__u32 sip;

		if ((void *)(arp + 18) > end)
			return -1;
		__builtin_memcpy(&sip, arp + 14, 4);
		return in_vlan4(sip);
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		__u64 hi;

		if ((void *)(ip6 + 1) > end)
			return -1;
		/* DAD's solicitation is from :: (RFC 4862 5.4.2): on no subnet, either side. */
		if (!ip6->saddr.in6_u.u6_addr32[0] && !ip6->saddr.in6_u.u6_addr32[1] &&
		    !ip6->saddr.in6_u.u6_addr32[2] && !ip6->saddr.in6_u.u6_addr32[3])
			return -1;
		__builtin_memcpy(&hi, &ip6->saddr, 8);
		return bpf_be64_to_cpu(hi) == VLAN_NET6_HI;
	}
	return -1;
}

SEC("tt_to")
int
to_tcpterm(struct __sk_buff *skb)
{
	if (from_vlan(skb) == 1)
		bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), VLAN_ID);
	return TC_ACT_OK;
}

SEC("tt_from")
int
from_tcpterm(struct __sk_buff *skb)
{
	int tagged = skb->vlan_present, vid = skb->vlan_tci & 0xfff, from;

	if (tagged && vid != VLAN_ID)
		return TC_ACT_SHOT;
	if (tagged)
		bpf_skb_vlan_pop(skb);
	from = from_vlan(skb);
	/* IPv6's link-local traffic (MLD, ND between link-locals) is untagged and off-subnet. */
	if (from >= 0 && from != tagged)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
