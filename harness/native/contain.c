/*
 * contain: the harness's launcher in front of every candidate, so that nothing the candidate
 * starts can leave the harness's sight, however it daemonises.
 *
 *   contain --report FD --parent PID [--cgroup DIR] -- command [args...]
 *   contain --check                         prove it works here: prints "ok" and exits 0
 *
 * It forks; the child execs the command (same process group and session: the harness signals
 * and kills the group). The launcher is a child subreaper (PR_SET_CHILD_SUBREAPER): a process
 * the candidate starts that leaves its process group and session (setsid, the double fork of
 * every init-script era daemon) is re-parented to the launcher when its parent exits, so it
 * stays a descendant of the spawned pid, where the harness looks for the candidate's family.
 *
 * On FD (a pipe from the harness) it writes one line per event:
 *   "pid <pid>"      the command's pid, at once after the fork
 *   "exit <code>"    the command exited with that code
 *   "signal <n>"     the command was killed by signal number n
 * and closes FD after the command's status. The harness takes the command's exit from this
 * line, not from the launcher's own exit: the launcher lives on while adopted orphans live
 * (it must stay their ancestor), and exits once it has no child left. Its own exit then mirrors
 * the command's status (code, or death by the same signal), for a caller without FD.
 *
 * Signals a caller sends to stop or reconfigure a gateway (TERM INT HUP QUIT USR1 USR2) are
 * forwarded to the command while it lives. The harness normally signals the command directly.
 *
 * When the harness dies (any way, SIGKILL included), PR_SET_PDEATHSIG wakes the launcher, which
 * SIGKILLs every descendant (found by walking the ppid chains in /proc: it is their ancestor as
 * subreaper), reaps them, and exits. PID is the harness's pid: a harness that died before the
 * prctl is noticed by getppid(). The harness's reaper process does the same walk as a second
 * line of defence.
 *
 * With --cgroup DIR (an empty cgroup v2 directory the harness created), the command is started
 * in it (clone3 with CLONE_INTO_CGROUP, Linux 5.7+), so every descendant is born in it: the
 * harness lists members from DIR/cgroup.procs and ends them all with DIR/cgroup.kill, even one
 * whose ancestry was broken. Not by moving a running process: a migration waits for an RCU grace
 * period, 6-20 ms per candidate, where the clone costs a tenth of a millisecond. The launcher
 * stays outside, so a cgroup.kill does not take the status report with it. A clone3 that fails
 * (no permission, no cgroup v2, an older kernel) is reported as "cgroup <errno text>" and the
 * command is forked as usual; success is reported as "cgroup ok", before the pid.
 *
 * Exit codes of its own: 2 bad usage; 125 the harness was gone or is dying; 126 the launcher
 * cannot work (fork failed) or the command cannot be executed; 127 the command was not found
 * (the codes a shell and prlimit use). Messages go to stderr, prefixed "contain:".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "mirror.h"
#include <time.h>
#include <unistd.h>

static const int FORWARDED[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
#define FORWARDED_COUNT (sizeof(FORWARDED) / sizeof(FORWARDED[0]))

static int report_fd = -1;

static int usage(const char *message) {
  fprintf(stderr, "contain: %s (usage: contain --report FD --parent PID [--cgroup DIR] -- command [args...] | contain --check)\n", message);
  return 2;
}

/* One line to the harness; a harness that stopped reading is dying (the death signal follows). */
static void report(const char *format, long value, const char *text) {
  if (report_fd < 0) return;
  char line[256];
  int n = text ? snprintf(line, sizeof line, format, text) : snprintf(line, sizeof line, format, value);
  if (n > 0) (void)!write(report_fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* ---- the tree below us, from /proc ------------------------------------------------------ */

struct proc { pid_t pid, ppid; int mark; };

/* Every process's (pid, ppid); *count entries, NULL when /proc cannot be read. */
static struct proc *snapshot(size_t *count) {
  DIR *dir = opendir("/proc");
  if (!dir) return NULL;
  size_t size = 256, n = 0;
  struct proc *all = malloc(size * sizeof *all);
  struct dirent *entry;
  while (all && (entry = readdir(dir))) {
    char *end;
    long pid = strtol(entry->d_name, &end, 10);
    if (*end || pid <= 0) continue;
    char path[64], stat[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue; /* gone meanwhile */
    ssize_t got = read(fd, stat, sizeof stat - 1);
    close(fd);
    if (got <= 0) continue;
    stat[got] = 0;
    /* "pid (comm) state ppid ...": comm may hold spaces and parentheses; the last ')' ends it. */
    char *close_paren = strrchr(stat, ')');
    char state;
    int ppid;
    if (!close_paren || sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2) continue;
    if (n == size) {
      struct proc *bigger = realloc(all, (size *= 2) * sizeof *all);
      if (!bigger) break;
      all = bigger;
    }
    all[n++] = (struct proc){(pid_t)pid, (pid_t)ppid, 0};
  }
  closedir(dir);
  *count = n;
  return all;
}

/* SIGKILLs every descendant of `root` (not root itself); returns how many were signalled. */
static int kill_descendants(pid_t root) {
  size_t n = 0;
  struct proc *all = snapshot(&n);
  if (!all) return 0;
  /* Mark children of marked processes until nothing changes: a pass per generation. */
  int changed = 1, killed = 0;
  while (changed) {
    changed = 0;
    for (size_t i = 0; i < n; i++) {
      if (all[i].mark) continue;
      int parent_marked = all[i].ppid == root;
      for (size_t j = 0; !parent_marked && j < n; j++) parent_marked = all[j].mark && all[j].pid == all[i].ppid;
      if (parent_marked) all[i].mark = changed = 1;
    }
  }
  for (size_t i = 0; i < n; i++)
    if (all[i].mark && kill(all[i].pid, SIGKILL) == 0) killed++;
  free(all);
  return killed;
}

/* The harness is gone: end everything below us, reap it, and go. Bounded: a process stuck in
 * the kernel (state D) cannot be waited for forever; the reaper process tries again. */
static void die_with_harness(const char *cgroup) {
  struct timespec pause = {0, 1000000};
  for (int round = 0; round < 3000; round++) {
    kill_descendants(getpid());
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
    if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD) break;
    nanosleep(&pause, NULL);
  }
  if (cgroup) {
    /* Whatever left our ancestry but not the cgroup. */
    char path[4096];
    snprintf(path, sizeof path, "%s/cgroup.kill", cgroup);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) (void)!write(fd, "1", 1);
  }
  _exit(125);
}

/* ---- the launcher ------------------------------------------------------------------------ */


/* fork(), into the cgroup `dir` where it can; *joined says whether it did (else why not). */
static pid_t fork_into(const char *dir, int *joined) {
  *joined = 0;
  if (!dir) return fork();
#if defined(SYS_clone3) && defined(CLONE_INTO_CGROUP)
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = (uint64_t)fd;
    /* A raw clone3 runs no atfork handlers: fine here, the launcher has one thread and the
     * child only resets its mask and execs. */
    long pid = syscall(SYS_clone3, &args, sizeof args);
    int err = errno;
    if (pid != 0) close(fd);
    if (pid >= 0) {
      *joined = 1;
      return (pid_t)pid;
    }
    report("cgroup %s\n", 0, strerror(err));
  } else {
    report("cgroup %s\n", 0, strerror(errno));
  }
#else
  report("cgroup %s\n", 0, "clone3 with CLONE_INTO_CGROUP unknown to this build");
#endif
  return fork();
}

static void drop_stdio(void) {
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) return;
  for (int fd = 0; fd <= 2; fd++) dup2(null, fd);
  close(null);
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--check") == 0) {
    /* What the launcher needs of the kernel: the subreaper and parent-death settings. */
    int subreaper = 0;
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0 || prctl(PR_GET_CHILD_SUBREAPER, &subreaper) != 0 || !subreaper) {
      fprintf(stderr, "contain: PR_SET_CHILD_SUBREAPER unavailable: %s\n", strerror(errno));
      return 1;
    }
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
      fprintf(stderr, "contain: PR_SET_PDEATHSIG unavailable: %s\n", strerror(errno));
      return 1;
    }
    puts("ok");
    return 0;
  }
  long parent = -1;
  const char *cgroup = NULL;
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
    if (i + 1 >= argc) return usage("an option without its value");
    char *end;
    if (strcmp(argv[i], "--report") == 0) {
      report_fd = (int)strtol(argv[i + 1], &end, 10);
      if (*end || report_fd < 3) return usage("--report takes an fd number above 2");
    } else if (strcmp(argv[i], "--parent") == 0) {
      parent = strtol(argv[i + 1], &end, 10);
      if (*end || parent <= 0) return usage("--parent takes a pid");
    } else if (strcmp(argv[i], "--cgroup") == 0) {
      cgroup = argv[i + 1];
    } else {
      return usage("unknown option");
    }
  }
  if (i + 1 >= argc) return usage("no command after --");
  char **command = argv + i + 1;
  if (report_fd >= 0 && fcntl(report_fd, F_SETFD, FD_CLOEXEC) != 0) return usage("--report names no open fd");

  /* The harness's death, as a signal of its own: not one a caller would send to a gateway. */
  const int death = SIGRTMIN;
  sigset_t wanted, original;
  sigemptyset(&wanted);
  for (size_t k = 0; k < FORWARDED_COUNT; k++) sigaddset(&wanted, FORWARDED[k]);
  sigaddset(&wanted, SIGCHLD);
  sigaddset(&wanted, death);
  /* Blocked before anything can arrive, and read from a signalfd: none is lost or half-handled.
   * SIGPIPE is blocked too (not read): a report to a harness that is gone fails with EPIPE
   * instead of killing us before we could end the tree. The command starts with the caller's
   * mask and, as a fork starts with no pending signal, none of ours. */
  sigset_t blocked = wanted;
  sigaddset(&blocked, SIGPIPE);
  sigprocmask(SIG_BLOCK, &blocked, &original);
  int signals = signalfd(-1, &wanted, SFD_CLOEXEC);
  if (signals < 0) return perror("contain: signalfd"), 126;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return perror("contain: PR_SET_CHILD_SUBREAPER"), 126;
  if (parent > 0 && (prctl(PR_SET_PDEATHSIG, death) != 0 || getppid() != (pid_t)parent)) return 125;

  int joined;
  pid_t child = fork_into(cgroup, &joined);
  if (child < 0) return perror("contain: fork"), 126;
  if (child == 0) {
    /* fork() cleared the death signal and the subreaper flag; exec gets the caller's mask. */
    sigprocmask(SIG_SETMASK, &original, NULL);
    execvp(command[0], command);
    int err = errno;
    fprintf(stderr, "contain: failed to execute %s: %s\n", command[0], strerror(err));
    _exit(err == ENOENT ? 127 : 126);
  }
  if (joined) report("cgroup ok\n", 0, NULL);
  else cgroup = NULL;
  report("pid %ld\n", (long)child, NULL);
  /* The candidate's output pipes end when the candidate's processes close them, not with us. */
  drop_stdio();

  int done = 0, status = 0;
  for (;;) {
    struct signalfd_siginfo info;
    ssize_t got = read(signals, &info, sizeof info);
    if (got != sizeof info) {
      if (got < 0 && errno == EINTR) continue;
      break;
    }
    int sig = (int)info.ssi_signo;
    if (sig == death) die_with_harness(cgroup);
    if (sig != SIGCHLD) {
      if (!done) kill(child, sig); /* our unreaped child: the pid cannot have been reused */
      continue;
    }
    /* SIGCHLDs coalesce: reap every child that has ended, ours or adopted. */
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
      if (pid != child) continue;
      done = 1;
      status = st;
      if (WIFSIGNALED(st)) report("signal %ld\n", WTERMSIG(st), NULL);
      else report("exit %ld\n", WEXITSTATUS(st), NULL);
      if (report_fd >= 0) close(report_fd);
      report_fd = -1;
    }
    /* No child left: no descendant left (orphans are re-parented to us before their parent
     * is reaped), so nothing of the candidate is alive. */
    if (done && pid < 0 && errno == ECHILD) mirror(status);
  }
  /* The signalfd failed: still end as the command did, once it has. */
  if (!done) waitpid(child, &status, 0);
  mirror(status);
  return 126;
}
