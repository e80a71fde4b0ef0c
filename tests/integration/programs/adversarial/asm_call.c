/* Row 4: a function reached only from inline asm (its address is an "i" operand). */
#include <stdio.h>

static volatile long result;

__attribute__((used)) static void only_from_asm(void)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(110L) : "rcx", "r11", "memory"); /* getppid */
    result = r;
}

int main(void)
{
    __asm__ volatile("sub $128, %%rsp\n\tcall %P0\n\tadd $128, %%rsp"
                     :
                     : "i"(only_from_asm)
                     : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
    printf("getppid %d\n", result > 0);
    return 0;
}
