/* Re-executes itself through /proc/self/exe, like a program that re-runs itself as a child. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        puts("child ran");
        return 0;
    }
    execl("/proc/self/exe", "selfexec", "child", (char *)0);
    perror("selfexec: execl");
    return 127;
}
