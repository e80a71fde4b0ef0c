/* Row 6: a non-variadic function called through a variadic function-pointer type. */
#include <stdio.h>
#include <unistd.h>

static long scaled_parent(long k, double scale)
{
    return (long)(getppid() * scale) * k;
}

long (*volatile through)(long, ...) = (long (*)(long, ...))scaled_parent;

int main(void)
{
    printf("%d\n", through(1, 1.0) > 0);
    return 0;
}
