/* <pthread.h>, <semaphore.h>, <threads.h>, <sched.h>: threads created with attributes and joined,
 * detached (one freeing its own stack), cancelled (one blocked in read, with a cleanup handler)
 * and signalled; the main thread's attributes; key destructors and cleanup handlers that each
 * make a syscall of their own; mutexes (normal, recursive, robust, priority-inheriting),
 * condition variables with timeouts, rwlocks, barriers, spin locks, keys, once; unnamed and named
 * semaphores; C11 threads; thread names, affinity and scheduling (to the values already held). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/membarrier.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define THREADS 4
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static pthread_barrier_t barrier;
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_spinlock_t spin;
static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs, destructor_runs;
static sem_t sem;

static void run_once(void) { once_runs++; }
static void destroy_value(void *value) {
    __atomic_fetch_add(&destructor_runs, value != NULL, __ATOMIC_SEQ_CST);
    (void)getppid(); /* a syscall made only here */
}

static void *worker(void *arg) {
    CHECK(pthread_once(&once, run_once) == 0);
    CHECK(pthread_setspecific(key, arg) == 0 && pthread_getspecific(key) == arg);
    for (int i = 0; i < 1000; i++) {
        CHECK(pthread_mutex_lock(&counter_lock) == 0);
        counter++;
        CHECK(pthread_mutex_unlock(&counter_lock) == 0);
    }
    CHECK(pthread_spin_lock(&spin) == 0 && pthread_spin_unlock(&spin) == 0);
    CHECK(pthread_rwlock_rdlock(&rwlock) == 0 && pthread_rwlock_unlock(&rwlock) == 0);
    CHECK(pthread_rwlock_wrlock(&rwlock) == 0 && pthread_rwlock_unlock(&rwlock) == 0);
    int r = pthread_barrier_wait(&barrier);
    CHECK(r == 0 || r == PTHREAD_BARRIER_SERIAL_THREAD);
    CHECK(sem_post(&sem) == 0);
    return arg;
}

static pthread_mutex_t cond_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ready;

static void *signaller(void *arg) {
    (void)arg;
    CHECK(pthread_mutex_lock(&cond_lock) == 0);
    ready = 1;
    CHECK(pthread_cond_broadcast(&cond) == 0 && pthread_mutex_unlock(&cond_lock) == 0);
    return NULL;
}

static void *sleeper(void *arg) {
    (void)arg;
    for (;;) pause(); /* a cancellation point */
    return NULL;
}

static int cleanups;
static void cleanup(void *arg) {
    cleanups += arg == &cleanups;
    (void)getpgrp(); /* a syscall made only here */
}
static void *reader(void *arg) {
    pthread_cleanup_push(cleanup, &cleanups);
    char c;
    (void)read(*(int *)arg, &c, 1); /* a cancellation point, blocked */
    pthread_cleanup_pop(0);
    return NULL;
}

static volatile int detached_done;
static void *detached(void *arg) {
    (void)arg;
    __atomic_store_n(&detached_done, 1, __ATOMIC_SEQ_CST);
    return NULL; /* a detached thread frees its own stack as it exits */
}

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig) { got_usr1 = sig; }
static void *waiter(void *arg) {
    while (!got_usr1) sched_yield();
    return arg;
}

static void *robust_owner(void *arg) {
    CHECK(pthread_mutex_lock(arg) == 0);
    return NULL; /* exits holding it */
}

static int c11_thread(void *arg) { return *(int *)arg + 1; }
static once_flag c11_once = ONCE_FLAG_INIT;
static void c11_run_once(void) { once_runs++; }

static void deadline(struct timespec *ts, clockid_t clock, long ns) {
    CHECK(clock_gettime(clock, ts) == 0);
    ts->tv_nsec += ns;
    if (ts->tv_nsec >= 1000000000) ts->tv_sec++, ts->tv_nsec -= 1000000000;
}

int main(int argc, char **argv) {
    CHECK(argc == 2 && chdir(argv[1]) == 0);
    /* membarrier before any thread: not registered yet, so musl emulates it with signals */
    CHECK(membarrier(MEMBARRIER_CMD_QUERY, 0) >= 0);
    CHECK(membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) == 0);
    CHECK(pthread_barrier_init(&barrier, NULL, THREADS) == 0);
    CHECK(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE) == 0);
    CHECK(pthread_key_create(&key, destroy_value) == 0);
    CHECK(sem_init(&sem, 0, 0) == 0);

    /* workers with attributes */
    pthread_attr_t attr;
    CHECK(pthread_attr_init(&attr) == 0);
    CHECK(pthread_attr_setstacksize(&attr, 256 * 1024) == 0 && pthread_attr_setguardsize(&attr, 8192) == 0);
    pthread_t threads[THREADS];
    void *result;
    for (long i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], &attr, worker, (void *)(i + 1)) == 0);
    for (long i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], &result) == 0 && result == (void *)(i + 1));
    }
    for (int i = 0; i < THREADS; i++) CHECK(sem_wait(&sem) == 0);
    CHECK(counter == THREADS * 1000 && once_runs == 1 && destructor_runs == THREADS);
    struct timespec ts;
    deadline(&ts, CLOCK_REALTIME, 1000000);
    CHECK(sem_timedwait(&sem, &ts) == -1 && errno == ETIMEDOUT);
    CHECK(sem_trywait(&sem) == -1 && errno == EAGAIN);
    int value;
    CHECK(sem_getvalue(&sem, &value) == 0 && value == 0 && sem_destroy(&sem) == 0);

    /* a stack of our own, detached */
    static char stack[128 * 1024] __attribute__((aligned(16)));
    CHECK(pthread_attr_setstack(&attr, stack, sizeof stack) == 0);
    CHECK(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0);
    pthread_t t;
    CHECK(pthread_create(&t, &attr, signaller, NULL) == 0);
    CHECK(pthread_attr_destroy(&attr) == 0);

    /* condition variables: one signalled, one timing out on a monotonic clock */
    CHECK(pthread_mutex_lock(&cond_lock) == 0);
    while (!ready) CHECK(pthread_cond_wait(&cond, &cond_lock) == 0);
    CHECK(pthread_mutex_unlock(&cond_lock) == 0);
    pthread_condattr_t cattr;
    pthread_cond_t mono;
    CHECK(pthread_condattr_init(&cattr) == 0 && pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC) == 0);
    CHECK(pthread_cond_init(&mono, &cattr) == 0);
    deadline(&ts, CLOCK_MONOTONIC, 1000000);
    CHECK(pthread_mutex_lock(&cond_lock) == 0);
    CHECK(pthread_cond_timedwait(&mono, &cond_lock, &ts) == ETIMEDOUT);
    CHECK(pthread_mutex_unlock(&cond_lock) == 0 && pthread_cond_destroy(&mono) == 0);
    pthread_condattr_destroy(&cattr);

    /* mutex kinds */
    pthread_mutexattr_t mattr;
    pthread_mutex_t m;
    CHECK(pthread_mutexattr_init(&mattr) == 0);
    CHECK(pthread_mutexattr_settype(&mattr, PTHREAD_MUTEX_RECURSIVE) == 0 && pthread_mutex_init(&m, &mattr) == 0);
    CHECK(pthread_mutex_lock(&m) == 0 && pthread_mutex_trylock(&m) == 0);
    CHECK(pthread_mutex_unlock(&m) == 0 && pthread_mutex_unlock(&m) == 0 && pthread_mutex_destroy(&m) == 0);
    CHECK(pthread_mutexattr_settype(&mattr, PTHREAD_MUTEX_ERRORCHECK) == 0 && pthread_mutex_init(&m, &mattr) == 0);
    CHECK(pthread_mutex_lock(&m) == 0 && pthread_mutex_lock(&m) == EDEADLK && pthread_mutex_unlock(&m) == 0);
    CHECK(pthread_mutex_destroy(&m) == 0);
    CHECK(pthread_mutexattr_settype(&mattr, PTHREAD_MUTEX_NORMAL) == 0);
    CHECK(pthread_mutexattr_setprotocol(&mattr, PTHREAD_PRIO_INHERIT) == 0 && pthread_mutex_init(&m, &mattr) == 0);
    CHECK(pthread_mutex_trylock(&m) == 0 && pthread_mutex_unlock(&m) == 0);
    CHECK(pthread_mutex_lock(&m) == 0);
    deadline(&ts, CLOCK_REALTIME, 1000000);
    int r = pthread_mutex_timedlock(&m, &ts);
    CHECK(r == ETIMEDOUT || r == EDEADLK);
    CHECK(pthread_mutex_unlock(&m) == 0 && pthread_mutex_destroy(&m) == 0);
    CHECK(pthread_mutexattr_setprotocol(&mattr, PTHREAD_PRIO_NONE) == 0);
    CHECK(pthread_mutexattr_setrobust(&mattr, PTHREAD_MUTEX_ROBUST) == 0 && pthread_mutex_init(&m, &mattr) == 0);
    CHECK(pthread_create(&t, NULL, robust_owner, &m) == 0 && pthread_join(t, NULL) == 0);
    CHECK(pthread_mutex_lock(&m) == EOWNERDEAD && pthread_mutex_consistent(&m) == 0);
    CHECK(pthread_mutex_unlock(&m) == 0 && pthread_mutex_destroy(&m) == 0);
    CHECK(pthread_mutexattr_setpshared(&mattr, PTHREAD_PROCESS_SHARED) == 0);
    CHECK(pthread_mutex_init(&m, &mattr) == 0 && pthread_mutex_lock(&m) == 0 && pthread_mutex_unlock(&m) == 0);
    CHECK(pthread_mutex_destroy(&m) == 0 && pthread_mutexattr_destroy(&mattr) == 0);
    pthread_rwlock_t rw;
    CHECK(pthread_rwlock_init(&rw, NULL) == 0 && pthread_rwlock_wrlock(&rw) == 0);
    deadline(&ts, CLOCK_REALTIME, 1000000);
    r = pthread_rwlock_timedrdlock(&rw, &ts);
    CHECK(r == ETIMEDOUT || r == EDEADLK);
    CHECK(pthread_rwlock_unlock(&rw) == 0 && pthread_rwlock_destroy(&rw) == 0);

    /* a detached thread with a stack the library maps (and the thread unmaps) */
    CHECK(pthread_create(&t, NULL, detached, NULL) == 0 && pthread_detach(t) == 0);
    while (!__atomic_load_n(&detached_done, __ATOMIC_SEQ_CST)) sched_yield();

    /* the main thread's attributes (musl probes its stack with mremap) */
    pthread_attr_t main_attr;
    void *stack_addr;
    size_t stack_size;
    CHECK(pthread_getattr_np(pthread_self(), &main_attr) == 0);
    CHECK(pthread_attr_getstack(&main_attr, &stack_addr, &stack_size) == 0 && stack_size > 0);
    CHECK(pthread_attr_destroy(&main_attr) == 0);

    /* cancellation of a thread blocked in read, with a cleanup handler; a membarrier meanwhile */
    int p[2];
    CHECK(pipe(p) == 0 && pthread_create(&t, NULL, reader, &p[0]) == 0);
    CHECK(membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) == 0); /* registered by pthread_create */
    CHECK(pthread_cancel(t) == 0 && pthread_join(t, &result) == 0 && result == PTHREAD_CANCELED);
    CHECK(cleanups == 1 && close(p[0]) == 0 && close(p[1]) == 0);
    int oldstate;
    CHECK(pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &oldstate) == 0);
    CHECK(pthread_setcancelstate(oldstate, NULL) == 0);
    pthread_testcancel();

    /* cancellation and a signal to one thread */
    CHECK(pthread_create(&t, NULL, sleeper, NULL) == 0);
    CHECK(pthread_cancel(t) == 0 && pthread_join(t, &result) == 0 && result == PTHREAD_CANCELED);
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    CHECK(pthread_create(&t, NULL, waiter, NULL) == 0);
    CHECK(pthread_kill(t, SIGUSR1) == 0 && pthread_join(t, NULL) == 0 && got_usr1 == SIGUSR1);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    CHECK(pthread_sigmask(SIG_BLOCK, &set, NULL) == 0 && pthread_sigmask(SIG_UNBLOCK, &set, NULL) == 0);

    /* names, affinity, scheduling */
    CHECK(pthread_setname_np(pthread_self(), "libc-test") == 0);
    char name[16];
    CHECK(pthread_getname_np(pthread_self(), name, sizeof name) == 0 && strcmp(name, "libc-test") == 0);
    cpu_set_t cpus;
    CHECK(pthread_getaffinity_np(pthread_self(), sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) >= 1);
    CHECK(pthread_setaffinity_np(pthread_self(), sizeof cpus, &cpus) == 0);
    CHECK(sched_getaffinity(0, sizeof cpus, &cpus) == 0 && sched_setaffinity(0, sizeof cpus, &cpus) == 0);
    int policy;
    struct sched_param param;
    CHECK(pthread_getschedparam(pthread_self(), &policy, &param) == 0);
    CHECK(pthread_setschedparam(pthread_self(), policy, &param) == 0);
    CHECK(pthread_setschedprio(pthread_self(), param.sched_priority) == 0);
    CHECK(sched_yield() == 0 && sched_getcpu() >= 0);
    CHECK(pthread_equal(pthread_self(), pthread_self()) && pthread_detach(pthread_self()) == 0);

    /* a named semaphore (in /dev/shm) */
    char semname[64];
    snprintf(semname, sizeof semname, "/libc-test-%d", (int)getpid());
    sem_t *named = sem_open(semname, O_CREAT | O_EXCL, 0600, 1);
    CHECK(named != SEM_FAILED);
    CHECK(sem_wait(named) == 0 && sem_post(named) == 0 && sem_close(named) == 0 && sem_unlink(semname) == 0);

    /* C11 threads */
    thrd_t ct;
    int in = 41, out = 0;
    CHECK(thrd_create(&ct, c11_thread, &in) == thrd_success && thrd_join(ct, &out) == thrd_success && out == 42);
    mtx_t mtx;
    cnd_t cnd;
    CHECK(mtx_init(&mtx, mtx_timed) == thrd_success && cnd_init(&cnd) == thrd_success);
    CHECK(mtx_lock(&mtx) == thrd_success);
    deadline(&ts, CLOCK_REALTIME, 1000000);
    CHECK(cnd_timedwait(&cnd, &mtx, &ts) == thrd_timedout && mtx_unlock(&mtx) == thrd_success);
    cnd_destroy(&cnd);
    mtx_destroy(&mtx);
    tss_t tss;
    CHECK(tss_create(&tss, NULL) == thrd_success && tss_set(tss, &in) == thrd_success && tss_get(tss) == &in);
    tss_delete(tss);
    call_once(&c11_once, c11_run_once);
    CHECK(once_runs == 2);
    struct timespec ms = {0, 1000000};
    CHECK(thrd_sleep(&ms, NULL) == 0);
    thrd_yield();
    printf("pthread ok\n");
    return 0;
}
