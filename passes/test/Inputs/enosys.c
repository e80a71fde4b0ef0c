/* Fixture for the ENOSYS fallback facts (lib/FallbackFacts.cpp, ccsandbox/facts/irfallback.py):
 * the shapes musl's fallbacks take after optimisation, and shapes that must NOT count. */
#define ENOSYS 38

static inline long sys1(long n, long a)
{
    long r;
    __asm__ __volatile__("syscall" : "=a"(r) : "a"(n), "D"(a) : "rcx", "r11", "memory");
    return r;
}

static inline long sys2(long n, long a, long b)
{
    long r;
    __asm__ __volatile__("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b) : "rcx", "r11", "memory");
    return r;
}

long native_cp(volatile int *cancel, long n, long a); /* like musl's __syscall_cp_asm */
int pipe_old(int *fd);
void log_it(int);

/* epoll_create1 -> epoll_create: int truncation folded into a mask of the low 32 bits */
int create1(int flags)
{
    int r = sys1(291, flags);
    if (r == -ENOSYS && !flags)
        r = sys1(213, 1);
    return r;
}

/* pipe2 -> a call to the old function, the guard on the false edge of != */
int pipe2_like(int *fd, int flag)
{
    int ret = sys2(293, (long)fd, flag);
    if (ret != -ENOSYS)
        return ret;
    ret = pipe_old(fd);
    if (ret)
        return ret;
    log_it(flag);
    return 0;
}

/* the result of either the asm or a native wrapper call (phi of two sites) */
long pwait(volatile int *cancel, int inline_path, long fd)
{
    long r = inline_path ? sys1(281, fd) : native_cp(cancel, 281, fd);
    if ((int)r == -ENOSYS)
        r = sys1(232, fd);
    return r;
}

/* a chain: futimesat only when utimensat said ENOSYS, utimes only when futimesat did too */
long chain(long fd, long path)
{
    long r = sys2(280, fd, path);
    if (r != -ENOSYS || path == 0)
        return r;
    r = sys2(261, fd, path);
    if (r != -ENOSYS || fd != -100)
        return r;
    return sys1(235, path);
}

/* a switch on the result with an -ENOSYS case */
long switched(long a)
{
    long r;
    for (;;) {
        r = sys1(292, a);
        switch (r) {
        case -16:
            continue;
        case -ENOSYS:
            log_it(3);
            return sys1(33, a);
        default:
            return r;
        }
    }
}

/* NOT fallbacks: a constant -ENOSYS that no syscall returned, another errno, a merge point */
long not_fallbacks(long a, int skip)
{
    long r = -ENOSYS;
    if (!skip)
        r = sys1(318, a);
    if (r == -ENOSYS)
        log_it(1); /* runs when skip is set, on any kernel */
    long s = sys1(39, a);
    if (s == -37)
        log_it(2);
    long t = sys1(102, a);
    if (t == -ENOSYS)
        a = sys1(104, a);
    log_it((int)a); /* reached both with and without ENOSYS */
    return a;
}
