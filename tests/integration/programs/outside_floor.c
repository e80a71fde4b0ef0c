/* A host program making a syscall outside the containers' default profile (userfaultfd). */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    long fd = syscall(SYS_userfaultfd, 0);
    printf("userfaultfd returned %ld\n", fd);
    return 0;
}
