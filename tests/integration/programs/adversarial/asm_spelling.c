/* Row 2: the syscall instruction spelled other ways: capitals, raw bytes, among other
 * instructions with the number moved into eax first. With an argument, `int $0x80` enters the
 * i386 ABI, which the filter's architecture check kills by design. */
#include <stdio.h>

int main(int argc, char **argv)
{
    long pid, uid, gid, r;
    __asm__ volatile("SYSCALL" : "=a"(pid) : "a"(39L) : "rcx", "r11", "memory");          /* getpid */
    __asm__ volatile(".byte 0x0f, 0x05" : "=a"(uid) : "a"(102L) : "rcx", "r11", "memory"); /* getuid */
    __asm__ volatile("movl $104, %%eax\n\tnop\n\tSysCall" : "=a"(gid) : : "rcx", "r11", "memory"); /* getgid */
    if (argc > 1) {
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory"); /* i386 getpid */
        (void)argv;
    }
    printf("%d %ld %ld\n", pid > 0, uid, gid);
    return 0;
}
