/* Row 9's allowed counterpart: priority 101 and default constructors run after the installer. */
#include <stdio.h>
#include <unistd.h>

static long seen;
__attribute__((constructor(101))) static void same_priority(void) { seen += getppid() > 0; }
__attribute__((constructor)) static void plain(void) { seen += getuid() >= 0; }

int main(void)
{
    printf("%ld\n", seen);
    return seen == 2 ? 0 : 1;
}
