/* Row 1: the syscall number is not the asm's first operand. "+a" (clang puts the tied input
 * last) makes umask; Linux nolibc's style, "r"(arg1) then "0"(nr), makes getppid. */
#include <stdio.h>

static long umask_plus_a(long mask)
{
    long nr = 95; /* umask */
    __asm__ volatile("syscall" : "+a"(nr) : "D"(mask) : "rcx", "r11", "memory");
    return nr;
}

static long nolibc_syscall1(long num, long arg1)
{
    register long _num __asm__("rax") = num;
    register long _arg1 __asm__("rdi") = arg1;
    __asm__ volatile("syscall" : "=a"(_num) : "r"(_arg1), "0"(_num) : "rcx", "r11", "memory");
    return _num;
}

int main(void)
{
    long old = umask_plus_a(022);
    long parent = nolibc_syscall1(110 /* getppid */, 0);
    printf("umask %lo getppid %d\n", old, parent > 0);
    return 0;
}
