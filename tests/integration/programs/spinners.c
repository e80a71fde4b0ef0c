/* A process with three threads besides main, each making syscalls in a loop, for attaching
 * with `trace -p`: main makes getpid, thread i makes gettid (all sleep 5 ms between calls). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void nap(void)
{
    struct timespec t = {0, 5000000};
    nanosleep(&t, 0);
}

static void *spin(void *arg)
{
    (void)arg;
    for (;;) {
        syscall(SYS_gettid);
        nap();
    }
    return 0;
}

int main(void)
{
    pthread_t t;
    for (int i = 0; i < 3; i++)
        pthread_create(&t, 0, spin, 0);
    for (;;) {
        syscall(SYS_getpid);
        nap();
    }
}
