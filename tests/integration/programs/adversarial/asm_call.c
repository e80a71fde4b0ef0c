/* Row 4: functions reached only from inline asm: as an "i" operand, through a pointer operand,
 * and by name in the asm text. */
#include <stdio.h>

static volatile long result;

#define SYSCALL0(nr) __asm__ volatile("syscall" : "=a"(r) : "a"((long)(nr)) : "rcx", "r11", "memory")
#define ASM_CALL(text, ...)                                                                            \
    __asm__ volatile("sub $128, %%rsp\n\t" text "\n\tadd $128, %%rsp"                                 \
                     :                                                                                 \
                     : __VA_ARGS__                                                                     \
                     : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc")

__attribute__((used)) static void from_operand(void) { long r; SYSCALL0(110); result += r > 0; } /* getppid */
static void from_pointer(void) { long r; SYSCALL0(102); result += r >= 0; }                      /* getuid */
__attribute__((used)) void from_name(void) { long r; SYSCALL0(104); result += r >= 0; }            /* getgid */

void (*volatile pointer)(void) = from_pointer;

int main(void)
{
    ASM_CALL("call %P0", "i"(from_operand));
    ASM_CALL("call *%0", "r"(pointer));
    ASM_CALL("call from_name", "i"(0));
    printf("%ld\n", result);
    return result == 3 ? 0 : 1;
}
