/* Issue 25 row 4: a program-defined __stack_chk_fail, which -fstack-protector's code (added by
 * code generation, after the analysis) calls on a smashed stack: its syscall must be allowed. */
#include <string.h>
#include <unistd.h>

void __stack_chk_fail(void)
{
    (void)getppid();
    _exit(0);
}

__attribute__((noinline)) static void smash(const char *s, size_t n)
{
    char buf[8];
    memcpy(buf, s, n); /* overruns buf: the canary check calls __stack_chk_fail */
    __asm__ volatile("" ::"r"(buf) : "memory");
}

int main(int argc, char **argv)
{
    (void)argv;
    char big[64];
    memset(big, 'x', sizeof big);
    smash(big, argc > 5 ? 4 : sizeof big);
    return 1;
}
