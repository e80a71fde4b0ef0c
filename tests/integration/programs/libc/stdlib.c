/* <stdlib.h>, <malloc.h>: allocation small and big (brk and mmap), growing and shrinking with
 * realloc (mremap), aligned allocation, from several threads; sorting and searching; the
 * environment; temporary files and directories (mkstemp and friends in the scratch directory
 * argv[1]); realpath; atexit and at_quick_exit handlers. The callbacks (comparator, handlers)
 * each make a syscall that nothing else in the program makes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <search.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static void *churn(void *arg) {
    size_t seed = (size_t)arg;
    void *blocks[64] = {0};
    for (size_t i = 0; i < 2000; i++) {
        size_t slot = (i * 7 + seed) % 64, size = ((i * 2654435761u + seed) % 4096) + 1;
        free(blocks[slot]);
        blocks[slot] = malloc(size);
        CHECK(blocks[slot] != NULL);
        memset(blocks[slot], (int)i, size);
    }
    for (size_t i = 0; i < 64; i++) free(blocks[i]);
    return NULL;
}

static int compare_ints(const void *a, const void *b) {
    static int first = 1;
    if (first) first = 0, getppid(); /* a syscall made only here */
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int compare_with(const void *a, const void *b, void *arg) {
    ++*(int *)arg;
    return compare_ints(a, b);
}
static int walked;
static void walk(const void *node, VISIT visit, int depth) {
    (void)node, (void)depth;
    if (visit == leaf || visit == postorder) walked++;
}

static int exits;
static void at_exit_1(void) {
    exits++;
    umask(022); /* a syscall made only here */
}
static void at_quick_exit_1(void) { (void)getpgrp(); /* a syscall made only here */ }
static void at_exit_2(void) {
    if (exits != 0) _exit(5); /* handlers run in reverse order: this one first */
    printf("stdlib ok\n");
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    CHECK(chdir(argv[1]) == 0);

    /* small and big blocks, grown and shrunk */
    char *small = malloc(16);
    CHECK(small != NULL);
    strcpy(small, "small");
    small = realloc(small, 100);
    CHECK(small != NULL && strcmp(small, "small") == 0);
    char *big = malloc(8 << 20);
    CHECK(big != NULL);
    memset(big, 1, 8 << 20);
    big = realloc(big, 64 << 20);
    CHECK(big != NULL && big[(8 << 20) - 1] == 1);
    big = realloc(big, 1 << 20);
    CHECK(big != NULL && big[0] == 1);
    free(big);
    free(small);
    int *zeros = calloc(1 << 18, sizeof(int));
    CHECK(zeros != NULL && zeros[(1 << 18) - 1] == 0);
    free(zeros);
    void *aligned = aligned_alloc(4096, 8192), *pm = NULL;
    CHECK(aligned != NULL && ((uintptr_t)aligned & 4095) == 0);
    CHECK(posix_memalign(&pm, 64, 1000) == 0 && ((uintptr_t)pm & 63) == 0);
    void *ma = memalign(256, 300);
    CHECK(ma != NULL && malloc_usable_size(ma) >= 300);
    free(aligned);
    free(pm);
    free(ma);
    CHECK(realloc(NULL, 10) != NULL);
    CHECK(sbrk(0) != (void *)-1);
    void *many[1000];
    for (int i = 0; i < 1000; i++) CHECK((many[i] = malloc(i * 37 + 1)) != NULL);
    for (int i = 999; i >= 0; i--) free(many[i]);

    /* from several threads at once */
    pthread_t threads[3];
    for (size_t i = 0; i < 3; i++) CHECK(pthread_create(&threads[i], NULL, churn, (void *)i) == 0);
    churn((void *)3);
    for (size_t i = 0; i < 3; i++) CHECK(pthread_join(threads[i], NULL) == 0);

    /* sorting and searching */
    int values[1000];
    for (int i = 0; i < 1000; i++) values[i] = (i * 7919) % 1000;
    qsort(values, 1000, sizeof(int), compare_ints);
    for (int i = 0; i < 1000; i++) CHECK(values[i] == i);
    int calls = 0;
    qsort_r(values, 1000, sizeof(int), compare_with, &calls);
    CHECK(calls > 0 && values[0] == 0);
    void *root = NULL;
    for (int i = 0; i < 10; i++) CHECK(tsearch(&values[i], &root, compare_ints) != NULL);
    twalk(root, walk);
    CHECK(walked == 10 && tfind(&values[3], &root, compare_ints) != NULL);
    for (int i = 0; i < 10; i++) tdelete(&values[i], &root, compare_ints);
    CHECK(root == NULL);
    int key = 421;
    int *hit = bsearch(&key, values, 1000, sizeof(int), compare_ints);
    CHECK(hit != NULL && *hit == 421);
    CHECK(strtol("-42", NULL, 10) == -42 && strtoull("ff", NULL, 16) == 255 && atoi("7") == 7);
    CHECK(strtod("2.5", NULL) == 2.5 && llabs(-3) == 3 && div(7, 2).quot == 3);

    /* the environment */
    CHECK(getenv("LIBC_TEST_NEVER_SET") == NULL);
    CHECK(setenv("LIBC_TEST", "one", 1) == 0 && strcmp(getenv("LIBC_TEST"), "one") == 0);
    CHECK(setenv("LIBC_TEST", "two", 0) == 0 && strcmp(getenv("LIBC_TEST"), "one") == 0);
    static char putenv_value[] = "LIBC_TEST_PUT=three";
    CHECK(putenv(putenv_value) == 0 && strcmp(getenv("LIBC_TEST_PUT"), "three") == 0);
    CHECK(unsetenv("LIBC_TEST") == 0 && getenv("LIBC_TEST") == NULL);
    CHECK(secure_getenv("LIBC_TEST_PUT") != NULL);

    /* temporary files and directories */
    char name[] = "tmp-XXXXXX";
    int fd = mkstemp(name);
    CHECK(fd >= 0 && write(fd, "x", 1) == 1 && close(fd) == 0 && unlink(name) == 0);
    char oname[] = "otmp-XXXXXX";
    fd = mkostemp(oname, O_CLOEXEC);
    CHECK(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC && close(fd) == 0);
    char sname[] = "stmp-XXXXXX.txt";
    fd = mkstemps(sname, 4);
    CHECK(fd >= 0 && strcmp(sname + 11, ".txt") == 0 && close(fd) == 0);
    char osname[] = "ostmp-XXXXXX.c";
    fd = mkostemps(osname, 2, O_APPEND);
    CHECK(fd >= 0 && close(fd) == 0);
    char dname[] = "dtmp-XXXXXX";
    CHECK(mkdtemp(dname) == dname);
    struct stat st;
    CHECK(stat(dname, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);

    /* realpath through a symlink and dot-dot */
    char link_path[64], resolved[PATH_MAX], cwd[PATH_MAX];
    snprintf(link_path, sizeof link_path, "%s/../%s", dname, dname);
    CHECK(symlink(dname, "link") == 0 && getcwd(cwd, sizeof cwd) != NULL);
    CHECK(realpath("link/../link/.", resolved) != NULL);
    char expected[PATH_MAX + 64];
    snprintf(expected, sizeof expected, "%s/%s", cwd, dname);
    CHECK(strcmp(resolved, expected) == 0);
    CHECK(realpath(link_path, NULL) != NULL);
    CHECK(realpath("missing/file", resolved) == NULL && errno == ENOENT);

    /* quick_exit in a child runs the at_quick_exit handlers only */
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        at_quick_exit(at_quick_exit_1);
        quick_exit(3);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 3);

    /* at exit, in reverse order of registration */
    CHECK(atexit(at_exit_1) == 0 && atexit(at_exit_2) == 0);
    exit(0);
}
