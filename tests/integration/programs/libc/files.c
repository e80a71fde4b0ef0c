/* <dirent.h>, <fcntl.h>, <sys/stat.h>, <sys/statvfs.h>, <sys/file.h>, <sys/uio.h>,
 * <sys/sendfile.h>, <sys/xattr.h>, <ftw.h>, <glob.h>: directories listed, scanned and walked;
 * opens and fcntl commands (flags, descriptor flags, duplicates, record and OFD locks); stat
 * family, modes (also without following links), O_PATH, handles, special files, file systems;
 * scatter/gather and in-kernel copies; extended attributes (where the file system keeps user
 * ones), all in the scratch directory argv[1]. The callbacks of nftw and scandir each make a
 * syscall of their own. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "check.h"

/* musl 1.2.3's LFS64 names are link-time aliases of the plain functions: called by those names */
#undef open64
#undef lseek64
#undef fstat64
#undef pread64
#undef ftruncate64
extern int open64(const char *, int, ...);
extern off_t lseek64(int, off_t, int);
extern int fstat64(int, struct stat *);
extern ssize_t pread64(int, void *, size_t, off_t);
extern int ftruncate64(int, off_t);

static int walked;
static int count_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st, (void)type, (void)ftw;
    if (access(path, F_OK) != 0) return -1; /* a syscall made only here */
    walked++;
    return 0;
}
static int count_old(const char *path, const struct stat *st, int type) {
    (void)path, (void)st, (void)type;
    walked++;
    return 0;
}
static int not_dot(const struct dirent *entry) {
    (void)geteuid(); /* a syscall made only here */
    return entry->d_name[0] != '.';
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    CHECK(chdir(argv[1]) == 0);
    umask(022);
    CHECK(umask(022) == 022);

    /* a small tree */
    CHECK(mkdir("d", 0755) == 0 && mkdirat(AT_FDCWD, "d/sub", 0700) == 0);
    int dfd = open("d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK(dfd >= 0);
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", i);
        int fd = openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY, 0644);
        CHECK(fd >= 0 && write(fd, name, 2) == 2 && close(fd) == 0);
    }
    CHECK(openat(dfd, "f0", O_CREAT | O_EXCL | O_WRONLY, 0644) == -1 && errno == EEXIST);
    CHECK(creat("d/created", 0600) >= 0);

    /* listing */
    DIR *dir = opendir("d");
    CHECK(dir != NULL && dirfd(dir) >= 0);
    int entries = 0;
    long start = telldir(dir);
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) entries++;
    CHECK(entries == 9); /* ., .., sub, f0..f4, created */
    rewinddir(dir);
    CHECK(readdir(dir) != NULL);
    seekdir(dir, start);
    CHECK(readdir(dir) != NULL && closedir(dir) == 0);
    int dup_dfd = dup(dfd);
    dir = fdopendir(dup_dfd);
    CHECK(dir != NULL && readdir(dir) != NULL && closedir(dir) == 0);
    struct dirent **names;
    int n = scandir("d", &names, not_dot, alphasort);
    CHECK(n == 7 && strcmp(names[0]->d_name, "created") == 0);
    while (n--) free(names[n]);
    free(names);
    walked = 0;
    CHECK(nftw("d", count_entry, 8, FTW_PHYS | FTW_DEPTH) == 0 && walked == 8);
    walked = 0;
    CHECK(ftw("d", count_old, 8) == 0 && walked == 8);
    glob_t g;
    CHECK(glob("d/f*", 0, NULL, &g) == 0 && g.gl_pathc == 5);
    globfree(&g);

    /* fcntl */
    int fd = open("d/f0", O_RDWR | O_APPEND);
    CHECK(fd >= 0);
    int fl = fcntl(fd, F_GETFL);
    CHECK(fl >= 0 && (fl & O_APPEND) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0);
    CHECK(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC);
    int d1 = fcntl(fd, F_DUPFD, 50), d2 = fcntl(fd, F_DUPFD_CLOEXEC, 60);
    CHECK(d1 >= 50 && d2 >= 60 && close(d1) == 0 && close(d2) == 0);
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    CHECK(fcntl(fd, F_SETLK, &lk) == 0 && fcntl(fd, F_SETLKW, &lk) == 0);
    lk.l_type = F_WRLCK;
    CHECK(fcntl(fd, F_GETLK, &lk) == 0 && lk.l_type == F_UNLCK);
    struct flock ofd = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 20, .l_len = 5};
    CHECK(fcntl(fd, F_OFD_SETLK, &ofd) == 0);
    struct flock probe = ofd;
    probe.l_type = F_WRLCK;
    CHECK(fcntl(fd, F_OFD_GETLK, &probe) == 0);
    ofd.l_type = F_UNLCK;
    CHECK(fcntl(fd, F_OFD_SETLK, &ofd) == 0);
    CHECK(flock(fd, LOCK_EX | LOCK_NB) == 0 && flock(fd, LOCK_UN) == 0);
    CHECK(lockf(fd, F_TLOCK, 0) == 0 && lockf(fd, F_TEST, 0) == 0 && lockf(fd, F_ULOCK, 0) == 0);
    CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0);
    int r = posix_fallocate(fd, 0, 4096);
    CHECK(r == 0 || r == EOPNOTSUPP);
    CHECK(fcntl(fd, F_SETFL, fl) == 0 && close(fd) == 0);

    /* the stat family and modes */
    struct stat st;
    CHECK(stat("d/f1", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 2 && (st.st_mode & 0777) == 0644);
    CHECK(lstat("d", &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(fstatat(dfd, "f1", &st, AT_SYMLINK_NOFOLLOW) == 0 && fstat(dfd, &st) == 0);
    CHECK(chmod("d/f1", 0600) == 0 && fchmodat(dfd, "f2", 0640, 0) == 0);
    fd = open("d/f3", O_RDONLY);
    CHECK(fd >= 0 && fchmod(fd, 0400) == 0 && fchown(fd, -1, -1) == 0 && fstat(fd, &st) == 0);
    CHECK((st.st_mode & 0777) == 0400 && close(fd) == 0);
    CHECK(fchownat(dfd, "f4", getuid(), getgid(), 0) == 0);
    /* without following links, musl changes the mode through an O_PATH descriptor's /proc name */
    CHECK(fchmodat(AT_FDCWD, "d/f4", 0604, AT_SYMLINK_NOFOLLOW) == 0 && stat("d/f4", &st) == 0);
    CHECK((st.st_mode & 0777) == 0604);
    CHECK(symlink("f4", "d/ln") == 0 && fchmodat(dfd, "ln", 0600, AT_SYMLINK_NOFOLLOW) == -1);
    CHECK(errno == EOPNOTSUPP && unlinkat(dfd, "ln", 0) == 0);
    int opath = open("d/f4", O_PATH | O_CLOEXEC);
    CHECK(opath >= 0 && fstat(opath, &st) == 0 && S_ISREG(st.st_mode) && close(opath) == 0);
    opath = open("d", O_PATH | O_DIRECTORY);
    CHECK(opath >= 0 && fchdir(opath) == 0 && chdir("..") == 0 && close(opath) == 0);
    struct file_handle *fh = malloc(sizeof *fh + MAX_HANDLE_SZ);
    fh->handle_bytes = MAX_HANDLE_SZ;
    int mount_id;
    CHECK(name_to_handle_at(dfd, "f4", fh, &mount_id, 0) == 0 || errno == EOPNOTSUPP);
    free(fh);
    CHECK(mkfifo("fifo", 0600) == 0 && stat("fifo", &st) == 0 && S_ISFIFO(st.st_mode));
    CHECK(mknod("fifo2", S_IFIFO | 0600, 0) == 0 && mkfifoat(dfd, "fifo3", 0600) == 0);
    CHECK(renameat(AT_FDCWD, "fifo2", dfd, "fifo4") == 0);
    struct statvfs vfs;
    CHECK(statvfs(".", &vfs) == 0 && vfs.f_bsize > 0 && fstatvfs(dfd, &vfs) == 0);
    struct statfs sfs;
    CHECK(statfs(".", &sfs) == 0 && fstatfs(dfd, &sfs) == 0);

    /* scatter/gather and copies */
    fd = open("data", O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(fd >= 0);
    struct iovec out[2] = {{"hello ", 6}, {"world", 5}};
    CHECK(writev(fd, out, 2) == 11 && pwritev(fd, out, 1, 11) == 6);
    char a[6], b[5];
    struct iovec in[2] = {{a, 6}, {b, 5}};
    CHECK(preadv(fd, in, 2, 0) == 11 && memcmp(b, "world", 5) == 0);
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && readv(fd, in, 2) == 11);
    int copy = open("copy", O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(copy >= 0);
    off_t off = 0;
    CHECK(sendfile(copy, fd, &off, 17) == 17);
    loff_t in_off = 0, out_off = 17;
    ssize_t copied = copy_file_range(fd, &in_off, copy, &out_off, 5, 0);
    CHECK(copied == 5 || (copied == -1 && (errno == ENOSYS || errno == EXDEV || errno == EOPNOTSUPP)));
    CHECK(sync_file_range(copy, 0, 0, SYNC_FILE_RANGE_WRITE) == 0 || errno == ENOSYS);
    CHECK(syncfs(copy) == 0 && fstat(copy, &st) == 0 && st.st_size >= 17);
    int p[2];
    CHECK(pipe(p) == 0);
    loff_t soff = 0;
    CHECK(splice(fd, &soff, p[1], NULL, 5, 0) == 5 && read(p[0], a, 5) == 5 && memcmp(a, "hello", 5) == 0);
    CHECK(vmsplice(p[1], out, 1, 0) == 6);
    int q[2];
    CHECK(pipe(q) == 0 && tee(p[0], q[1], 6, 0) == 6 && read(q[0], b, 5) == 5 && read(p[0], a, 6) == 6);
    CHECK(close(q[0]) == 0 && close(q[1]) == 0);
    r = fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 8192);
    CHECK(r == 0 || errno == EOPNOTSUPP);
    CHECK(readahead(fd, 0, 4096) == 0 || errno == EINVAL);
    CHECK(close(p[0]) == 0 && close(p[1]) == 0);

    /* extended attributes (EOPNOTSUPP where the file system keeps no user ones) */
    if (setxattr("copy", "user.libc", "v", 1, 0) == 0) {
        char v[4], list[64];
        CHECK(getxattr("copy", "user.libc", v, sizeof v) == 1 && fgetxattr(copy, "user.libc", v, sizeof v) == 1);
        CHECK(listxattr("copy", list, sizeof list) > 0 && flistxattr(copy, list, sizeof list) > 0);
        CHECK(fsetxattr(copy, "user.two", "w", 1, XATTR_CREATE) == 0 && lgetxattr("copy", "user.two", v, 4) == 1);
        CHECK(removexattr("copy", "user.libc") == 0 && fremovexattr(copy, "user.two") == 0);
        CHECK(llistxattr("copy", list, sizeof list) >= 0);
    } else {
        CHECK(errno == EOPNOTSUPP || errno == ENOTSUP);
    }
    CHECK(close(copy) == 0 && close(fd) == 0);

    /* the LFS64 aliases */
    fd = open64("lfs64", O_CREAT | O_RDWR, 0600);
    CHECK(fd >= 0 && ftruncate64(fd, 10) == 0 && lseek64(fd, 0, SEEK_END) == 10);
    CHECK(fstat64(fd, &st) == 0 && st.st_size == 10 && pread64(fd, a, 1, 0) == 1 && close(fd) == 0);

    /* an unnamed temporary file (not every file system can) */
    fd = open(".", O_TMPFILE | O_RDWR, 0600);
    CHECK(fd >= 0 || errno == EOPNOTSUPP || errno == EISDIR);
    if (fd >= 0) CHECK(write(fd, "t", 1) == 1 && close(fd) == 0);
    CHECK(close(dfd) == 0);
    printf("files ok\n");
    return 0;
}
