/* <spawn.h>, <sys/wait.h>, <sys/resource.h>, <sys/sysinfo.h>, <sys/utsname.h>, <sched.h>,
 * <sys/prctl.h>, <sys/personality.h>: children made by fork, vfork, daemon and posix_spawn
 * (whose file action fails before any exec, as no exec is made here) and reaped by every wait,
 * with fork handlers that each make a syscall of their own;
 * resource limits and usage, priorities, scheduling queries, system information. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <ulimit.h>
#include <unistd.h>

#include "check.h"

extern char **environ;

static int prepared, in_parent;
static void atfork_prepare(void) {
    prepared++;
    sched_yield(); /* a syscall made only here */
}
static void atfork_parent(void) { in_parent++; }
static void atfork_child(void) { (void)getppid(); /* a syscall made only here */ }

static pid_t exiting_child(int code) {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) _exit(code);
    return pid;
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    CHECK(chdir(argv[1]) == 0);
    int status;

    CHECK(pthread_atfork(atfork_prepare, atfork_parent, atfork_child) == 0);

    /* every wait */
    pid_t pid = exiting_child(1);
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 1);
    pid = exiting_child(2);
    CHECK(wait(&status) == pid && WEXITSTATUS(status) == 2);
    struct rusage ru;
    pid = exiting_child(3);
    CHECK(wait4(pid, &status, 0, &ru) == pid && WEXITSTATUS(status) == 3);
    pid = exiting_child(4);
    CHECK(wait3(&status, 0, &ru) == pid && WEXITSTATUS(status) == 4);
    pid = exiting_child(5);
    siginfo_t info = {0};
    CHECK(waitid(P_PID, pid, &info, WEXITED | WNOWAIT) == 0 && info.si_pid == pid && info.si_status == 5);
    CHECK(waitid(P_ALL, 0, &info, WEXITED) == 0 && info.si_code == CLD_EXITED);
    CHECK(waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD);
    CHECK(prepared == 5 && in_parent == 5);

    /* vfork: the child only exits */
    pid = vfork();
    CHECK(pid >= 0);
    if (pid == 0) _exit(6);
    CHECK(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 6);

    /* daemon in a child: the child's own fork continues and exits */
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        if (daemon(1, 1) != 0) _exit(9);
        _exit(0);
    }
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* posix_spawn, with attributes and file actions; the open fails, so nothing is executed */
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    CHECK(posix_spawnattr_init(&attr) == 0 && posix_spawn_file_actions_init(&actions) == 0);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    CHECK(posix_spawnattr_setsigmask(&attr, &none) == 0 && posix_spawnattr_setsigdefault(&attr, &all) == 0);
    CHECK(posix_spawnattr_setpgroup(&attr, 0) == 0);
    CHECK(posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP) == 0);
    CHECK(posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, 100) == 0);
    CHECK(posix_spawn_file_actions_addclose(&actions, 100) == 0);
    CHECK(posix_spawn_file_actions_addopen(&actions, 3, "missing/file", O_RDONLY, 0) == 0);
    char *args[] = {"true", NULL};
    int r = posix_spawn(&pid, "/bin/true", &actions, &attr, args, environ);
    CHECK(r == ENOENT); /* and musl has reaped the child */
    CHECK(waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD);
    r = posix_spawnp(&pid, "true", &actions, NULL, args, environ);
    CHECK(r == ENOENT && waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD);
    CHECK(posix_spawn_file_actions_destroy(&actions) == 0 && posix_spawnattr_destroy(&attr) == 0);

    /* resource limits, usage, priorities */
    struct rlimit rl, old;
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && setrlimit(RLIMIT_NOFILE, &rl) == 0);
    CHECK(prlimit(0, RLIMIT_STACK, NULL, &old) == 0 && prlimit(0, RLIMIT_CORE, NULL, &rl) == 0);
    rl.rlim_cur = 0;
    CHECK(setrlimit(RLIMIT_CORE, &rl) == 0);
    CHECK(getrusage(RUSAGE_SELF, &ru) == 0 && getrusage(RUSAGE_CHILDREN, &ru) == 0);
    CHECK(getrusage(RUSAGE_THREAD, &ru) == 0);
    errno = 0;
    int prio = getpriority(PRIO_PROCESS, 0);
    CHECK(errno == 0 && setpriority(PRIO_PROCESS, 0, prio) == 0);
    errno = 0;
    CHECK(getpriority(PRIO_PGRP, 0) != -1 || errno == 0);
    CHECK(ulimit(UL_GETFSIZE) != -1);

    /* scheduling queries (musl answers the process-wide ones with ENOSYS, without a syscall) */
    struct sched_param sp = {0};
    CHECK(sched_getscheduler(0) == -1 && errno == ENOSYS && sched_getparam(0, &sp) == -1 && errno == ENOSYS);
    CHECK(sched_setscheduler(0, SCHED_OTHER, &sp) == -1 && errno == ENOSYS);
    CHECK(sched_get_priority_max(SCHED_FIFO) >= sched_get_priority_min(SCHED_FIFO));
    struct timespec rr;
    CHECK(sched_rr_get_interval(0, &rr) == 0);

    /* system information */
    struct sysinfo si;
    CHECK(sysinfo(&si) == 0 && si.totalram > 0 && get_nprocs() >= 1 && get_nprocs_conf() >= 1);
    CHECK(get_phys_pages() > 0 && get_avphys_pages() > 0);
    double load[3];
    CHECK(getloadavg(load, 3) == 3);
    struct utsname un;
    CHECK(uname(&un) == 0 && strcmp(un.sysname, "Linux") == 0);
    char domain[256];
    CHECK(getdomainname(domain, sizeof domain) == 0);
    struct tms tms;
    CHECK(times(&tms) != (clock_t)-1);
    CHECK(personality(0xffffffff) != -1);
    char name[16];
    CHECK(prctl(PR_GET_NAME, name) == 0 && prctl(PR_SET_NAME, "libc-process") == 0);
    CHECK(prctl(PR_GET_DUMPABLE) >= 0);
    printf("process ok\n");
    return 0;
}
