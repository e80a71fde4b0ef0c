/* Row 3: calls a function defined in own_start.S. */
#include <stdio.h>

long asm_getpid(void);

int main(void)
{
    printf("getpid %d\n", asm_getpid() > 0);
    return 0;
}
