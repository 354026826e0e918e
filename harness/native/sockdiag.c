/*
 * sockdiag: the host's TCP sockets on some local ports, from the kernel's sock_diag netlink
 * interface, described as /proc/net/tcp{,6} would describe them.
 *
 *   sockdiag listen PORT...   LISTEN sockets only, printed on stdout
 *   sockdiag all PORT...      sockets in every state (TIME_WAIT ones have inode 0)
 *   sockdiag serve DIR PPID   answers such requests, one per line, on two FIFOs it makes in DIR
 *
 * One line per socket: "<family 4|6> <state, two hex digits as in /proc/net/tcp> <inode>
 * <address> <port>". In serve mode each answer ends with a line ".", or "!" when the netlink
 * request failed. The FIFOs are DIR/requests and DIR/answers; both are opened read-write here,
 * so that the harness's opens never block, and "ready" on stdout says they exist. Holding both
 * ends, it never reads an end of file: it dies with PPID (PR_SET_PDEATHSIG), and the harness
 * kills it at exit. Exit 2 on bad arguments; 1 when a one-shot request failed.
 *
 * Why not /proc/net/tcp: reading it walks every bucket of the kernel's established-connection
 * hash (262144 on a small VM) for each file, even to list the listeners: 2-4 ms per LISTEN read
 * and about 14 ms for the whole table. A sock_diag dump of LISTEN sockets walks the listening
 * hash alone (microseconds), and a dump of every state skips empty buckets without formatting.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#define TCP_LISTEN_STATE 10
#define MAX_PORTS 64

static int wanted(unsigned port, const unsigned *ports, int count) {
  for (int i = 0; i < count; i++)
    if (ports[i] == port) return 1;
  return 0;
}

static int dump(FILE *out, int family, unsigned states, const unsigned *ports, int count) {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return -1;
  struct {
    struct nlmsghdr header;
    struct inet_diag_req_v2 request;
  } message;
  memset(&message, 0, sizeof message);
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.request.sdiag_family = (unsigned char)family;
  message.request.sdiag_protocol = IPPROTO_TCP;
  message.request.idiag_states = states;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (sendto(fd, &message, sizeof message, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
    close(fd);
    return -1;
  }
  static char buffer[65536];
  for (;;) {
    ssize_t length = recv(fd, buffer, sizeof buffer, 0);
    if (length < 0) {
      if (errno == EINTR) continue;
      close(fd);
      return -1;
    }
    if (length == 0) break;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buffer; NLMSG_OK(h, (unsigned)length); h = NLMSG_NEXT(h, length)) {
      if (h->nlmsg_type == NLMSG_DONE) {
        close(fd);
        return 0;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        close(fd);
        return -1;
      }
      struct inet_diag_msg *socket_info = NLMSG_DATA(h);
      unsigned port = ntohs(socket_info->id.idiag_sport);
      if (!wanted(port, ports, count)) continue;
      char address[INET6_ADDRSTRLEN];
      if (!inet_ntop(family, socket_info->id.idiag_src, address, sizeof address)) continue;
      fprintf(out, "%d %02X %u %s %u\n", family == AF_INET ? 4 : 6, socket_info->idiag_state, socket_info->idiag_inode, address, port);
    }
  }
  close(fd);
  return 0;
}

/* Parses "listen|all PORT..." words into the state mask and ports; 0 on success. */
static int parse(int argc, char **argv, unsigned *states, unsigned *ports, int *count) {
  if (argc < 2 || (strcmp(argv[0], "listen") != 0 && strcmp(argv[0], "all") != 0)) return -1;
  *states = strcmp(argv[0], "listen") == 0 ? 1u << TCP_LISTEN_STATE : 0xFFFFFFFFu;
  *count = 0;
  if (argc - 1 > MAX_PORTS) return -1;
  for (int i = 1; i < argc; i++) {
    char *end;
    unsigned long port = strtoul(argv[i], &end, 10);
    if (*end != '\0' || port == 0 || port > 65535) return -1;
    ports[(*count)++] = (unsigned)port;
  }
  return 0;
}

static int query(FILE *out, unsigned states, const unsigned *ports, int count) {
  return dump(out, AF_INET, states, ports, count) == 0 && dump(out, AF_INET6, states, ports, count) == 0 ? 0 : -1;
}

static int serve(const char *dir, pid_t parent) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) return 1;
  char requests_path[4096], answers_path[4096];
  snprintf(requests_path, sizeof requests_path, "%s/requests", dir);
  snprintf(answers_path, sizeof answers_path, "%s/answers", dir);
  if (mkfifo(requests_path, 0600) != 0 || mkfifo(answers_path, 0600) != 0) return 1;
  int requests_fd = open(requests_path, O_RDWR | O_CLOEXEC);
  int answers_fd = open(answers_path, O_RDWR | O_CLOEXEC);
  if (requests_fd < 0 || answers_fd < 0) return 1;
  FILE *requests = fdopen(requests_fd, "r");
  FILE *answers = fdopen(answers_fd, "w");
  if (!requests || !answers) return 1;
  printf("ready\n");
  fflush(stdout);
  /* A request is at most "listen" and 64 ports: one line of under 400 characters. */
  static char line[1024];
  while (fgets(line, sizeof line, requests)) {
    char *words[MAX_PORTS + 2];
    int argc = 0;
    for (char *word = strtok(line, " \n"); word && argc < MAX_PORTS + 2; word = strtok(NULL, " \n")) words[argc++] = word;
    unsigned states, ports[MAX_PORTS];
    int count;
    /* Lines go out as they are found; the terminator says whether they are the whole answer. */
    int ok = parse(argc, words, &states, ports, &count) == 0 && query(answers, states, ports, count) == 0;
    fputs(ok ? ".\n" : "!\n", answers);
    if (fflush(answers) != 0) return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "serve") == 0) return serve(argv[2], (pid_t)atoi(argv[3]));
  unsigned states, ports[MAX_PORTS];
  int count;
  if (parse(argc - 1, argv + 1, &states, ports, &count) != 0) {
    fprintf(stderr, "usage: sockdiag listen|all PORT... | sockdiag serve DIR PPID\n");
    return 2;
  }
  if (query(stdout, states, ports, count) != 0) {
    fprintf(stderr, "sockdiag: netlink request failed: %s\n", strerror(errno));
    return 1;
  }
  return fflush(stdout) == 0 ? 0 : 1;
}
