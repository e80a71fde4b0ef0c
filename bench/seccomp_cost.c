/* Benchmark helper (built by bench/seccomp.py through cc-sandbox).
 *   seccomp_cost loop N          -> ns per getppid() over N calls
 *   seccomp_cost install FILE K  -> microseconds per seccomp(SET_MODE_FILTER, TSYNC) of FILE, K times
 *   seccomp_cost filterloop FILE N VALUE -> installs FILE, then ns per getppid(VALUE) over N calls
 *                                (getppid ignores its argument; the filter may check it) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct sock_filter { unsigned short code; unsigned char jt, jf; unsigned int k; };
struct sock_fprog { unsigned short len; struct sock_filter *filter; };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int load(const char *path, int times, double *seconds)
{
    static struct sock_filter insns[4096];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 2;
    size_t count = fread(insns, sizeof insns[0], 4096, f);
    fclose(f);
    struct sock_fprog prog = {(unsigned short)count, insns};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return 3;
    double start = now();
    for (int i = 0; i < times; i++)
        if (syscall(SYS_seccomp, 1, 1, &prog) != 0)
            return 4;
    *seconds = now() - start;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "loop") == 0) {
        long n = atol(argv[2]);
        double start = now();
        for (long i = 0; i < n; i++)
            syscall(SYS_getppid);
        printf("%.1f\n", (now() - start) / n * 1e9);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "install") == 0) {
        int k = atoi(argv[3]);
        double seconds;
        int rc = load(argv[2], k, &seconds);
        if (rc)
            return rc;
        printf("%.2f\n", seconds / k * 1e6);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "filterloop") == 0) {
        double seconds;
        int rc = load(argv[2], 1, &seconds);
        if (rc)
            return rc;
        long n = atol(argv[3]);
        long value = strtol(argv[4], 0, 0);
        double start = now();
        for (long i = 0; i < n; i++)
            syscall(SYS_getppid, value, 0, 0, 0, 0, 0);
        printf("%.1f\n", (now() - start) / n * 1e9);
        return 0;
    }
    fprintf(stderr, "usage: seccomp_cost loop N | install FILE K | filterloop FILE N VALUE\n");
    return 2;
}
