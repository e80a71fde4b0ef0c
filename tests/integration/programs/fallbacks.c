/* Uses the newer calls musl falls back from on -ENOSYS (pipe2 -> pipe, epoll_create1 ->
 * epoll_create): their fallbacks are in the filter for older kernels only (ENOSYS fallbacks). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <unistd.h>

int main(void)
{
    int fd[2];
    char c = 0;
    if (pipe2(fd, O_CLOEXEC) != 0) {
        perror("pipe2");
        return 1;
    }
    if (write(fd[1], "x", 1) != 1 || read(fd[0], &c, 1) != 1 || c != 'x')
        return 2;
    if (epoll_create1(0) < 0) {
        perror("epoll_create1");
        return 3;
    }
    puts("ok");
    return 0;
}
