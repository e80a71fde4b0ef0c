/* Two phases for the tracer's phase tests (built as PIE by the host compiler): main makes
 * getpid, then work() makes getppid and a thread that makes gettid. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *helper(void *arg)
{
    (void)arg;
    syscall(SYS_gettid);
    return 0;
}

__attribute__((noinline)) void work(void)
{
    pthread_t t;
    syscall(SYS_getppid);
    pthread_create(&t, 0, helper, 0);
    pthread_join(t, 0);
}

int main(void)
{
    syscall(SYS_getpid);
    work();
    return 0;
}
