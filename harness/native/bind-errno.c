/*
 * bind-errno: runs a command with a seccomp filter that makes every inet bind() fail with a
 * chosen errno, so a gateway's non-EADDRINUSE bind path can be tested without root.
 *
 *   bind-errno EACCES|EADDRNOTAVAIL|<number> <command> [args...]   exec the command, filtered
 *   bind-errno --check EACCES|EADDRNOTAVAIL|<number>               prove the filter works here
 *
 * seccomp cannot read the sockaddr behind the pointer, so "inet" is told by its length: 16
 * (sockaddr_in) or 28 (sockaddr_in6). The filter is inherited by every descendant.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define AUDIT_ARCH_SELF AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_SELF AUDIT_ARCH_AARCH64
#else
#error "bind-errno supports x86_64 and aarch64"
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LOW(n) (offsetof(struct seccomp_data, args) + (n) * sizeof(__u64))
#else
#define ARG_LOW(n) (offsetof(struct seccomp_data, args) + (n) * sizeof(__u64) + sizeof(__u32))
#endif

static int parse_errno(const char *name) {
  if (strcmp(name, "EACCES") == 0) return EACCES;
  if (strcmp(name, "EADDRNOTAVAIL") == 0) return EADDRNOTAVAIL;
  if (strcmp(name, "EPERM") == 0) return EPERM;
  char *end;
  long value = strtol(name, &end, 10);
  return (*name && !*end && value > 0 && value < 4096) ? (int)value : -1;
}

static int install_filter(int err) {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_SELF, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_bind, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LOW(2)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, sizeof(struct sockaddr_in), 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, sizeof(struct sockaddr_in6), 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA)),
  };
  struct sock_fprog program = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program);
}

/* Binds 127.0.0.1:0 under the filter: prints "ok" when it failed with the injected errno. */
static int check(int err) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0, .sin_addr = {htonl(INADDR_LOOPBACK)}};
  if (fd < 0) return perror("bind-errno: socket"), 1;
  if (bind(fd, (struct sockaddr *)&address, sizeof(address)) == 0) {
    fprintf(stderr, "bind-errno: the filter did not apply: bind succeeded\n");
    return 1;
  }
  if (errno != err) {
    fprintf(stderr, "bind-errno: bind failed with %s, not the injected error\n", strerror(errno));
    return 1;
  }
  puts("ok");
  return 0;
}

int main(int argc, char **argv) {
  int checking = argc == 3 && strcmp(argv[1], "--check") == 0;
  if (argc < 3) {
    fprintf(stderr, "usage: bind-errno ERRNO command [args...] | bind-errno --check ERRNO\n");
    return 2;
  }
  int err = parse_errno(argv[checking ? 2 : 1]);
  if (err < 0) {
    fprintf(stderr, "bind-errno: unknown errno '%s'\n", argv[checking ? 2 : 1]);
    return 2;
  }
  if (install_filter(err) != 0) {
    perror("bind-errno: seccomp");
    return 126;
  }
  if (checking) return check(err);
  execvp(argv[2], argv + 2);
  fprintf(stderr, "bind-errno: cannot run %s: %s\n", argv[2], strerror(errno));
  return 127;
}
