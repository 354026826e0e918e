/*
 * bind-errno: runs a command so that its bind() calls on ONE port fail with a chosen errno, while
 * every other bind (a gateway's listen(0) probe, side ports, unix sockets) works as usual.
 *
 *   bind-errno ERRNO PORT command [args...]   run the command; inet binds of PORT fail with ERRNO
 *   bind-errno --check ERRNO PORT             prove it works here: prints "ok" and exits 0
 *
 * ERRNO is EACCES, EADDRNOTAVAIL, EPERM or a number. When BIND_ERRNO_LOG names a file, a line per
 * injected failure is appended to it ("<epoch s> pid <pid> bind <host>:<port> <ERRNO>"), never
 * to the command's own output. Bad usage: one line on stderr, exit 2. The command cannot be run:
 * exit 127. Otherwise the exit status is the command's: its code, or its death signal re-raised.
 *
 * Why seccomp user notification: a seccomp BPF filter sees the syscall's registers, not the
 * sockaddr behind the pointer, so it cannot tell port P from port 0. With SECCOMP_RET_USER_NOTIF
 * the kernel parks each bind() and asks a supervisor, which reads the sockaddr from the caller's
 * memory and answers with the errno, or with CONTINUE (the kernel then runs the real bind). Only
 * bind() notifies; every other syscall is allowed in the kernel without a round trip.
 *
 * Three processes, because of daemonising gateways:
 *
 *   launcher (the pid that was spawned): forwards signals, then exits as the command did
 *     `- supervisor: answers the notifications; child subreaper
 *          `- command: installs the filter, hands the listener fd up over a socketpair, execs
 *
 * A gateway may daemonise (its first process exits, a descendant goes on binding). The launcher
 * must exit when the command does, so the caller sees that exit; the descendant's binds still
 * need answers, and reading another process's memory under Yama ptrace_scope=1 needs an ancestor.
 * The supervisor is a subreaper, so it stays the ancestor of every orphaned descendant, and it
 * outlives the command for as long as any process carries the filter (the listener polls HUP
 * once the last one is reaped). When it lingers it lets go of the command's stdout and stderr,
 * so a caller waiting for their end is not held up.
 *
 * Not a sandbox: CONTINUE lets the kernel re-read the sockaddr, so a process that rewrites it
 * between our read and the real bind escapes (seccomp_unotify(2)). That is fine for fault
 * injection into a cooperating program. Not covered: binds by another ABI (i386 socketcall, x32)
 * and by io_uring (IORING_OP_BIND), which bypass seccomp; Node and Go use plain bind().
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mirror.h"

#if defined(__x86_64__)
#define AUDIT_ARCH_SELF AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_SELF AUDIT_ARCH_AARCH64
#else
#error "bind-errno supports x86_64 and aarch64"
#endif

/* The signals a caller sends to stop or reconfigure a gateway: passed on to the command. */
static const int FORWARDED[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
#define FORWARDED_COUNT (sizeof(FORWARDED) / sizeof(FORWARDED[0]))

static int injected;       /* the errno */
static const char *errname; /* as given on the command line, for the log */
static int target_port;
static int log_fd = -1;

static int usage(const char *message, const char *word) {
  fprintf(stderr, "bind-errno: %s%s%s (usage: bind-errno ERRNO PORT command [args...] | bind-errno --check ERRNO PORT)\n",
          message, word ? " " : "", word ? word : "");
  return 2;
}

static int parse_errno(const char *name) {
  if (strcmp(name, "EACCES") == 0) return EACCES;
  if (strcmp(name, "EADDRNOTAVAIL") == 0) return EADDRNOTAVAIL;
  if (strcmp(name, "EPERM") == 0) return EPERM;
  char *end;
  long value = strtol(name, &end, 10);
  return (*name && !*end && value > 0 && value < 4096) ? (int)value : -1;
}

static int parse_port(const char *text) {
  char *end;
  long value = strtol(text, &end, 10);
  return (*text && !*end && value >= 1 && value <= 65535) ? (int)value : -1;
}

/* ---- the filter (installed by the command process) ---------------------------------------- */

/* bind() of this ABI -> ask the supervisor; anything else, or another ABI -> allow. */
static int install_filter(void) {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_SELF, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_bind, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog program = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};
  /* Required to install a filter without CAP_SYS_ADMIN; it also means exec never gains privileges. */
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program);
}

static int send_fd(int channel, int fd) {
  char byte = 0;
  struct iovec iov = {&byte, 1};
  union { struct cmsghdr header; char space[CMSG_SPACE(sizeof(int))]; } control;
  memset(&control, 0, sizeof control);
  struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space};
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  return sendmsg(channel, &message, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* The fd sent by send_fd, or -1 when the command ended first (it said why on stderr). */
static int recv_fd(int channel) {
  char byte;
  struct iovec iov = {&byte, 1};
  union { struct cmsghdr header; char space[CMSG_SPACE(sizeof(int))]; } control;
  struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space};
  ssize_t got;
  do got = recvmsg(channel, &message, MSG_CMSG_CLOEXEC);
  while (got < 0 && errno == EINTR);
  struct cmsghdr *cmsg = got == 1 ? CMSG_FIRSTHDR(&message) : NULL;
  if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS || cmsg->cmsg_len != CMSG_LEN(sizeof(int))) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
  return fd;
}

/* ---- --check: runs in the command process, under the filter --------------------------------- */

/* errno of binding a fresh TCP socket of `family` to loopback:port, 0 on success. */
static int try_bind(int family, int port) {
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int result;
  if (family == AF_INET) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = {htonl(INADDR_LOOPBACK)}};
    result = bind(fd, (struct sockaddr *)&a, sizeof a);
  } else {
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    result = bind(fd, (struct sockaddr *)&a, sizeof a);
  }
  int err = result == 0 ? 0 : errno;
  close(fd);
  return err;
}

static int check(void) {
  int err;
  if ((err = try_bind(AF_INET, 0)) != 0) {
    fprintf(stderr, "bind-errno: bind of 127.0.0.1:0 failed (%s); only port %d should\n", strerror(err), target_port);
    return 1;
  }
  if ((err = try_bind(AF_INET, target_port)) != injected) {
    fprintf(stderr, "bind-errno: bind of 127.0.0.1:%d %s%s, not with the injected error\n", target_port,
            err ? "failed with " : "succeeded", err ? strerror(err) : "");
    return 1;
  }
  /* [::1] where the host has IPv6 loopback (binding [::1]:0 works, passed through). */
  if (try_bind(AF_INET6, 0) == 0 && (err = try_bind(AF_INET6, target_port)) != injected) {
    fprintf(stderr, "bind-errno: bind of [::1]:%d %s%s, not with the injected error\n", target_port,
            err ? "failed with " : "succeeded", err ? strerror(err) : "");
    return 1;
  }
  puts("ok");
  return 0;
}

/* ---- the command process ------------------------------------------------------------------ */

static void run_command(pid_t supervisor, int channel, const sigset_t *original_mask, char **command) {
  /*
   * PR_SET_PDEATHSIG(SIGKILL): should the supervisor die, the kernel answers the filter's binds
   * with ENOSYS (no hang, but a gateway failing for a reason we did not inject), so the command
   * goes with it. The setting survives execve unless the exec changes credentials (set-user-ID,
   * file capabilities), which PR_SET_NO_NEW_PRIVS rules out, so it stays armed in the gateway.
   * fork() clears it: the gateway's own children are not tied to it (the supervisor lingers for
   * them instead). The getppid() test closes the race with a supervisor that died before prctl.
   */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != supervisor) _exit(126);
  int listener = install_filter();
  if (listener < 0) {
    fprintf(stderr, "bind-errno: seccomp user notification unavailable: %s\n", strerror(errno));
    _exit(126);
  }
  if (send_fd(channel, listener) != 0) _exit(126);
  close(listener);
  close(channel);
  /* Binds from here on wait for the supervisor, which now holds the listener. */
  sigprocmask(SIG_SETMASK, original_mask, NULL);
  if (!command) exit(check()); /* exit, not _exit: flushes "ok" */
  unsetenv("BIND_ERRNO_LOG");
  execvp(command[0], command);
  fprintf(stderr, "bind-errno: cannot run %s: %s\n", command[0], strerror(errno));
  _exit(127);
}

/* ---- the supervisor ----------------------------------------------------------------------- */

/* Reads the caller's memory: process_vm_readv, or /proc/<pid>/mem where that syscall is denied. */
static ssize_t read_memory(pid_t pid, uint64_t address, void *buffer, size_t length) {
  struct iovec local = {buffer, length}, remote = {(void *)(uintptr_t)address, length};
  ssize_t got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  if (got >= 0) return got;
  char path[32];
  snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  got = pread(fd, buffer, length, (off_t)address);
  close(fd);
  return got;
}

static void log_line(const char *text) {
  if (log_fd < 0) return;
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  char line[256];
  int n = snprintf(line, sizeof line, "%lld.%03ld %s\n", (long long)t.tv_sec, t.tv_nsec / 1000000, text);
  if (n > 0) (void)!write(log_fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1); /* O_APPEND: one write, one line */
}

static void answer_one(int listener, struct seccomp_notif *req, size_t req_size, struct seccomp_notif_resp *resp, size_t resp_size) {
  memset(req, 0, req_size); /* the kernel rejects a non-zeroed buffer */
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) return; /* ENOENT: the caller was interrupted and left */
  union { struct sockaddr sa; struct sockaddr_in v4; struct sockaddr_in6 v6; } address;
  memset(&address, 0, sizeof address);
  uint64_t length = req->data.args[2];
  ssize_t got = read_memory(req->pid, req->data.args[1], &address, length < sizeof address ? length : sizeof address);
  int read_errno = errno;
  /* Still pending means the caller is still blocked in this bind, so req->pid was not reused
   * by another process while we read: what we read is its sockaddr. */
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) != 0) return;

  /* The kernel's own minimum lengths (shorter gets EINVAL from the real bind: let it). */
  int port = -1;
  const void *host = NULL;
  if (got >= (ssize_t)sizeof(struct sockaddr_in) && address.sa.sa_family == AF_INET) {
    port = ntohs(address.v4.sin_port);
    host = &address.v4.sin_addr;
  } else if (got >= 24 /* SIN6_LEN_RFC2133 */ && address.sa.sa_family == AF_INET6) {
    port = ntohs(address.v6.sin6_port);
    host = &address.v6.sin6_addr;
  }
  memset(resp, 0, resp_size);
  resp->id = req->id;
  char text[160];
  if (port == target_port) {
    resp->error = -injected;
    char printable[INET6_ADDRSTRLEN] = "?";
    inet_ntop(address.sa.sa_family, host, printable, sizeof printable);
    int v6 = address.sa.sa_family == AF_INET6;
    snprintf(text, sizeof text, "pid %d bind %s%s%s:%d %s", (int)req->pid, v6 ? "[" : "", printable, v6 ? "]" : "", port, errname);
    log_line(text);
  } else {
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    if (got < 0) {
      snprintf(text, sizeof text, "pid %d bind: cannot read the address (%s), let through", (int)req->pid, strerror(read_errno));
      log_line(text);
    }
  }
  ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp); /* ENOENT: the caller left meanwhile */
}

static void drop_stdio(void) {
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) return;
  for (int fd = 0; fd <= 2; fd++) dup2(null, fd);
  close(null);
}

/* Returns the supervisor's exit code; the command's wait status goes to the launcher on `report`. */
static int supervise(pid_t launcher, int report, const sigset_t *original_mask, char **command) {
  /* Dies with the launcher while the command runs (as the command would without us). */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != launcher) return 126;
  /* Orphaned descendants of the command become our children: we stay their ancestor. */
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  sigset_t wanted;
  sigemptyset(&wanted);
  for (size_t i = 0; i < FORWARDED_COUNT; i++) sigaddset(&wanted, FORWARDED[i]);
  sigaddset(&wanted, SIGCHLD);
  int signals = signalfd(-1, &wanted, SFD_CLOEXEC);
  int pair[2];
  if (signals < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return perror("bind-errno"), 126;
  pid_t self = getpid();
  pid_t child = fork();
  if (child < 0) return perror("bind-errno: fork"), 126;
  if (child == 0) {
    close(pair[0]);
    close(signals);
    close(report);
    run_command(self, pair[1], original_mask, command);
  }
  close(pair[1]);
  int listener = recv_fd(pair[0]);
  close(pair[0]);

  struct seccomp_notif_sizes sizes = {0};
  if (listener >= 0 && syscall(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) return perror("bind-errno: seccomp"), 126;
  /* The kernel's structures may be larger than our headers': allocate what it says. */
  size_t req_size = sizes.seccomp_notif > sizeof(struct seccomp_notif) ? sizes.seccomp_notif : sizeof(struct seccomp_notif);
  size_t resp_size = sizes.seccomp_notif_resp > sizeof(struct seccomp_notif_resp) ? sizes.seccomp_notif_resp : sizeof(struct seccomp_notif_resp);
  struct seccomp_notif *req = calloc(1, req_size);
  struct seccomp_notif_resp *resp = calloc(1, resp_size);
  if (!req || !resp) return 126;

  int done = 0, reported = 0, status = 0;
  for (;;) {
    struct pollfd fds[2] = {{signals, POLLIN, 0}, {listener, POLLIN, 0}};
    if (poll(fds, listener >= 0 ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      return perror("bind-errno: poll"), 126;
    }
    if (fds[0].revents & POLLIN) {
      struct signalfd_siginfo info;
      if (read(signals, &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGCHLD) {
          int st;
          pid_t pid;
          while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
            if (pid == child) done = 1, status = st;
          }
        } else if (!done) {
          kill(child, (int)info.ssi_signo); /* our unreaped child: the pid cannot have been reused */
        }
      }
    }
    if (listener >= 0) {
      if (fds[1].revents & POLLIN) {
        answer_one(listener, req, req_size, resp, resp_size);
      } else if (fds[1].revents & (POLLHUP | POLLERR)) {
        close(listener); /* no process carries the filter any more */
        listener = -1;
      }
    }
    if (done && !reported) {
      if (listener >= 0) {
        /* Reaping the command released its filter; HUP now means nobody else carries it. */
        struct pollfd again = {listener, POLLIN, 0};
        if (poll(&again, 1, 0) == 1 && (again.revents & POLLHUP) && !(again.revents & POLLIN)) {
          close(listener);
          listener = -1;
        }
      }
      if (listener >= 0) {
        /* Descendants still carry the filter: linger for them, detached from the launcher. */
        drop_stdio();
        prctl(PR_SET_PDEATHSIG, 0);
      }
      (void)!write(report, &status, sizeof status);
      close(report);
      reported = 1;
    }
    if (reported && listener < 0) return 0;
  }
}

/* ---- the launcher ------------------------------------------------------------------------- */


int main(int argc, char **argv) {
  int checking = argc >= 2 && strcmp(argv[1], "--check") == 0;
  int first = checking ? 2 : 1;
  if (checking ? argc != 4 : argc < 4) return usage(checking ? "--check takes ERRNO PORT" : "missing arguments", NULL);
  if ((injected = parse_errno(argv[first])) < 0) return usage("unknown errno", argv[first]);
  if ((target_port = parse_port(argv[first + 1])) < 0) return usage("port must be 1-65535, not", argv[first + 1]);
  errname = argv[first];
  char **command = checking ? NULL : argv + 3;

  const char *log_path = getenv("BIND_ERRNO_LOG");
  if (log_path && *log_path) {
    log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (log_fd < 0) {
      fprintf(stderr, "bind-errno: cannot open BIND_ERRNO_LOG %s: %s\n", log_path, strerror(errno));
      return 126;
    }
  }

  /* Blocked here, so none is lost before the signalfds exist; the command gets the original mask. */
  sigset_t forwarded, blocked, original;
  sigemptyset(&forwarded);
  for (size_t i = 0; i < FORWARDED_COUNT; i++) sigaddset(&forwarded, FORWARDED[i]);
  blocked = forwarded;
  sigaddset(&blocked, SIGCHLD);
  sigprocmask(SIG_BLOCK, &blocked, &original);
  int signals = signalfd(-1, &forwarded, SFD_CLOEXEC);
  int report[2];
  if (signals < 0 || pipe2(report, O_CLOEXEC) != 0) return perror("bind-errno"), 126;

  pid_t launcher = getpid();
  pid_t supervisor = fork();
  if (supervisor < 0) return perror("bind-errno: fork"), 126;
  if (supervisor == 0) {
    close(report[0]);
    close(signals);
    _exit(supervise(launcher, report[1], &original, command));
  }
  close(report[1]);
  if (log_fd >= 0) close(log_fd);

  struct pollfd fds[2] = {{signals, POLLIN, 0}, {report[0], POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents & POLLIN) {
      struct signalfd_siginfo info;
      /* To the supervisor, our unreaped child, which passes it on to the command. */
      if (read(signals, &info, sizeof info) == sizeof info) kill(supervisor, (int)info.ssi_signo);
    }
    if (fds[1].revents) {
      int status;
      ssize_t got = read(report[0], &status, sizeof status);
      if (got == sizeof status) mirror(status);
      if (got <= 0 && !(got < 0 && errno == EINTR)) break; /* the supervisor died without a word */
    }
  }
  int status;
  if (waitpid(supervisor, &status, 0) < 0) return 126;
  mirror(status);
  return 126;
}
