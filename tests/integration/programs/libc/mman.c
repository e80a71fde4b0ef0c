/* <sys/mman.h>, <sys/shm.h>, <sys/sem.h>, <sys/msg.h>, <mqueue.h>: anonymous and file mappings,
 * protections (write, then read and execute: never both), msync, madvise, mincore, locking,
 * mremap, POSIX shared memory, memfd, shared mappings across a fork, System V shared memory,
 * semaphores and message queues, a POSIX message queue with a notification run on a thread
 * (which makes a syscall of its own), and our own memory through process_vm_readv/writev. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static volatile int mq_notified;
static void on_message(union sigval value) {
    (void)getppid(); /* a syscall made only here */
    __atomic_store_n(&mq_notified, value.sival_int, __ATOMIC_SEQ_CST);
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    CHECK(chdir(argv[1]) == 0);
    long page = sysconf(_SC_PAGESIZE);

    /* anonymous memory */
    char *p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    memset(p, 0xc3, 4 * page); /* 0xc3: ret */
    unsigned char vec[4];
    CHECK(mincore(p, 4 * page, vec) == 0 && (vec[0] & 1));
    CHECK(madvise(p + 2 * page, page, MADV_DONTNEED) == 0 && p[2 * page] == 0);
    CHECK(posix_madvise(p, page, POSIX_MADV_WILLNEED) == 0);
    CHECK(mprotect(p, page, PROT_READ) == 0 && mprotect(p, page, PROT_READ | PROT_EXEC) == 0);
    CHECK(mprotect(p, page, PROT_NONE) == 0 && mprotect(p, page, PROT_READ | PROT_WRITE) == 0);
    int r = mlock(p, page);
    CHECK(r == 0 || errno == EPERM || errno == ENOMEM || errno == EAGAIN);
    if (r == 0) CHECK(munlock(p, page) == 0);
    r = mlock2(p, page, MLOCK_ONFAULT);
    CHECK(r == 0 || errno == EPERM || errno == ENOMEM || errno == EAGAIN);
    if (r == 0) CHECK(munlock(p, page) == 0);

    /* our own memory, through the process_vm calls */
    char src[8] = "vm-copy", dst[8] = {0};
    struct iovec local = {dst, sizeof dst}, remote = {src, sizeof src};
    ssize_t moved = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    CHECK((moved == 8 && strcmp(dst, "vm-copy") == 0) || errno == EPERM || errno == ENOSYS);
    moved = process_vm_writev(getpid(), &remote, 1, &local, 1, 0);
    CHECK(moved == 8 || errno == EPERM || errno == ENOSYS);
    char *q = mremap(p, 4 * page, 64 * page, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED && (unsigned char)q[0] == 0xc3);
    q = mremap(q, 64 * page, 2 * page, 0);
    CHECK(q != MAP_FAILED && munmap(q, 2 * page) == 0);
    char *fixed = mmap(NULL, 2 * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    CHECK(fixed != MAP_FAILED);
    CHECK(mmap(fixed, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == fixed);
    CHECK(munmap(fixed, 2 * page) == 0);

    /* a file mapped shared, read-only and executable */
    int fd = open("map", O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0 && ftruncate(fd, 2 * page) == 0);
    char *m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED);
    strcpy(m, "mapped");
    CHECK(msync(m, page, MS_SYNC) == 0 && msync(m, page, MS_ASYNC | MS_INVALIDATE) == 0);
    char buf[8];
    CHECK(pread(fd, buf, 7, 0) == 7 && strcmp(buf, "mapped") == 0 && munmap(m, 2 * page) == 0);
    m = mmap(NULL, page, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    CHECK(m != MAP_FAILED && m[0] == 'm' && munmap(m, page) == 0);
    m = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, page);
    CHECK(m != MAP_FAILED && munmap(m, page) == 0 && close(fd) == 0);

    /* POSIX shared memory and memfd */
    char name[64];
    snprintf(name, sizeof name, "/libc-test-%d", (int)getpid());
    fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    CHECK(fd >= 0 && ftruncate(fd, page) == 0);
    int *shared = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(shared != MAP_FAILED && close(fd) == 0 && shm_unlink(name) == 0);
    int *anon_shared = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(anon_shared != MAP_FAILED);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        *shared = 7;
        *anon_shared = 8;
        _exit(0);
    }
    int status;
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && *shared == 7 && *anon_shared == 8);
    CHECK(munmap(shared, page) == 0 && munmap(anon_shared, page) == 0);
    fd = memfd_create("libc-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    CHECK(fd >= 0 && ftruncate(fd, page) == 0 && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
    CHECK(fcntl(fd, F_GET_SEALS) == F_SEAL_SHRINK && ftruncate(fd, 0) == -1 && errno == EPERM && close(fd) == 0);

    /* lock everything, where the limit allows */
    r = mlockall(MCL_CURRENT);
    CHECK(r == 0 || errno == EPERM || errno == ENOMEM || errno == EAGAIN);
    CHECK(munlockall() == 0);

    /* System V IPC, private keys */
    int shmid = shmget(IPC_PRIVATE, page, IPC_CREAT | 0600);
    CHECK(shmid >= 0);
    char *seg = shmat(shmid, NULL, 0);
    CHECK(seg != (void *)-1);
    strcpy(seg, "sysv");
    struct shmid_ds sds;
    CHECK(shmctl(shmid, IPC_STAT, &sds) == 0 && sds.shm_nattch == 1);
    CHECK(shmdt(seg) == 0 && shmctl(shmid, IPC_RMID, NULL) == 0);
    int semid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    CHECK(semid >= 0 && semctl(semid, 0, SETVAL, 1) == 0);
    struct sembuf down = {0, -1, 0}, up = {0, 1, 0};
    CHECK(semop(semid, &down, 1) == 0 && semctl(semid, 0, GETVAL) == 0 && semop(semid, &up, 1) == 0);
    struct timespec ts = {0, 1000000};
    down.sem_op = -2;
    CHECK(semtimedop(semid, &down, 1, &ts) == -1 && errno == EAGAIN);
    CHECK(semctl(semid, 0, IPC_RMID) == 0);
    int msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    CHECK(msqid >= 0);
    struct {
        long type;
        char text[8];
    } msg = {1, "hello"}, got;
    CHECK(msgsnd(msqid, &msg, sizeof msg.text, 0) == 0);
    CHECK(msgrcv(msqid, &got, sizeof got.text, 1, 0) == sizeof got.text && strcmp(got.text, "hello") == 0);
    struct msqid_ds mds;
    CHECK(msgctl(msqid, IPC_STAT, &mds) == 0 && msgctl(msqid, IPC_RMID, NULL) == 0);
    CHECK(ftok(".", 'x') != -1);

    /* a POSIX message queue */
    snprintf(name, sizeof name, "/libc-test-mq-%d", (int)getpid());
    struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = 16};
    mqd_t mq = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
    if (mq == (mqd_t)-1) {
        CHECK(errno == ENOSYS || errno == EACCES);
    } else {
        struct sigevent sev = {.sigev_notify = SIGEV_THREAD, .sigev_notify_function = on_message};
        sev.sigev_value.sival_int = 5;
        CHECK(mq_notify(mq, &sev) == 0); /* musl waits for the notification on a netlink socket */
        CHECK(mq_send(mq, "queued", 7, 1) == 0);
        while (!__atomic_load_n(&mq_notified, __ATOMIC_SEQ_CST)) sched_yield();
        CHECK(mq_notified == 5);
        char text[16];
        unsigned prio;
        CHECK(mq_receive(mq, text, sizeof text, &prio) == 7 && prio == 1 && strcmp(text, "queued") == 0);
        struct timespec abs;
        CHECK(clock_gettime(CLOCK_REALTIME, &abs) == 0);
        CHECK(mq_timedreceive(mq, text, sizeof text, &prio, &abs) == -1 && errno == ETIMEDOUT);
        CHECK(mq_getattr(mq, &attr) == 0 && attr.mq_curmsgs == 0);
        CHECK(mq_close(mq) == 0 && mq_unlink(name) == 0);
    }
    printf("mman ok\n");
    return 0;
}
