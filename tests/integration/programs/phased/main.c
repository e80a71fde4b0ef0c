/* A program with a set-up phase and a serving phase, for the phase-enforcement tests (built with
 * `--phase-entry serve`, or `--phase-at main:serve`, and `--phase-at serve:finish` for a second
 * transition). serve() lives in serve.c, so that compiling cannot inline it or finish().
 *
 * Set-up runs in a constructor and is the only code that calls getppid. Its parameter keeps it
 * out of every indirect call of the program (the analysis matches a call with the functions whose
 * parameters it supplies), so getppid is allowed before the transition and nowhere after it.
 * ARGV[1] chooses what happens after the transition:
 *   (none)  each phase prints the number of seccomp filters in force, in main and in a thread
 *           started before the transition: "main 1 / main 2 / thread 2 [/ main 3]";
 *   late    main runs the set-up again, through a pointer the analysis cannot follow: getppid in
 *           the serving phase, which its filter must kill (SIGSYS);
 *   thread  the thread started before the transition does the same: TSYNC tightened it too. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "phased.h"

static long parent;
void (*volatile setup_again)(void);

__attribute__((constructor)) static void setup(double unused)
{
    (void)unused;
    parent = getppid();
    setup_again = (void (*)(void))setup;
}

static volatile int served;

static void *worker(void *arg)
{
    const char *mode = arg;
    while (!served)
        usleep(1000);
    if (strcmp(mode, "thread") == 0)
        setup_again();
    print_filters("thread");
    return NULL;
}

void print_filters(const char *who)
{
    char line[256];
    FILE *status = fopen("/proc/thread-self/status", "r");
    while (status && fgets(line, sizeof line, status))
        if (strncmp(line, "Seccomp_filters:", 16) == 0)
            printf("%s %ld\n", who, strtol(line + 16, NULL, 10));
    if (status)
        fclose(status);
    fflush(stdout);
}

void finish(void)
{
    print_filters("main");
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    pthread_t thread;
    pthread_create(&thread, NULL, worker, (void *)mode);
    print_filters("main");
    serve(mode);
    served = 1;
    pthread_join(thread, NULL);
    return parent > 0 ? 0 : 1;
}
