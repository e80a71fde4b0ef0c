/* Makes one i386 system call (getpid is 20 there) from a 64-bit program: a tracer must label it
 * as i386, not as x86_64 syscall 20 (writev). */
int main(void)
{
    long result;
    __asm__ volatile("int $0x80" : "=a"(result) : "a"(20L) : "memory");
    return result > 0 ? 0 : 1;
}
