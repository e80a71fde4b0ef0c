/* Negative-control target for argument constraints (tests/integration/test_arg_constraints.py).
 *   argcalls FILTER   installs the raw seccomp filter in FILTER (unless "-"), calls getppid (the
 *                     point where the test's tracer injects a call, as an exploit would), then
 *                     makes its own calls with their real values: mmap/mprotect without
 *                     PROT_EXEC, ioctl TIOCGWINSZ, a thread (clone with musl's thread flags). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

struct sock_filter { unsigned short code; unsigned char jt, jf; unsigned int k; };
struct sock_fprog { unsigned short len; struct sock_filter *filter; };

static void *worker(void *arg) { return arg; }

static int install(const char *path)
{
    static struct sock_filter insns[4096];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 2;
    size_t count = fread(insns, sizeof insns[0], 4096, f);
    fclose(f);
    struct sock_fprog prog = {(unsigned short)count, insns};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, 1, 1, &prog) != 0)
        return 3;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    if (argv[1][0] != '-' && install(argv[1]) != 0)
        return 3;
    getppid();
    char *page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED || mprotect(page, 4096, PROT_READ) != 0)
        return 4;
    struct winsize ws;
    ioctl(1, TIOCGWINSZ, &ws); /* ENOTTY under a pipe: the call is made all the same */
    pthread_t t;
    if (pthread_create(&t, 0, worker, 0) != 0 || pthread_join(t, 0) != 0)
        return 5;
    puts("ok");
    return 0;
}
