/* Issue 25 row 4: a program-defined memset, reached only through calls code generation adds
 * (the memset intrinsic of a zeroed array); it makes a syscall nothing else makes. */
#include <stddef.h>
#include <unistd.h>

void *memset(void *d, int c, size_t n)
{
    unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char)c;
    (void)getppid();
    return d;
}

int main(int argc, char **argv)
{
    (void)argv;
    static char buf[4096];
    __builtin_memset(buf, argc, sizeof buf);
    __asm__ volatile("" ::"r"(buf) : "memory");
    return buf[argc * 100] == argc ? 0 : 1;
}
