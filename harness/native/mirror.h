/*
 * mirror(): ends the calling process the way a child ended, same exit code or death by the same
 * signal, so a launcher in front of a command is invisible in the exit status the harness reads.
 * Shared by bind-errno.c and contain.c (each is compiled alone; the build hashes this header too).
 */
#ifndef GLC_MIRROR_H
#define GLC_MIRROR_H

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void mirror(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none); /* the command may have dumped core; a second dump is noise */
    signal(sig, SIG_DFL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, sig);
    sigprocmask(SIG_UNBLOCK, &only, NULL);
    raise(sig);
    _exit(128 + sig); /* only for a signal whose default action does not terminate */
  }
  _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 126);
}

#endif
