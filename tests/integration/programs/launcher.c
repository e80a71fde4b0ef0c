/* A launcher, like env or nohup: runs its arguments as a command (the path comes from argv). */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: launcher COMMAND [ARGS...]\n", stderr);
        return 2;
    }
    execvp(argv[1], argv + 1);
    perror("launcher: execvp");
    return 127;
}
