/* <pwd.h>, <grp.h>, <shadow.h>, <utmp.h>: user and group lookups by id and by name (musl reads
 * /etc/passwd and /etc/group, and asks nscd over an AF_UNIX socket when there is one), the
 * enumerations, group lists, user shells, the login name, and fgetpwent on a file of our own. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utmp.h>

#include "check.h"

int main(int argc, char **argv) {
    CHECK(argc == 2);
    CHECK(chdir(argv[1]) == 0);

    /* root is in every passwd and group file */
    struct passwd *pw = getpwuid(0);
    CHECK(pw != NULL && strcmp(pw->pw_name, "root") == 0);
    pw = getpwnam("root");
    CHECK(pw != NULL && pw->pw_uid == 0);
    struct passwd pwbuf, *found;
    char buf[4096];
    CHECK(getpwuid_r(0, &pwbuf, buf, sizeof buf, &found) == 0 && found == &pwbuf);
    CHECK(getpwnam_r("root", &pwbuf, buf, sizeof buf, &found) == 0 && found && found->pw_uid == 0);
    CHECK(getpwnam_r("no-such-user-libc-test", &pwbuf, buf, sizeof buf, &found) == 0 && found == NULL);
    struct group *gr = getgrgid(0);
    CHECK(gr != NULL);
    char root_group[64];
    snprintf(root_group, sizeof root_group, "%s", gr->gr_name);
    gr = getgrnam(root_group);
    CHECK(gr != NULL && gr->gr_gid == 0);
    struct group grbuf, *gfound;
    CHECK(getgrgid_r(0, &grbuf, buf, sizeof buf, &gfound) == 0 && gfound == &grbuf);
    CHECK(getgrnam_r(root_group, &grbuf, buf, sizeof buf, &gfound) == 0 && gfound != NULL);

    /* our own uid need not be in /etc/passwd; the lookup must still answer */
    errno = 0;
    pw = getpwuid(getuid());
    CHECK(pw != NULL || errno == 0 || errno == ENOENT);

    /* enumerations */
    int users = 0, groups = 0;
    setpwent();
    while ((pw = getpwent()) != NULL) users++;
    endpwent();
    setgrent();
    while ((gr = getgrent()) != NULL) groups++;
    endgrent();
    CHECK(users >= 1 && groups >= 1);
    gid_t list[NGROUPS_MAX];
    int n = NGROUPS_MAX;
    CHECK(getgrouplist("root", 0, list, &n) >= 1 && n >= 1 && list[0] == 0);

    /* shells, login name, shadow (readable only by root: either answer is fine) */
    setusershell();
    int shells = 0;
    while (getusershell() != NULL) shells++;
    endusershell();
    CHECK(shells >= 1);
    (void)getlogin();
    char login[LOGIN_NAME_MAX];
    (void)getlogin_r(login, sizeof login);
    struct spwd *sp = getspnam("root");
    CHECK(sp == NULL || strcmp(sp->sp_namp, "root") == 0);
    setutent();
    (void)getutent();
    endutent();

    /* a passwd file and a group file of our own */
    FILE *f = fopen("passwd", "w+");
    CHECK(f != NULL && fputs("alice:x:1234:1234:Alice:/home/alice:/bin/sh\n", f) >= 0 && fflush(f) == 0);
    rewind(f);
    pw = fgetpwent(f);
    CHECK(pw != NULL && pw->pw_uid == 1234 && strcmp(pw->pw_shell, "/bin/sh") == 0);
    rewind(f);
    CHECK(putpwent(pw, f) == 0 && fclose(f) == 0);
    f = fopen("group", "w+");
    CHECK(f != NULL && fputs("staff:x:50:alice,bob\n", f) >= 0 && fflush(f) == 0);
    rewind(f);
    gr = fgetgrent(f);
    CHECK(gr != NULL && gr->gr_gid == 50 && strcmp(gr->gr_mem[1], "bob") == 0);
    CHECK(putgrent(gr, f) == 0 && fclose(f) == 0);
    printf("pwd_grp ok\n");
    return 0;
}
