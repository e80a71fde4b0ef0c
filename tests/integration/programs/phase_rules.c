/* Every soundness rule of `phasecut --entry work`, in one program: after work() first runs,
 * - the rest of main runs (geteuid: work never makes it),
 * - a thread started in set-up is still running (gettid),
 * - a handler installed in set-up fires (getppid),
 * - an atexit handler registered in set-up runs at exit (getpgrp),
 * while getpid is made only in set-up. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static int ready[2];

static void on_alarm(int sig)
{
    (void)sig;
    syscall(SYS_getppid);
}

static void bye(void) { syscall(SYS_getpgrp); }

static void *helper(void *arg)
{
    char c;
    (void)arg;
    if (read(ready[0], &c, 1) == 1)
        syscall(SYS_gettid);
    return 0;
}

__attribute__((noinline)) void work(void)
{
    syscall(SYS_getuid);
    raise(SIGALRM);
    if (write(ready[1], "x", 1) != 1)
        _exit(2);
}

int main(void)
{
    pthread_t thread;
    if (pipe(ready) != 0)
        return 1;
    signal(SIGALRM, on_alarm);
    atexit(bye);
    pthread_create(&thread, 0, helper, 0);
    syscall(SYS_getpid);
    work();
    pthread_join(thread, 0);
    syscall(SYS_geteuid);
    return 0;
}
