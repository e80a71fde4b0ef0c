/* <termios.h>, <sys/ioctl.h>, <pty.h>, <utmp.h> on a pseudo-terminal pair of our own (attributes,
 * speeds, window size, queues, flow, a child that makes it its controlling terminal); ioctls on
 * pipes and sockets; and <sys/random.h>, getentropy, /dev/urandom and the PRNGs of <stdlib.h>. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <utmp.h>

#include "check.h"

static void terminal(void) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0) {
        CHECK(errno == ENOENT || errno == ENODEV || errno == EACCES);
        return; /* no /dev/ptmx here */
    }
    CHECK(grantpt(master) == 0 && unlockpt(master) == 0);
    char name[64];
    CHECK(ptsname_r(master, name, sizeof name) == 0 && ptsname(master) != NULL);
    int slave = open(name, O_RDWR | O_NOCTTY);
    CHECK(slave >= 0 && isatty(slave) && !isatty(STDIN_FILENO + 1000));
    char tty[64];
    CHECK(ttyname_r(slave, tty, sizeof tty) == 0);

    struct termios t, raw;
    CHECK(tcgetattr(slave, &t) == 0);
    raw = t;
    cfmakeraw(&raw);
    CHECK(cfsetispeed(&raw, B9600) == 0 && cfsetospeed(&raw, B9600) == 0 && cfsetspeed(&raw, B38400) == 0);
    CHECK(tcsetattr(slave, TCSANOW, &raw) == 0 && tcgetattr(slave, &raw) == 0);
    CHECK(cfgetospeed(&raw) == B38400 && cfgetispeed(&raw) == B38400);
    CHECK(tcsetattr(slave, TCSADRAIN, &t) == 0 && tcsetattr(slave, TCSAFLUSH, &t) == 0);
    struct winsize ws = {.ws_row = 24, .ws_col = 80}, got;
    CHECK(ioctl(master, TIOCSWINSZ, &ws) == 0 && ioctl(slave, TIOCGWINSZ, &got) == 0 && got.ws_col == 80);
    CHECK(write(master, "hi\n", 3) == 3);
    struct pollfd pfd = {slave, POLLIN, 0}; /* the line reaches the slave side asynchronously */
    CHECK(poll(&pfd, 1, 1000) == 1);
    int queued = 0;
    CHECK(ioctl(slave, FIONREAD, &queued) == 0 && queued == 3);
    char buf[8];
    CHECK(read(slave, buf, sizeof buf) == 3 && memcmp(buf, "hi\n", 3) == 0);
    CHECK(tcflush(slave, TCIOFLUSH) == 0 && tcdrain(slave) == 0);
    CHECK(tcflow(slave, TCOOFF) == 0 && tcflow(slave, TCOON) == 0);
    CHECK(tcsendbreak(slave, 0) == 0);
    CHECK(tcgetpgrp(slave) == -1 && errno == ENOTTY); /* not our controlling terminal */
    int ptn = -1;
    CHECK(ioctl(master, TIOCGPTN, &ptn) == 0 && ptn >= 0);

    /* a child in a new session, with this terminal as its controlling one */
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(master);
        if (login_tty(slave) != 0) _exit(2);
        if (tcgetpgrp(STDIN_FILENO) != getpid() || tcgetsid(STDIN_FILENO) != getpid()) _exit(3);
        if (tcsetpgrp(STDIN_FILENO, getpid()) != 0) _exit(4);
        _exit(0);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(close(slave) == 0 && close(master) == 0);

    /* openpty does all of the above in one call */
    struct termios t2 = t;
    CHECK(openpty(&master, &slave, name, &t2, &ws) == 0 && isatty(slave));
    CHECK(close(slave) == 0 && close(master) == 0);
}

static void not_terminals(void) {
    int p[2], sv[2];
    CHECK(pipe(p) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    struct termios t;
    CHECK(tcgetattr(p[0], &t) == -1 && errno == ENOTTY && !isatty(p[0]));
    CHECK(write(p[1], "abc", 3) == 3);
    int n = 0;
    CHECK(ioctl(p[0], FIONREAD, &n) == 0 && n == 3);
    int on = 1;
    CHECK(ioctl(sv[0], FIONBIO, &on) == 0 && (fcntl(sv[0], F_GETFL) & O_NONBLOCK));
    CHECK(ioctl(p[0], FIOCLEX) == 0 && fcntl(p[0], F_GETFD) == FD_CLOEXEC);
    CHECK(close(p[0]) == 0 && close(p[1]) == 0 && close(sv[0]) == 0 && close(sv[1]) == 0);
}

static void randomness(void) {
    unsigned char a[64], b[64];
    CHECK(getrandom(a, sizeof a, 0) == sizeof a && getrandom(b, sizeof b, GRND_NONBLOCK) == sizeof b);
    CHECK(memcmp(a, b, sizeof a) != 0);
    CHECK(getentropy(a, sizeof a) == 0 && getentropy(b, 257) == -1 && errno == EIO);
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0 && read(fd, b, sizeof b) == sizeof b && close(fd) == 0);
    srand(1);
    int r1 = rand();
    srand(1);
    CHECK(rand() == r1);
    unsigned seed = 5;
    CHECK(rand_r(&seed) >= 0);
    srandom(2);
    CHECK(random() >= 0);
    static char state[64];
    CHECK(initstate(3, state, sizeof state) != NULL && setstate(state) != NULL);
    srand48(4);
    CHECK(drand48() < 1.0 && lrand48() >= 0 && mrand48() != 0);
    unsigned short xsubi[3] = {1, 2, 3};
    CHECK(erand48(xsubi) < 1.0 && nrand48(xsubi) >= 0 && jrand48(xsubi) != 0);
}

int main(int argc, char **argv) {
    CHECK(argc == 2 && chdir(argv[1]) == 0);
    terminal();
    not_terminals();
    randomness();
    printf("termios_random ok\n");
    return 0;
}
