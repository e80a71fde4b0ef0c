/* <unistd.h>, <sys/fsuid.h>: process identity; the set-id family, to the values already held,
 * while a second thread is alive (musl then changes the ids of every thread, by signalling each);
 * file descriptors, pipes, paths and links, in the scratch directory argv[1]. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

/* operations called only through pointers in a table, as a program's own dispatch would */
struct fd_op {
    const char *name;
    int (*call)(int);
};
static const struct fd_op fd_ops[] = {{"syncfs", syncfs}, {"fdatasync", fdatasync}, {"fsync", fsync}};

static int wake[2];
static void *bystander(void *arg) {
    char c;
    while (read(wake[0], &c, 1) == -1 && errno == EINTR) continue; /* interrupted by each set-id call */
    return arg;
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    CHECK(chdir(argv[1]) == 0);
    char cwd[PATH_MAX], *allocated = getcwd(NULL, 0);
    CHECK(getcwd(cwd, sizeof cwd) != NULL && allocated != NULL && strcmp(cwd, allocated) == 0);
    free(allocated);
    CHECK(getcwd(cwd, 1) == NULL && errno == ERANGE);

    /* identity */
    pid_t pid = getpid();
    CHECK(pid > 0 && getppid() > 0);
    CHECK(syscall(SYS_gettid) == pid);
    CHECK(getpgrp() >= 0 && getpgid(0) == getpgrp() && getsid(0) >= 0); /* 0 where the group or session leader is outside the PID namespace (a container) */
    uid_t uid = getuid(), euid = geteuid(), ruid, suid, xuid;
    gid_t gid = getgid(), egid = getegid(), rgid, sgid, xgid;
    CHECK(getresuid(&ruid, &xuid, &suid) == 0 && ruid == uid && xuid == euid);
    CHECK(getresgid(&rgid, &xgid, &sgid) == 0 && rgid == gid && xgid == egid);
    int ngroups = getgroups(0, NULL);
    CHECK(ngroups >= 0);
    gid_t groups[NGROUPS_MAX];
    CHECK(getgroups(NGROUPS_MAX, groups) == ngroups);

    /* the set-id family, each to the ids already held (allowed without privilege), while another
     * thread runs: each call is made in every thread */
    pthread_t thread;
    CHECK(pipe(wake) == 0 && pthread_create(&thread, NULL, bystander, NULL) == 0);
    CHECK(setresgid(rgid, egid, sgid) == 0);
    CHECK(setresuid(ruid, euid, suid) == 0);
    CHECK(setregid(gid, egid) == 0);
    CHECK(setreuid(uid, euid) == 0);
    CHECK(setegid(egid) == 0);
    CHECK(seteuid(euid) == 0);
    CHECK(setgid(gid) == 0);
    CHECK(setuid(uid) == 0);
    CHECK(setfsgid(egid) == (int)egid && setfsuid(euid) == (int)euid);
    CHECK(write(wake[1], "", 1) == 1 && pthread_join(thread, NULL) == 0);
    CHECK(getuid() == uid && geteuid() == euid && getgid() == gid && getegid() == egid);
    CHECK(gettid() == pid);

    /* a child that becomes a process-group leader, and one that leads a new session */
    int status;
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) _exit(setpgid(0, 0) == 0 && getpgrp() == getpid() ? 0 : 2);
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) _exit(setsid() == getpid() && getsid(0) == getpid() ? 0 : 3);
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* descriptors */
    int fd = open("file", O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, "hello world", 11) == 11);
    CHECK(lseek(fd, 0, SEEK_CUR) == 11);
    CHECK(pwrite(fd, "HELLO", 5, 0) == 5);
    char buf[64] = {0};
    CHECK(pread(fd, buf, 11, 0) == 11 && memcmp(buf, "HELLO world", 11) == 0);
    CHECK(lseek(fd, 6, SEEK_SET) == 6);
    CHECK(read(fd, buf, sizeof buf) == 5 && memcmp(buf, "world", 5) == 0);
    CHECK(fsync(fd) == 0 && fdatasync(fd) == 0);
    for (size_t i = 0; i < sizeof fd_ops / sizeof fd_ops[0]; i++) CHECK(fd_ops[i].call(fd) == 0);
    CHECK(ftruncate(fd, 5) == 0);
    int fd2 = dup(fd);
    CHECK(fd2 > fd);
    CHECK(dup2(fd, 100) == 100);
    CHECK(dup3(fd, 101, O_CLOEXEC) == 101);
    CHECK(close(100) == 0 && close(101) == 0 && close(fd2) == 0);
    CHECK(close(fd) == 0);
    CHECK(truncate("file", 3) == 0);
    CHECK(isatty(-1) == 0 && errno == EBADF);

    int p[2];
    CHECK(pipe(p) == 0);
    CHECK(write(p[1], "x", 1) == 1 && read(p[0], buf, 1) == 1 && buf[0] == 'x');
    CHECK(close(p[0]) == 0 && close(p[1]) == 0);
    CHECK(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
    CHECK(read(p[0], buf, 1) == -1 && errno == EAGAIN);
    CHECK(close(p[0]) == 0 && close(p[1]) == 0);

    /* paths and links */
    CHECK(access("file", R_OK | W_OK) == 0 && access("missing", F_OK) == -1 && errno == ENOENT);
    CHECK(faccessat(AT_FDCWD, "file", R_OK, 0) == 0);
    CHECK(link("file", "hard") == 0);
    CHECK(symlink("file", "soft") == 0);
    ssize_t n = readlink("soft", buf, sizeof buf);
    CHECK(n == 4 && memcmp(buf, "file", 4) == 0);
    CHECK(readlinkat(AT_FDCWD, "soft", buf, sizeof buf) == 4);
    CHECK(mkdir("dir", 0700) == 0);
    CHECK(rename("hard", "dir/hard") == 0);
    CHECK(unlink("dir/hard") == 0 && unlink("soft") == 0);
    CHECK(chown("file", -1, -1) == 0 && lchown("file", uid, -1) == 0);
    int dirfd = open("dir", O_RDONLY | O_DIRECTORY);
    CHECK(dirfd >= 0);
    CHECK(fchdir(dirfd) == 0 && chdir("..") == 0 && close(dirfd) == 0);
    CHECK(linkat(AT_FDCWD, "file", AT_FDCWD, "dir/l", 0) == 0 && unlinkat(AT_FDCWD, "dir/l", 0) == 0);
    CHECK(symlinkat("file", AT_FDCWD, "s2") == 0 && unlinkat(AT_FDCWD, "s2", 0) == 0);
    CHECK(rmdir("dir") == 0);
    CHECK(unlink("file") == 0);

    /* the rest */
    char host[HOST_NAME_MAX + 1];
    CHECK(gethostname(host, sizeof host) == 0);
    CHECK(sysconf(_SC_PAGESIZE) == getpagesize() && sysconf(_SC_OPEN_MAX) > 0);
    CHECK(sysconf(_SC_NPROCESSORS_ONLN) >= 1);
    CHECK(pathconf(".", _PC_NAME_MAX) > 0);
    errno = 0;
    int niceness = nice(0);
    CHECK(niceness != -1 || errno == 0);
    CHECK(usleep(1000) == 0);
    CHECK(sleep(0) == 0);
    CHECK(alarm(0) == 0);
    sync();
    CHECK(chdir(cwd) == 0);
    printf("unistd ok\n");
    return 0;
}
