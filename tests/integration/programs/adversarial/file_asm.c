/* Row 3: a function defined in file-scope asm that makes a syscall (getppid, 110). */
#include <stdio.h>

long asm_getppid(void);
__asm__(".text\n.globl asm_getppid\n.type asm_getppid,@function\n"
        "asm_getppid:\n\tmov $110, %eax\n\tsyscall\n\tret\n");

int main(void)
{
    printf("getppid %d\n", asm_getppid() > 0);
    return 0;
}
