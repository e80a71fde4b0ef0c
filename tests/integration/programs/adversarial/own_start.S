/* Row 3: functions in a separate assembly file, preprocessed (SYS_ constants from musl's
 * headers) and assembled by cc-sandbox. asm_getpid is called from C; asm_helper only from asm. */
#include <sys/syscall.h>

    .text
    .globl asm_getpid
    .type asm_getpid, @function
asm_getpid:
    mov $SYS_getpid, %eax
    syscall
    push %rax
    call asm_helper
    pop %rax
    ret

asm_helper:
    movl $SYS_getppid, %eax
    SYSCALL
    ret
