/* <signal.h>, <setjmp.h>: handlers installed with sigaction and signal (one makes a syscall of
 * its own), signals sent to ourselves (raise, kill, killpg, sigqueue), masks, pending sets,
 * synchronous waits, an alternate stack, siglongjmp out of a handler, abort in a forked child,
 * children stopped, continued and killed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t caught[NSIG], last_value, on_altstack;
static void handler(int sig) { caught[sig]++; }
static void info_handler(int sig, siginfo_t *info, void *context) {
    (void)context;
    caught[sig]++;
    last_value = info->si_value.sival_int;
}
static char altstack[64 * 1024];
static void alt_handler(int sig) {
    char here;
    caught[sig]++;
    on_altstack = &here >= altstack && &here < altstack + sizeof altstack;
}
static void yielding_handler(int sig) {
    caught[sig]++;
    sched_yield(); /* a syscall made only here */
}
static sigjmp_buf jump;
static void jump_handler(int sig) { siglongjmp(jump, sig); }

int main(int argc, char **argv) {
    CHECK(argc == 2);
    struct sigaction sa = {0}, old;
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    CHECK(sigaction(SIGUSR1, &sa, &old) == 0 && old.sa_handler == SIG_DFL);
    CHECK(raise(SIGUSR1) == 0 && caught[SIGUSR1] == 1);
    CHECK(kill(getpid(), SIGUSR1) == 0 && caught[SIGUSR1] == 2);
    CHECK(kill(getpid(), 0) == 0 && killpg(getpgrp(), 0) == 0);
    CHECK(signal(SIGUSR2, handler) == SIG_DFL && raise(SIGUSR2) == 0 && caught[SIGUSR2] == 1);
    CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR && raise(SIGPIPE) == 0);
    CHECK(bsd_signal(SIGPIPE, SIG_DFL) == SIG_IGN);
    CHECK(signal(SIGHUP, yielding_handler) == SIG_DFL && raise(SIGHUP) == 0 && caught[SIGHUP] == 1);

    /* SA_SIGINFO and queued values */
    sa.sa_sigaction = info_handler;
    sa.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGRTMIN, &sa, NULL) == 0);
    CHECK(sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 7}) == 0 && last_value == 7);

    /* masks, pending, synchronous waits */
    sigset_t set, pending, oldmask;
    CHECK(sigemptyset(&set) == 0 && sigaddset(&set, SIGUSR1) == 0 && sigaddset(&set, SIGRTMIN) == 0);
    CHECK(sigprocmask(SIG_BLOCK, &set, &oldmask) == 0);
    CHECK(raise(SIGUSR1) == 0 && caught[SIGUSR1] == 2);
    CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1) == 1);
    int sig = 0;
    CHECK(sigwait(&set, &sig) == 0 && sig == SIGUSR1);
    CHECK(sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 9}) == 0);
    siginfo_t info;
    CHECK(sigwaitinfo(&set, &info) == SIGRTMIN && info.si_value.sival_int == 9);
    struct timespec timeout = {0, 1000000};
    CHECK(sigtimedwait(&set, &info, &timeout) == -1 && errno == EAGAIN);
    CHECK(raise(SIGUSR1) == 0);
    sigset_t wait_mask = oldmask;
    CHECK(sigsuspend(&wait_mask) == -1 && errno == EINTR && caught[SIGUSR1] == 3);
    CHECK(sigprocmask(SIG_SETMASK, &oldmask, NULL) == 0);
    CHECK(sighold(SIGUSR2) == 0 && sigrelse(SIGUSR2) == 0 && sigignore(SIGURG) == 0);
    CHECK(siginterrupt(SIGUSR2, 1) == 0);

    /* a timer signal interrupting pause */
    sa.sa_handler = handler;
    sa.sa_flags = 0;
    CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
    struct itimerval it = {{0, 0}, {0, 1000}};
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
    while (!caught[SIGALRM]) pause();

    /* an alternate stack */
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack}, oss;
    CHECK(sigaltstack(&ss, &oss) == 0);
    sa.sa_handler = alt_handler;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
    CHECK(sigaction(SIGWINCH, &sa, NULL) == 0 && raise(SIGWINCH) == 0 && on_altstack && caught[SIGWINCH] == 1);
    CHECK(sigaction(SIGWINCH, NULL, &old) == 0 && old.sa_handler == SIG_DFL);
    ss.ss_flags = SS_DISABLE;
    CHECK(sigaltstack(&ss, NULL) == 0);

    /* siglongjmp out of a handler restores the mask */
    sa.sa_handler = jump_handler;
    sa.sa_flags = 0;
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
    int jumped = sigsetjmp(jump, 1);
    if (!jumped) {
        raise(SIGUSR2);
        CHECK(0);
    }
    CHECK(jumped == SIGUSR2 && sigprocmask(SIG_SETMASK, NULL, &set) == 0 && !sigismember(&set, SIGUSR2));

    /* a child killed by its own abort, one by a signal we send, one stopped and continued */
    int status;
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) abort();
    CHECK(waitpid(child, &status, 0) == child && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        for (;;) pause();
    }
    CHECK(kill(child, SIGSTOP) == 0 && waitpid(child, &status, WUNTRACED) == child && WIFSTOPPED(status));
    CHECK(kill(child, SIGCONT) == 0 && waitpid(child, &status, WCONTINUED) == child && WIFCONTINUED(status));
    CHECK(kill(child, SIGTERM) == 0 && waitpid(child, &status, 0) == child && WTERMSIG(status) == SIGTERM);

    /* psignal writes to stderr, here a file in the scratch directory */
    CHECK(chdir(argv[1]) == 0);
    int saved = dup(STDERR_FILENO), log = open("stderr", O_CREAT | O_RDWR, 0600);
    CHECK(saved >= 0 && log >= 0 && dup2(log, STDERR_FILENO) == STDERR_FILENO);
    psignal(SIGINT, "psignal");
    psiginfo(&info, "psiginfo");
    CHECK(dup2(saved, STDERR_FILENO) == STDERR_FILENO && close(saved) == 0);
    char text[128] = {0};
    CHECK(pread(log, text, sizeof text - 1, 0) > 0 && strncmp(text, "psignal: ", 9) == 0 && close(log) == 0);
    CHECK(strcmp(strsignal(SIGINT), text + 9) != 0 && strstr(text, strsignal(SIGINT)) != NULL);
    printf("signal ok\n");
    return 0;
}
