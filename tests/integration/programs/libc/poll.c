/* <poll.h>, <sys/select.h>, <sys/epoll.h>, <sys/eventfd.h>, <sys/timerfd.h>, <sys/signalfd.h>,
 * <sys/inotify.h>, <aio.h>: readiness on pipes, sockets and event descriptors, with and without
 * signal masks and timeouts; inotify on the scratch directory argv[1]; POSIX asynchronous I/O
 * (musl runs it on threads of its own), with a completion notified on a thread that makes a
 * syscall of its own. */
#define _GNU_SOURCE
#include <aio.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static volatile int notified;
static void on_aio_done(union sigval value) {
    (void)getppid(); /* a syscall made only here */
    __atomic_store_n(&notified, value.sival_int, __ATOMIC_SEQ_CST);
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    CHECK(chdir(argv[1]) == 0);
    int p[2], sv[2];
    CHECK(pipe(p) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);

    /* poll and ppoll */
    struct pollfd fds[2] = {{p[0], POLLIN, 0}, {sv[0], POLLIN | POLLOUT, 0}};
    CHECK(poll(fds, 2, 0) == 1 && fds[1].revents == POLLOUT);
    CHECK(write(p[1], "x", 1) == 1);
    CHECK(poll(fds, 2, 100) == 2 && (fds[0].revents & POLLIN));
    sigset_t mask;
    sigemptyset(&mask);
    struct timespec ts = {0, 1000000};
    fds[1].events = POLLIN;
    CHECK(ppoll(&fds[1], 1, &ts, &mask) == 0);
    CHECK(ppoll(fds, 1, NULL, NULL) == 1);

    /* select and pselect */
    fd_set rd, wr;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_SET(p[0], &rd), FD_SET(sv[0], &wr);
    struct timeval tv = {0, 1000};
    int maxfd = p[0] > sv[0] ? p[0] : sv[0];
    CHECK(select(maxfd + 1, &rd, &wr, NULL, &tv) == 2 && FD_ISSET(p[0], &rd));
    FD_ZERO(&rd);
    FD_SET(sv[0], &rd);
    CHECK(pselect(sv[0] + 1, &rd, NULL, NULL, &ts, &mask) == 0);
    CHECK(select(0, NULL, NULL, NULL, &(struct timeval){0, 1000}) == 0);
    char c;
    CHECK(read(p[0], &c, 1) == 1);

    /* epoll */
    int ep = epoll_create1(EPOLL_CLOEXEC), ep_old = epoll_create(4);
    CHECK(ep >= 0 && ep_old >= 0 && close(ep_old) == 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = p[0]}, out[4];
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
    ev.events = EPOLLIN | EPOLLET, ev.data.fd = sv[0];
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev) == 0);
    CHECK(epoll_wait(ep, out, 4, 0) == 0);
    CHECK(write(sv[1], "y", 1) == 1);
    CHECK(epoll_wait(ep, out, 4, 100) == 1 && out[0].data.fd == sv[0]);
    ev.events = EPOLLOUT;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, sv[0], &ev) == 0);
    CHECK(epoll_pwait(ep, out, 4, 100, &mask) == 1 && (out[0].events & EPOLLOUT));
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, sv[0], NULL) == 0);

    /* eventfd */
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    CHECK(efd >= 0 && eventfd_write(efd, 3) == 0 && eventfd_write(efd, 4) == 0);
    eventfd_t value;
    CHECK(eventfd_read(efd, &value) == 0 && value == 7);
    CHECK(eventfd_read(efd, &value) == -1 && errno == EAGAIN);
    ev.events = EPOLLIN, ev.data.fd = efd;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == 0 && eventfd_write(efd, 1) == 0);
    CHECK(epoll_wait(ep, out, 4, 100) == 1 && out[0].data.fd == efd && close(efd) == 0);

    /* timerfd */
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    CHECK(tfd >= 0);
    struct itimerspec its = {{0, 0}, {0, 1000000}}, cur;
    CHECK(timerfd_settime(tfd, 0, &its, NULL) == 0 && timerfd_gettime(tfd, &cur) == 0);
    uint64_t expirations;
    CHECK(read(tfd, &expirations, sizeof expirations) == 8 && expirations >= 1 && close(tfd) == 0);

    /* signalfd */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &usr1, NULL) == 0);
    int sfd = signalfd(-1, &usr1, SFD_CLOEXEC);
    CHECK(sfd >= 0 && raise(SIGUSR1) == 0);
    struct signalfd_siginfo si;
    CHECK(read(sfd, &si, sizeof si) == sizeof si && si.ssi_signo == SIGUSR1 && close(sfd) == 0);

    /* inotify */
    int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK), in_old = inotify_init();
    CHECK(in >= 0 && in_old >= 0 && close(in_old) == 0);
    int wd = inotify_add_watch(in, ".", IN_CREATE | IN_DELETE);
    CHECK(wd >= 0);
    int fd = open("watched", O_CREAT | O_WRONLY, 0600);
    CHECK(fd >= 0 && close(fd) == 0);
    char events[4096] __attribute__((aligned(8)));
    ssize_t n = read(in, events, sizeof events);
    CHECK(n >= (ssize_t)sizeof(struct inotify_event) && (((struct inotify_event *)events)->mask & IN_CREATE));
    CHECK(inotify_rm_watch(in, wd) == 0 && close(in) == 0);

    /* POSIX aio: a write, a read, a suspend, a list, a cancel */
    fd = open("aio", O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);
    static char text[] = "asynchronous";
    struct aiocb cb = {.aio_fildes = fd, .aio_buf = text, .aio_nbytes = sizeof text, .aio_offset = 0};
    CHECK(aio_write(&cb) == 0);
    const struct aiocb *list[1] = {&cb};
    while (aio_error(&cb) == EINPROGRESS) CHECK(aio_suspend(list, 1, NULL) == 0 || errno == EINTR);
    CHECK(aio_error(&cb) == 0 && aio_return(&cb) == sizeof text);
    char back[sizeof text] = {0};
    struct aiocb rcb = {.aio_fildes = fd, .aio_buf = back, .aio_nbytes = sizeof back, .aio_offset = 0};
    rcb.aio_lio_opcode = LIO_READ;
    struct aiocb *lio[1] = {&rcb};
    CHECK(lio_listio(LIO_WAIT, lio, 1, NULL) == 0 && aio_return(&rcb) == sizeof back);
    CHECK(strcmp(back, text) == 0);
    CHECK(aio_fsync(O_SYNC, &cb) == 0);
    while (aio_error(&cb) == EINPROGRESS) CHECK(aio_suspend(list, 1, &ts) == 0 || errno == EAGAIN || errno == EINTR);
    CHECK(aio_return(&cb) == 0);
    struct aiocb ncb = {.aio_fildes = fd, .aio_buf = text, .aio_nbytes = 5, .aio_offset = 100};
    ncb.aio_sigevent.sigev_notify = SIGEV_THREAD;
    ncb.aio_sigevent.sigev_notify_function = on_aio_done;
    ncb.aio_sigevent.sigev_value.sival_int = 7;
    CHECK(aio_write(&ncb) == 0);
    while (!__atomic_load_n(&notified, __ATOMIC_SEQ_CST)) CHECK(nanosleep(&ts, NULL) == 0);
    CHECK(notified == 7 && aio_return(&ncb) == 5);
    int cancelled = aio_cancel(fd, NULL);
    CHECK(cancelled == AIO_ALLDONE || cancelled == AIO_CANCELED);
    CHECK(close(fd) == 0 && close(ep) == 0);
    printf("poll ok\n");
    return 0;
}
