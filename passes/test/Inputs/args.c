/* Fixture for argument facts (syscall_args, FORMAT.md): constants, parameters, phi/select of
 * constants, flags built with |, an unknown argument, a wrapper, and asm that is not exactly
 * `syscall` (its arguments cannot be read). Regenerate with ../regenerate.sh. */
static long sys3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}

__attribute__((noinline)) long wrapper(long n, long a, long b, long c) { return sys3(n, a, b, c); }

__attribute__((noinline)) long prot_of(int fd, int exec)
{
    return sys3(10, fd, 4096, exec ? 5 : 3); /* select of constants */
}

__attribute__((noinline)) long flags(int cloexec, int nonblock)
{
    int type = 1;
    if (cloexec)
        type |= 0x80000;
    if (nonblock)
        type |= 0x800;
    return sys3(41, 1, type, 0); /* phi of flags built with | */
}

__attribute__((noinline)) long unknown(long *p) { return sys3(16, 0, *p, 0); } /* request loaded */

__attribute__((noinline)) long fancy(long fd)
{
    long r;
    __asm__ volatile("mov %1, %%rdi\n\tsyscall" : "=a"(r) : "r"(fd), "a"(3L) : "rdi", "rcx", "r11", "memory");
    return r;
}

int main(int argc, char **argv)
{
    long p = argc;
    return (int)(wrapper(72, 0, 1, 0) + prot_of(argc, argc > 2) + flags(argc > 1, argc > 3) + unknown(&p) +
                 fancy(argc) + (long)argv[0][0]);
}
