/* Row 9: a constructor with priority 100 would run before the filter is installed. */
#include <stdio.h>
#include <unistd.h>

static long early;
__attribute__((constructor(100))) static void too_early(void) { early = getppid(); }

int main(void)
{
    printf("%d\n", early > 0);
    return 0;
}
