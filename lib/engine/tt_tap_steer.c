/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TAP queue steering (see tt_tap_steer.h). The kernel runs the program for each frame it
 * sends on the TAP (tun_select_queue) and takes its return value, modulo the number of
 * queues, as the queue; its view of the frame starts at the Ethernet header. The program
 * is generated for the key: for each of the 96 input bits (IPv4 source, destination,
 * source port, destination port) a test and an XOR of that bit's key window, then the
 * RETA rule (h & reta_mask) % n_queues, which is the engine's RETA (entry i -> i % n).
 * Frames other than unfragmented IPv4/TCP go to queue 0, as a NIC hashing only IPv4/TCP
 * does.
 *
 * Attaching needs a file descriptor of the device: the port's are the PMD's, so a queue of
 * our own is attached with the device's own flags (read from sysfs; TUNSETIFF on an
 * existing device replaces them), the program set through it, and the queue detached and
 * closed at once. The program stays with the device until the PMD closes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_tun.h>
#include <net/if.h>

#include "../dp/tt_steer.h"
#include "tt_tap_steer.h"

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

/* Frame offsets: Ethernet 14, then the IPv4 header. */
#define OFF_ETHERTYPE 12
#define OFF_IP 14
#define OFF_IP_FRAG (OFF_IP + 6)
#define OFF_IP_PROTO (OFF_IP + 9)
#define OFF_IP_SRC (OFF_IP + 12)
#define OFF_IP_DST (OFF_IP + 16)

/* Header, 96 bits x 3 instructions, tail, and the drop-to-queue-0 exit. */
#define PROG_LEN (19 + 96 * 3 + 3 + 2)

unsigned int
tt_tap_steer_prog(const struct tt_steer *s, uint16_t n_queues, void *out, unsigned int max)
{
	struct bpf_insn *p = out;
	unsigned int n = 0, ret0 = PROG_LEN - 2;
	/* r8: source address, r9: destination, r7: ports word; r0 the hash. */
	static const uint8_t word_reg[3] = { 8, 9, 7 };

	if (max < PROG_LEN || n_queues == 0)
		return 0;
	for (unsigned int i = 0; i <= s->reta_mask; i++)
		if (s->reta[i] != i % n_queues)
			return 0;
#define EMIT(...) (p[n] = INSN(__VA_ARGS__), n++)
#define TO_RET0 ((int16_t)(ret0 - (n + 1)))
	EMIT(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);                /* LD_ABS wants r6 = ctx */
	EMIT(BPF_LD | BPF_ABS | BPF_H, 0, 0, 0, OFF_ETHERTYPE);
	EMIT(BPF_JMP | BPF_JNE | BPF_K, 0, 0, TO_RET0, 0x0800);
	EMIT(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, OFF_IP_PROTO);
	EMIT(BPF_JMP | BPF_JNE | BPF_K, 0, 0, TO_RET0, 6);
	EMIT(BPF_LD | BPF_ABS | BPF_H, 0, 0, 0, OFF_IP_FRAG);
	EMIT(BPF_ALU | BPF_AND | BPF_K, 0, 0, 0, 0x3fff);            /* MF or an offset */
	EMIT(BPF_JMP | BPF_JNE | BPF_K, 0, 0, TO_RET0, 0);
	EMIT(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, OFF_IP);
	EMIT(BPF_ALU | BPF_AND | BPF_K, 0, 0, 0, 0xf);
	EMIT(BPF_ALU | BPF_LSH | BPF_K, 0, 0, 0, 2);
	EMIT(BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0);                /* r7 = IHL in bytes */
	EMIT(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, OFF_IP_SRC);
	EMIT(BPF_ALU64 | BPF_MOV | BPF_X, 8, 0, 0, 0);
	EMIT(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, OFF_IP_DST);
	EMIT(BPF_ALU64 | BPF_MOV | BPF_X, 9, 0, 0, 0);
	EMIT(BPF_LD | BPF_IND | BPF_W, 0, 7, 0, OFF_IP);              /* sport << 16 | dport */
	EMIT(BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0);
	EMIT(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 0);
	for (unsigned int i = 0; i < 96; i++) {
		/* Bit set: skip the jump over the XOR. */
		EMIT(BPF_JMP | BPF_JSET | BPF_K, word_reg[i / 32], 0, 1,
		     (int32_t)(UINT32_C(0x80000000) >> (i % 32)));
		EMIT(BPF_JMP | BPF_JA, 0, 0, 1, 0);
		EMIT(BPF_ALU | BPF_XOR | BPF_K, 0, 0, 0,
		     (int32_t)tt_toeplitz_window(s->toeplitz.key, i));
	}
	EMIT(BPF_ALU | BPF_AND | BPF_K, 0, 0, 0, (int32_t)s->reta_mask);
	EMIT(BPF_ALU | BPF_MOD | BPF_K, 0, 0, 0, n_queues);
	EMIT(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	EMIT(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 0);                 /* ret0 */
	EMIT(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
#undef TO_RET0
#undef EMIT
	return n == PROG_LEN ? n : 0;
}

static int
prog_load(const struct bpf_insn *insns, unsigned int n)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = n;
	a.license = (uintptr_t)"BSD";
	return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
}

/* The device's TUNSETIFF flags, from sysfs (the namespace's). */
static int
tun_flags(const char *ifname, unsigned long *flags)
{
	char path[64 + IF_NAMESIZE], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/net/%s/tun_flags", ifname);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*flags = strtoul(buf, NULL, 16);
	return 0;
}

int
tt_tap_steer(const char *ifname, const struct tt_steer *s, uint16_t n_queues, char *why,
	     size_t whylen)
{
	const unsigned long keep = IFF_TUN | IFF_TAP | IFF_NO_PI | IFF_ONE_QUEUE | IFF_VNET_HDR |
				   IFF_MULTI_QUEUE | IFF_NAPI | IFF_NAPI_FRAGS;
	struct bpf_insn insns[PROG_LEN];
	struct ifreq ifr;
	unsigned long flags = 0;
	int fd = -1, prog = -1, rc;

	if (tt_tap_steer_prog(s, n_queues, insns, PROG_LEN) == 0) {
		snprintf(why, whylen, "TAP queue program: RETA is not entry i -> i %% %u", n_queues);
		return -EINVAL;
	}
	rc = tun_flags(ifname, &flags);
	if (rc != 0) {
		snprintf(why, whylen, "cannot read %s's TUN flags: %s", ifname, strerror(-rc));
		return rc;
	}
	if (!(flags & IFF_MULTI_QUEUE)) {
		snprintf(why, whylen, "%s is not a multi-queue TAP", ifname);
		return -ENOTSUP;
	}
	prog = prog_load(insns, PROG_LEN);
	if (prog < 0) {
		rc = -errno;
		snprintf(why, whylen, "TAP queue program not loaded: %s", strerror(errno));
		return rc;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_flags = (short)(flags & keep);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETSTEERINGEBPF, &prog) < 0)
		goto fail;
	/* Our queue out of the set the kernel chooses from, then gone; the program stays. */
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_DETACH_QUEUE;
	if (ioctl(fd, TUNSETQUEUE, &ifr) < 0)
		goto fail;
	close(fd);
	close(prog);
	return 0;
fail:
	rc = -errno;
	snprintf(why, whylen, "TAP queue program not attached to %s: %s", ifname, strerror(errno));
	if (fd >= 0)
		close(fd);
	close(prog);
	return rc;
}
