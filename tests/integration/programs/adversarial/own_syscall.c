/* Issue 25 row 1: a program that defines its own syscall() and prctl() (a test mock). The
 * filter installer must not call them: the binary runs with its filter and no_new_privs. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

long syscall(long n, ...)
{
    (void)n;
    return 0;
}

int prctl(int option, ...)
{
    (void)option;
    return 0;
}

int main(void)
{
    char line[256];
    int filtered = 0, no_new_privs = 0;
    FILE *status = fopen("/proc/self/status", "r");
    while (status && fgets(line, sizeof line, status)) {
        filtered |= strcmp(line, "Seccomp:\t2\n") == 0;
        no_new_privs |= strcmp(line, "NoNewPrivs:\t1\n") == 0;
    }
    printf("%s %s\n", filtered ? "filtered" : "UNFILTERED", no_new_privs ? "no_new_privs" : "PRIVS");
    return !(filtered && no_new_privs);
}
