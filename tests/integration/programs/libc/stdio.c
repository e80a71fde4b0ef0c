/* <stdio.h>: streams on files in the scratch directory argv[1], memory streams, a cookie stream
 * whose functions make syscalls of their own, temporary files and names, buffering modes,
 * positioning, reopening, wide output, locking, and the standard streams. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "check.h"

/* a cookie stream over a descriptor, by offset */
struct cookie {
    int fd;
    off_t at;
};
static ssize_t cookie_read(void *c, char *buf, size_t n) {
    struct cookie *k = c;
    ssize_t got = pread(k->fd, buf, n, k->at);
    if (got > 0) k->at += got;
    return got;
}
static ssize_t cookie_write(void *c, const char *buf, size_t n) {
    struct cookie *k = c;
    ssize_t put = pwrite(k->fd, buf, n, k->at);
    if (put > 0) k->at += put;
    return put;
}
static int cookie_seek(void *c, off_t *off, int whence) {
    struct cookie *k = c;
    if (whence != SEEK_SET) return -1;
    k->at = *off;
    return 0;
}
static int cookie_close(void *c) { return close(((struct cookie *)c)->fd); }

int main(int argc, char **argv) {
    CHECK(argc == 2);
    CHECK(chdir(argv[1]) == 0);
    char buf[256];

    /* a file written, read and positioned */
    FILE *f = fopen("a.txt", "w+");
    CHECK(f != NULL);
    CHECK(fprintf(f, "line %d\n", 1) == 7);
    CHECK(fputs("line 2\n", f) >= 0 && fputc('x', f) == 'x' && putc('\n', f) == '\n');
    CHECK(fwrite("line 4\n", 1, 7, f) == 7);
    CHECK(fflush(f) == 0);
    CHECK(ftell(f) == 23);
    rewind(f);
    CHECK(fgets(buf, sizeof buf, f) != NULL && strcmp(buf, "line 1\n") == 0);
    int c = getc(f);
    CHECK(c == 'l' && ungetc(c, f) == 'l');
    int n = 0;
    CHECK(fscanf(f, "line %d\n", &n) == 1 && n == 2);
    fpos_t pos;
    CHECK(fgetpos(f, &pos) == 0);
    CHECK(fseek(f, 0, SEEK_END) == 0 && ftello(f) == 23);
    CHECK(fsetpos(f, &pos) == 0 && fgetc(f) == 'x');
    CHECK(fseeko(f, -7, SEEK_END) == 0 && fread(buf, 1, 7, f) == 7 && memcmp(buf, "line 4\n", 7) == 0);
    CHECK(fgetc(f) == EOF && feof(f) && !ferror(f));
    clearerr(f);
    CHECK(fileno(f) >= 0);
    CHECK(fclose(f) == 0);

    /* getline, freopen, fdopen, buffering modes */
    f = fopen("a.txt", "r");
    CHECK(f != NULL);
    char *line = NULL;
    size_t cap = 0;
    int lines = 0;
    while (getline(&line, &cap, f) > 0) lines++;
    CHECK(lines == 4);
    CHECK(freopen("a.txt", "a", f) == f);
    CHECK(setvbuf(f, NULL, _IONBF, 0) == 0 && fputs("unbuffered\n", f) >= 0);
    CHECK(fclose(f) == 0);
    f = fopen("a.txt", "r");
    CHECK(f != NULL);
    CHECK(getdelim(&line, &cap, 'x', f) == 15);
    CHECK(fclose(f) == 0);
    free(line);
    int fd = open("b.txt", O_CREAT | O_RDWR, 0600);
    CHECK(fd >= 0);
    f = fdopen(fd, "r+");
    CHECK(f != NULL);
    static char fullbuf[64];
    CHECK(setvbuf(f, fullbuf, _IOFBF, sizeof fullbuf) == 0);
    CHECK(fputs("full\n", f) >= 0 && __fpending(f) == 5);
    setlinebuf(f);
    CHECK(fputs("line\n", f) >= 0);
    CHECK(fclose(f) == 0);
    CHECK(dprintf(STDERR_FILENO, "%s", "") == 0);

    /* rename, remove, tmpfile */
    CHECK(rename("b.txt", "c.txt") == 0 && remove("c.txt") == 0 && remove("a.txt") == 0);
    CHECK(remove("missing") == -1 && errno == ENOENT);
    FILE *t = tmpfile();
    CHECK(t != NULL);
    CHECK(fputs("temporary", t) >= 0 && fseek(t, 0, SEEK_SET) == 0);
    CHECK(fgets(buf, sizeof buf, t) != NULL && strcmp(buf, "temporary") == 0);
    CHECK(fclose(t) == 0);

    /* a cookie stream */
    struct cookie k = {open("cookie", O_CREAT | O_RDWR | O_TRUNC, 0600), 0};
    CHECK(k.fd >= 0);
    cookie_io_functions_t io = {cookie_read, cookie_write, cookie_seek, cookie_close};
    FILE *cs = fopencookie(&k, "w+", io);
    CHECK(cs != NULL && fputs("through the cookie", cs) >= 0 && fflush(cs) == 0 && fseek(cs, 8, SEEK_SET) == 0);
    CHECK(fgets(buf, sizeof buf, cs) != NULL && strcmp(buf, "the cookie") == 0 && fclose(cs) == 0);

    /* temporary names, reopening, more modes */
    char *tn = tmpnam(NULL);
    CHECK(tn != NULL && access(tn, F_OK) == -1);
    char *tdn = tempnam(argv[1], "pfx");
    CHECK(tdn != NULL && strstr(tdn, "pfx") != NULL);
    free(tdn);
    f = fopen("x.txt", "wxe");
    CHECK(f != NULL && fopen("x.txt", "wx") == NULL && errno == EEXIST);
    CHECK(freopen(NULL, "r", f) == f && fgetc(f) == EOF && fclose(f) == 0);
    f = fopen("x.txt", "a+");
    CHECK(f != NULL);
    setbuf(f, NULL);
    setbuffer(f, fullbuf, sizeof fullbuf);
    CHECK(fputs("appended", f) >= 0 && fclose(f) == 0);

    /* memory streams */
    char *mem = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&mem, &size);
    CHECK(m != NULL && fprintf(m, "%s-%05.1f", "memstream", 2.5) > 0 && fclose(m) == 0);
    CHECK(strcmp(mem, "memstream-002.5") == 0 && size == 15);
    free(mem);
    char fixed[32] = "1 2 3";
    m = fmemopen(fixed, sizeof fixed, "r");
    int a = 0, b = 0, d = 0;
    CHECK(m != NULL && fscanf(m, "%d %d %d", &a, &b, &d) == 3 && a + b + d == 6 && fclose(m) == 0);
    wchar_t *wmem = NULL;
    FILE *w = open_wmemstream(&wmem, &size);
    CHECK(w != NULL && fwprintf(w, L"%ls", L"wide") == 4 && fclose(w) == 0 && wcscmp(wmem, L"wide") == 0);
    free(wmem);

    /* wide output to a file */
    f = fopen("w.txt", "w");
    CHECK(f != NULL && fwide(f, 1) > 0 && fputwc(L'w', f) == L'w' && fputws(L"ide\n", f) >= 0 && fclose(f) == 0);
    f = fopen("w.txt", "r");
    CHECK(f != NULL && fgetwc(f) == L'w' && fgetws((wchar_t[8]){0}, 8, f) != NULL && fclose(f) == 0);

    /* locking and the standard streams */
    flockfile(stdout);
    CHECK(ftrylockfile(stdout) == 0);
    funlockfile(stdout);
    funlockfile(stdout);
    CHECK(snprintf(buf, sizeof buf, "%x %o %e %s", 255, 8, 1.0, "s") > 0 && sscanf("7", "%d", &n) == 1);
    CHECK(ctermid(buf) == buf);
    CHECK(fputs("", stderr) >= 0 && fflush(stderr) == 0);
    CHECK(printf("%s", "stdio") == 5 && putchar_unlocked(' ') == ' ' && puts("ok") >= 0);
    CHECK(fflush(NULL) == 0);
    return 0;
}
