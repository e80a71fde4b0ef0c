/* hello: the smallest program worth sandboxing: stdio, a thread, and a 128-bit division
 * (which LTO turns into a call to compiler-rt's __udivti3, a native object). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *greet(void *arg)
{
    printf("thread %d\n", *(int *)arg);
    return NULL;
}

int main(int argc, char **argv)
{
    int value = 42;
    pthread_t thread;
    if (pthread_create(&thread, NULL, greet, &value) != 0)
        return 1;
    pthread_join(thread, NULL);
    /* the divisor depends on argc so the division survives constant folding */
    unsigned __int128 big = (unsigned __int128)1234 << 70;
    unsigned long long small = (unsigned long long)(big / ((unsigned __int128)argc << 70));
    printf("hello, world %llu (%s)\n", small, argv[0]);
    return EXIT_SUCCESS;
}
