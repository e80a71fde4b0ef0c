/* serve() is inlined into main by LTO (always_inline): `phasecut --entry serve` finds it only
 * through debug info (-g); without it, the error says how to proceed. */
#include <sys/syscall.h>
#include <unistd.h>

static inline __attribute__((always_inline)) void serve(int n)
{
    for (int i = 0; i < n; i++)
        syscall(SYS_getppid);
}

int main(int argc, char **argv)
{
    (void)argv;
    syscall(SYS_getpid);
    serve(argc);
    return 0;
}
