/* Row 7: time() through the vsyscall page; the kernel emulates it and checks seccomp for time. */
#include <stdio.h>

typedef long (*time_fn)(long *);

int main(void)
{
    long t = 0;
    long r = ((time_fn)0xffffffffff600400UL)(&t);
    printf("%d\n", r > 1000000000 && r == t);
    return 0;
}
