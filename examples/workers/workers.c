/* workers: threads, a signal handler, function pointers in structs, atexit, and a child
 * started with posix_spawn (musl implements it with clone + exec).
 *
 * Usage: workers [CHILD_PROGRAM]   (default /bin/true; "-" skips the child)
 */
#include "ops.h"

#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
    (void)sig;
    usr1_seen = 1;
    static const char msg[] = "workers: SIGUSR1 handled\n";
    write(STDERR_FILENO, msg, sizeof msg - 1);
}

static void say_goodbye(void)
{
    fprintf(stderr, "workers: atexit handler ran\n");
}

struct job {
    const struct op *op;
    long arg;
    long result;
};

static void *run_job(void *p)
{
    struct job *job = p;
    job->result = job->op->run(job->arg);
    return NULL;
}

static int spawn_child(const char *path)
{
    pid_t pid;
    char *argv[] = {(char *)path, NULL};
    if (posix_spawn(&pid, path, NULL, NULL, argv, environ) != 0)
        return -1;
    int status;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
    atexit(say_goodbye);
    struct sigaction sa = {.sa_handler = on_usr1};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);

    pthread_t threads[8];
    struct job jobs[8];
    for (int i = 0; i < 8; i++) {
        jobs[i] = (struct job){.op = &op_table[i % op_count], .arg = i + 1};
        if (pthread_create(&threads[i], NULL, run_job, &jobs[i]) != 0)
            return 1;
    }
    long total = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(threads[i], NULL);
        total += jobs[i].result;
    }
    raise(SIGUSR1);

    const char *child = argc > 1 ? argv[1] : "/bin/true";
    int child_status = strcmp(child, "-") == 0 ? 0 : spawn_child(child);
    printf("workers: total %ld, signal %s, child exit %d\n", total, usr1_seen ? "seen" : "missed", child_status);
    return child_status == 0 && usr1_seen ? 0 : 1;
}
