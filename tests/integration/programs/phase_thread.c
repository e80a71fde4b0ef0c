/* The transition work() is first reached by a thread while main is still setting up: after it,
 * main can still make getpid (set-up code), so phase 1 must keep the whole program. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

__attribute__((noinline)) void work(void) { syscall(SYS_getuid); }

static void *helper(void *arg)
{
    (void)arg;
    work();
    return 0;
}

int main(void)
{
    pthread_t thread;
    pthread_create(&thread, 0, helper, 0);
    syscall(SYS_getpid);
    pthread_join(thread, 0);
    return 0;
}
