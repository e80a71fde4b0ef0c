/* Row 10: a syscall number read at run time cannot be known: the link fails by default. */
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    return argc > 1 ? (int)syscall(atoi(argv[1])) : 0;
}
