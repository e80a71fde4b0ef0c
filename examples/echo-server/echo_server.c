/* echo-server: a tiny TCP echo server on 127.0.0.1 with two clear phases.
 *
 * Init phase (main): parse arguments, create the listening socket, install signal handlers.
 * Serving phase (serve_loop): poll, accept, echo, until SIGTERM/SIGINT or a client sends
 * "SHUTDOWN". A client sending "QUIT" is disconnected. serve_loop is the worker entry function
 * to split at (`phasecut --entry serve_loop`).
 *
 * Usage: echo-server [PORT]   (0 or nothing: an ephemeral port; the port is printed)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 16

static volatile sig_atomic_t stop_requested;
static unsigned long bytes_echoed;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int open_listener(unsigned short port, unsigned short *bound)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 16) < 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
        close(fd);
        return -1;
    }
    *bound = ntohs(addr.sin_port);
    return fd;
}

/* Returns 1 when the client asked the whole server to shut down. */
static int serve_client(struct pollfd *client)
{
    char buf[4096];
    ssize_t n = read(client->fd, buf, sizeof buf);
    if (n <= 0 || (n >= 4 && memcmp(buf, "QUIT", 4) == 0)) {
        close(client->fd);
        client->fd = -1;
        return 0;
    }
    if (n >= 8 && memcmp(buf, "SHUTDOWN", 8) == 0)
        return 1;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(client->fd, buf + off, (size_t)(n - off));
        if (w < 0 && errno != EINTR)
            break;
        off += w > 0 ? w : 0;
    }
    bytes_echoed += (unsigned long)n;
    return 0;
}

static void accept_client(int listener, struct pollfd *fds)
{
    int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    for (int i = 1; i <= MAX_CLIENTS; i++) {
        if (fds[i].fd < 0) {
            fds[i] = (struct pollfd){.fd = fd, .events = POLLIN};
            return;
        }
    }
    close(fd); /* full */
}

__attribute__((noinline)) int serve_loop(int listener)
{
    struct pollfd fds[MAX_CLIENTS + 1];
    fds[0] = (struct pollfd){.fd = listener, .events = POLLIN};
    for (int i = 1; i <= MAX_CLIENTS; i++)
        fds[i].fd = -1, fds[i].events = POLLIN;
    while (!stop_requested) {
        if (poll(fds, MAX_CLIENTS + 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (fds[0].revents & POLLIN)
            accept_client(listener, fds);
        for (int i = 1; i <= MAX_CLIENTS; i++)
            if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP)) && serve_client(&fds[i]))
                stop_requested = 1;
    }
    for (int i = 1; i <= MAX_CLIENTS; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned short port = argc > 1 ? (unsigned short)atoi(argv[1]) : 0, bound = 0;
    struct sigaction sa = {.sa_handler = on_stop_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int listener = open_listener(port, &bound);
    if (listener < 0) {
        perror("echo-server: listen");
        return 1;
    }
    printf("listening on 127.0.0.1:%u\n", bound);
    fflush(stdout);
    int rc = serve_loop(listener);
    close(listener);
    printf("echoed %lu bytes\n", bytes_echoed);
    return rc == 0 ? 0 : 1;
}
