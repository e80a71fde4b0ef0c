/* The exec_calls fixture (lib/ExecFacts.cpp, ccsandbox/facts/irexec.py): one call into the exec
 * family per kind of program path. libc is declared, not included: only the calls matter. */
typedef int pid_t;
extern char **environ;
char *getenv(const char *);
int execv(const char *, char *const[]);
int execvp(const char *, char *const[]);
int execl(const char *, const char *, ...);
int system(const char *);
int posix_spawn(pid_t *, const char *, const void *, const void *, char *const[], char *const[]);

static long raw_execve(const char *path, char *const argv[], char *const envp[]) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(59L), "D"(path), "S"(argv), "d"(envp) : "rcx", "r11", "memory");
    return ret;
}

int from_environment(void) {
    char *shell = getenv("SHELL");
    char *args[] = {shell, 0};
    return execv(shell, args);
}

int a_command_line(const char *line) { return system(line); }

int spawned(pid_t *pid, char *const argv[]) { return posix_spawn(pid, "/usr/bin/env", 0, 0, argv, environ); }

int itself(char *const argv[]) { return (int)raw_execve("/proc/self/exe", argv, environ); }

int main(int argc, char **argv) {
    if (argc > 2)
        return execvp(argv[1], argv + 1);
    if (argc > 1)
        return execl("/bin/true", "true", (char *)0);
    return from_environment() + a_command_line(argv[0]);
}
