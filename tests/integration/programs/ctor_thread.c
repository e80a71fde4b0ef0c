/* A thread started during the constructor phase (before main) that later calls getppid.
 * With `--deny getppid` the whole process must die with SIGSYS: the filter covers every thread.
 * With `--policy-action errno --errno ENOSYS --deny getppid` it prints -38 (-ENOSYS) instead. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_t early;
static volatile int go;
static long result;

static void *late_call(void *arg)
{
    (void)arg;
    while (!go)
        usleep(1000);
    result = getppid(); /* musl returns the raw kernel result: -ENOSYS, not -1 + errno */
    return NULL;
}

__attribute__((constructor)) static void start_early_thread(void)
{
    pthread_create(&early, NULL, late_call, NULL);
}

int main(void)
{
    go = 1;
    pthread_join(early, NULL);
    if (result < 0)
        printf("getppid failed: %ld\n", result);
    else
        printf("getppid ok\n");
    return 0;
}
