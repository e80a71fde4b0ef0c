/* <locale.h>, <langinfo.h>, <iconv.h>, <wchar.h>, <nl_types.h>, <libintl.h>: locales by name
 * (with MUSL_LOCPATH pointing at a locale file of our own in the scratch directory argv[1], which
 * musl opens and maps), per-thread locales, conversions; and <string.h>, <err.h>, <syslog.h>:
 * error strings, perror and the err/warn family (to a file standing in for stderr; err and errx
 * exit, in forked children), a syslog connection whose messages are all masked out. */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <fmtmsg.h>
#include <iconv.h>
#include <langinfo.h>
#include <libintl.h>
#include <locale.h>
#include <nl_types.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>
#include <wchar.h>

#include "check.h"

/* A message catalogue (GNU .mo) with one translation. */
static void write_mo(const char *path, const char *from, const char *to) {
    uint32_t lf = strlen(from), lt = strlen(to);
    uint32_t header[11] = {0x950412de, 0, 1, 28, 36, 0, 44, lf, 44, lt, 44 + lf + 1};
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    CHECK(fd >= 0 && write(fd, header, sizeof header) == sizeof header);
    CHECK(write(fd, from, lf + 1) == lf + 1 && write(fd, to, lt + 1) == lt + 1 && close(fd) == 0);
}

static void locales(const char *dir) {
    CHECK(setlocale(LC_ALL, "C") != NULL && setlocale(LC_ALL, "C.UTF-8") != NULL);
    CHECK(strcmp(nl_langinfo(CODESET), "UTF-8") == 0);
    CHECK(setlocale(LC_ALL, "") != NULL && setlocale(LC_CTYPE, NULL) != NULL);
    struct lconv *lc = localeconv();
    CHECK(lc != NULL && strcmp(lc->decimal_point, ".") == 0);

    /* a locale of our own: musl maps MUSL_LOCPATH/NAME, a message catalogue translating its own
     * messages, when LC_MESSAGES is set to NAME */
    char path[4096];
    snprintf(path, sizeof path, "%s/locales", dir);
    CHECK(mkdir(path, 0700) == 0 && setenv("MUSL_LOCPATH", path, 1) == 0);
    strcat(path, "/xx_XX.UTF-8");
    write_mo(path, "No such file or directory", "Pas de fichier");
    CHECK(setlocale(LC_MESSAGES, "xx_XX.UTF-8") != NULL);
    CHECK(strcmp(strerror(ENOENT), "Pas de fichier") == 0);
    /* and gettext maps DIR/NAME/LC_MESSAGES/DOMAIN.mo of a bound domain */
    snprintf(path, sizeof path, "%s/xx_XX", dir); /* the .UTF-8 of the name is not used */
    CHECK(mkdir(path, 0700) == 0);
    strcat(path, "/LC_MESSAGES");
    CHECK(mkdir(path, 0700) == 0);
    strcat(path, "/libc-test.mo");
    write_mo(path, "hello", "bonjour");
    CHECK(bindtextdomain("libc-test", dir) != NULL && textdomain("libc-test") != NULL);
    CHECK(strcmp(gettext("hello"), "bonjour") == 0 && strcmp(dgettext("libc-test", "other"), "other") == 0);
    CHECK(strcmp(ngettext("hello", "hellos", 1), "bonjour") == 0);
    CHECK(setlocale(LC_MESSAGES, "yy_YY") != NULL); /* no file: musl still takes the name */
    CHECK(strcmp(gettext("hello"), "hello") == 0);
    CHECK(setlocale(LC_ALL, "C") != NULL && strcmp(strerror(ENOENT), "No such file or directory") == 0);

    locale_t loc = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0);
    CHECK(loc != (locale_t)0);
    locale_t copy = duplocale(loc);
    CHECK(copy != (locale_t)0);
    locale_t old = uselocale(loc);
    CHECK(MB_CUR_MAX == 4 && uselocale(old) == loc);
    CHECK(strcmp(nl_langinfo_l(CODESET, copy), "UTF-8") == 0 && strcoll_l("a", "b", copy) < 0);
    freelocale(copy);
    freelocale(loc);

    /* multibyte and wide conversions */
    CHECK(setlocale(LC_CTYPE, "C.UTF-8") != NULL);
    wchar_t wide[16];
    CHECK(mbstowcs(wide, "h\xc3\xa9llo", 16) == 5 && wide[1] == 0xe9);
    char narrow[16];
    CHECK(wcstombs(narrow, wide, sizeof narrow) == 6);
    mbstate_t st = {0};
    wchar_t wc;
    CHECK(mbrtowc(&wc, "\xe2\x82\xac", 3, &st) == 3 && wc == 0x20ac && wcwidth(wc) == 1);
    CHECK(wcrtomb(narrow, wc, &st) == 3);
    char xfrm[16];
    CHECK(strcoll("abc", "abd") < 0 && strxfrm(xfrm, "abc", sizeof xfrm) == 3);

    /* iconv */
    iconv_t cd = iconv_open("UTF-16LE", "UTF-8");
    CHECK(cd != (iconv_t)-1);
    char in[] = "h\xc3\xa9", out[16], *ip = in, *op = out;
    size_t inleft = 3, outleft = sizeof out;
    CHECK(iconv(cd, &ip, &inleft, &op, &outleft) == 0 && inleft == 0 && outleft == sizeof out - 4);
    CHECK(iconv_close(cd) == 0);
    cd = iconv_open("ISO-8859-1", "UTF-8");
    CHECK(cd != (iconv_t)-1 && iconv_close(cd) == 0);
    CHECK(iconv_open("no-such-charset", "UTF-8") == (iconv_t)-1 && errno == EINVAL);

    /* message catalogs and gettext (nothing to find: the default strings come back) */
    snprintf(path, sizeof path, "%s/%%N.cat", dir);
    CHECK(setenv("NLSPATH", path, 1) == 0);
    nl_catd cat = catopen("missing", 0);
    CHECK(cat == (nl_catd)-1 || catclose(cat) == 0);
    CHECK(strcmp(dgettext("other", "x"), "x") == 0);
    CHECK(setlocale(LC_ALL, "C") != NULL);
}

static void errors(const char *dir) {
    char buf[128];
    CHECK(strcmp(strerror(ENOENT), "No such file or directory") == 0);
    CHECK(strerror_r(EACCES, buf, sizeof buf) == 0 && strstr(buf, "ermission") != NULL);
    locale_t loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    CHECK(strerror_l(EINTR, loc) != NULL);
    freelocale(loc);
    CHECK(strsignal(SIGTERM) != NULL);
    char *s = strdup("duplicate"), *t = strndup("duplicate", 3);
    CHECK(s && t && strcmp(t, "dup") == 0);
    free(s);
    free(t);

    /* perror and warn go to stderr: a file here */
    char path[4096];
    snprintf(path, sizeof path, "%s/stderr", dir);
    int saved = dup(STDERR_FILENO), log = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(saved >= 0 && log >= 0 && dup2(log, STDERR_FILENO) == STDERR_FILENO);
    errno = ENOENT;
    perror("perror");
    errno = EBADF;
    warn("warn %d", 1);
    warnx("warnx %d", 2);
    CHECK(fmtmsg(MM_PRINT, "libc:test", MM_INFO, "fmtmsg text", "no action", "libc:1") == MM_OK);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        errno = EPERM;
        err(3, "err");
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 3);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) errx(4, "errx");
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 4);
    CHECK(dup2(saved, STDERR_FILENO) == STDERR_FILENO && close(saved) == 0);
    char text[512] = {0};
    CHECK(pread(log, text, sizeof text - 1, 0) > 0 && close(log) == 0);
    CHECK(strstr(text, "perror: No such file or directory\n") != NULL);
    CHECK(strstr(text, "warn 1: Bad file descriptor\n") && strstr(text, "warnx 2\n"));
    CHECK(strstr(text, "err: Operation not permitted\n") && strstr(text, "errx\n"));
    CHECK(strstr(text, "fmtmsg text") != NULL);

    /* syslog: connect (to /dev/log, if there is one), but send nothing */
    CHECK(setlogmask(LOG_MASK(LOG_EMERG)) != 0);
    openlog("libc-test", LOG_NDELAY | LOG_PID, LOG_USER);
    syslog(LOG_DEBUG, "masked out: %d", 1);
    closelog();
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    locales(argv[1]);
    errors(argv[1]);
    printf("locale_string ok\n");
    return 0;
}
