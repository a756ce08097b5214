/*
 * nfq-delay: holds every packet of one NFQUEUE queue for a fixed time, then accepts it.
 *
 * The kernel here has no netem, so the benchmark harness adds one-way delay in user space: an
 * iptables rule `-j NFQUEUE --queue-num N` at PREROUTING of a namespace queues each arriving
 * packet, and this program gives the verdict ACCEPT `delay` microseconds after the packet
 * arrived. Packets leave in arrival order (one delay for all, so a FIFO of packet ids is enough
 * and one batch verdict releases every packet that is due).
 *
 * Delaying on the receiving side matters: a packet held at the sender's POSTROUTING still
 * counts against its socket's send budget (TCP small queues) and caps TCP at about 0.5 MB/s.
 *
 *   nfq-delay QUEUE_NUM DELAY_US
 *
 * Prints "ready" on stdout once the queue is bound; exits on SIGTERM/SIGINT. Queued packets
 * are dropped by the kernel when the program exits (the rule should be removed first).
 *
 * Build: cc -O2 -o nfq-delay nfq-delay.c -lnetfilter_queue
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Room for every packet in flight: at 1 Gbit/s and 100 ms that is ~8,300 full-size packets. */
#define RING_SIZE (1u << 17)
#define QUEUE_MAXLEN 65536u

struct held {
  uint32_t id;
  uint64_t due_ns;
};

static struct held ring[RING_SIZE];
static uint32_t head, tail; /* held packets are ring[head..tail) modulo RING_SIZE */
static uint64_t delay_ns;
static volatile sig_atomic_t stopping;
static unsigned long long overflowed;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
  (void)msg;
  (void)data;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  if (ph == NULL) return 0;
  uint32_t id = ntohl(ph->packet_id);
  if (tail - head >= RING_SIZE) {
    /* Never expected at the rates used; accepting at once keeps the link alive. */
    overflowed++;
    return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
  }
  ring[tail % RING_SIZE] = (struct held){ .id = id, .due_ns = now_ns() + delay_ns };
  tail++;
  return 0;
}

/* Accepts every held packet that is due (ids grow in arrival order: one batch verdict). */
static void release_due(struct nfq_q_handle *qh) {
  uint64_t now = now_ns();
  uint32_t last = head;
  while (last != tail && ring[last % RING_SIZE].due_ns <= now) last++;
  if (last == head) return;
  nfq_set_verdict_batch(qh, ring[(last - 1) % RING_SIZE].id, NF_ACCEPT);
  head = last;
}

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s QUEUE_NUM DELAY_US\n", argv[0]);
    return 2;
  }
  unsigned queue_num = (unsigned)strtoul(argv[1], NULL, 10);
  delay_ns = strtoull(argv[2], NULL, 10) * 1000ull;

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  struct nfq_handle *h = nfq_open();
  if (h == NULL) {
    perror("nfq_open");
    return 1;
  }
  nfq_unbind_pf(h, AF_INET);
  if (nfq_bind_pf(h, AF_INET) < 0) {
    perror("nfq_bind_pf");
    return 1;
  }
  struct nfq_q_handle *qh = nfq_create_queue(h, (uint16_t)queue_num, on_packet, NULL);
  if (qh == NULL) {
    perror("nfq_create_queue");
    return 1;
  }
  /* Only the packet id is needed: no payload is copied to user space. */
  if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) {
    perror("nfq_set_mode");
    return 1;
  }
  nfq_set_queue_maxlen(qh, QUEUE_MAXLEN);
  int fd = nfq_fd(h);
  int rcvbuf = 16 << 20, one = 1;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
  setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);

  printf("ready\n");
  fflush(stdout);

  static char buf[65536] __attribute__((aligned));
  while (!stopping) {
    /* Sleep until a packet arrives or the oldest held packet is due (ppoll: nanoseconds). */
    struct timespec wait, *waitp = NULL;
    if (head != tail) {
      uint64_t now = now_ns();
      uint64_t due = ring[head % RING_SIZE].due_ns;
      uint64_t left = due > now ? due - now : 0;
      wait.tv_sec = (time_t)(left / 1000000000ull);
      wait.tv_nsec = (long)(left % 1000000000ull);
      waitp = &wait;
    }
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int n = ppoll(&p, 1, waitp, NULL);
    if (n < 0 && errno != EINTR) {
      perror("ppoll");
      break;
    }
    if (n > 0 && (p.revents & POLLIN)) {
      for (;;) {
        ssize_t len = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (len < 0) break;
        nfq_handle_packet(h, buf, (int)len);
      }
    }
    release_due(qh);
  }
  if (overflowed > 0) fprintf(stderr, "nfq-delay: %llu packets passed undelayed (ring full)\n", overflowed);
  nfq_destroy_queue(qh);
  nfq_close(h);
  return 0;
}
