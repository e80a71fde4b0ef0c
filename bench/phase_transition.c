/* The run-time cost of a phase transition (bench/phase_transition.py): built with
 * `--phase-entry enter_serving`, so the first call of enter_serving() installs the serving
 * phase's filter (seccomp with TSYNC over every thread); later calls only check the phase.
 * Usage: phase_transition THREADS CALLS.  Prints "first NS" and "again NS" (mean of CALLS). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile int done;

static void *idle(void *arg)
{
    (void)arg;
    while (!done)
        usleep(1000);
    return NULL;
}

static long long now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

__attribute__((noinline)) void enter_serving(void)
{
    __asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 0, calls = argc > 2 ? atoi(argv[2]) : 1000;
    pthread_t pool[64];
    for (int i = 0; i < threads && i < 64; i++)
        pthread_create(&pool[i], NULL, idle, NULL);
    long long start = now();
    enter_serving();
    long long first = now() - start;
    start = now();
    for (int i = 0; i < calls; i++)
        enter_serving();
    long long again = now() - start;
    printf("first %lld\nagain %lld\n", first, again / (calls ? calls : 1));
    done = 1;
    for (int i = 0; i < threads && i < 64; i++)
        pthread_join(pool[i], NULL);
    return 0;
}
