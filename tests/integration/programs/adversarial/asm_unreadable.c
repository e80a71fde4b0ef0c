/* Row 2: a syscall spelled so that no text reader can see it; the disassembled binary shows it,
 * so the link is refused. */
int main(void)
{
    long r;
    __asm__ volatile(".byte 0x0f + 0, 0x05" : "=a"(r) : "a"(110L) : "rcx", "r11", "memory");
    return r > 0 ? 0 : 1;
}
