/* <time.h>, <sys/time.h>, <sys/times.h>, <utime.h>: clocks, sleeps, time zones (localtime_r with
 * TZ unset reads /etc/localtime; a named zone reads /usr/share/zoneinfo), formatting, interval
 * timers and POSIX timers (SIGEV_SIGNAL and SIGEV_THREAD, which runs a helper thread). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "check.h"

static volatile sig_atomic_t alarms, timer_signals;
static void on_alarm(int sig) { alarms += sig == SIGALRM; }
static void on_timer(int sig) { timer_signals += sig == SIGUSR1; }

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fired = PTHREAD_COND_INITIALIZER;
static int thread_fired;
static void on_thread_timer(union sigval value) {
    pthread_mutex_lock(&lock);
    thread_fired = value.sival_int;
    (void)getppid(); /* a syscall made only here */
    pthread_cond_signal(&fired);
    pthread_mutex_unlock(&lock);
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    CHECK(chdir(argv[1]) == 0);
    struct timespec ts, res;
    static const clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
                                       CLOCK_THREAD_CPUTIME_ID, CLOCK_BOOTTIME, CLOCK_MONOTONIC_RAW,
                                       CLOCK_REALTIME_COARSE};
    for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        CHECK(clock_gettime(clocks[i], &ts) == 0);
        CHECK(clock_getres(clocks[i], &res) == 0);
    }
    clockid_t cpu;
    CHECK(clock_getcpuclockid(0, &cpu) == 0 && clock_gettime(cpu, &ts) == 0);
    CHECK(pthread_getcpuclockid(pthread_self(), &cpu) == 0 && clock_gettime(cpu, &ts) == 0);
    time_t now = time(NULL), also;
    CHECK(now > 0 && time(&also) >= now);
    CHECK(timespec_get(&ts, TIME_UTC) == TIME_UTC);
    struct timeval tv;
    CHECK(gettimeofday(&tv, NULL) == 0 && tv.tv_sec >= now);
    CHECK(clock() != (clock_t)-1);
    struct timex tx = {.modes = 0}; /* read only */
    CHECK(adjtimex(&tx) >= 0 && clock_adjtime(CLOCK_REALTIME, &tx) >= 0);
    struct tms tms;
    CHECK(times(&tms) != (clock_t)-1);
    struct timespec ms = {0, 1000000};
    CHECK(nanosleep(&ms, NULL) == 0);
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &ms, NULL) == 0);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
    ts.tv_nsec += 1000000;
    if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == 0);

    /* time zones: TZ unset reads /etc/localtime, a zone name reads the zoneinfo file */
    CHECK(unsetenv("TZ") == 0);
    tzset();
    struct tm tm, gm;
    CHECK(localtime_r(&now, &tm) == &tm && gmtime_r(&now, &gm) == &gm);
    CHECK(mktime(&tm) == now && timegm(&gm) == now);
    CHECK(localtime(&now) != NULL && gmtime(&now) != NULL);
    char text[128];
    CHECK(strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S %Z %z %a %b %j", &tm) > 0);
    CHECK(setenv("TZ", "Europe/Paris", 1) == 0);
    tzset();
    time_t summer = 1719835200; /* 2024-07-01 12:00 UTC */
    CHECK(localtime_r(&summer, &tm) == &tm);
    if (access("/usr/share/zoneinfo/Europe/Paris", R_OK) == 0) CHECK(tm.tm_hour == 14 && tm.tm_isdst == 1);
    CHECK(setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1) == 0);
    tzset();
    CHECK(localtime_r(&summer, &tm) == &tm && tm.tm_hour == 8);
    CHECK(strftime(text, sizeof text, "%c", &tm) > 0 && strptime("2024-07-01", "%Y-%m-%d", &tm) != NULL);
    /* getdate reads its templates from the file DATEMSK names */
    FILE *templates = fopen("templates", "w");
    CHECK(templates != NULL && fputs("%Y-%m-%d\n", templates) >= 0 && fclose(templates) == 0);
    char templates_path[4096];
    CHECK(getcwd(templates_path, sizeof templates_path - 16) != NULL);
    strcat(templates_path, "/templates");
    CHECK(setenv("DATEMSK", templates_path, 1) == 0);
    struct tm *date = getdate("2024-07-01");
    CHECK(date != NULL && date->tm_year == 124 && date->tm_mon == 6);
    CHECK(ctime_r(&now, text) != NULL && asctime_r(&gm, text) != NULL && difftime(now, now - 5) == 5.0);

    /* setting a file's times */
    int fd = open("f", O_CREAT | O_WRONLY, 0600);
    CHECK(fd >= 0);
    struct utimbuf ut = {1000, 2000};
    CHECK(utime("f", &ut) == 0);
    struct timeval tvs[2] = {{3000, 0}, {4000, 0}};
    CHECK(utimes("f", tvs) == 0);
    struct timespec tss[2] = {{5000, 0}, {6000, 0}};
    CHECK(utimensat(AT_FDCWD, "f", tss, 0) == 0 && futimens(fd, NULL) == 0);
    CHECK(futimes(fd, tvs) == 0 && lutimes("f", tvs) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_mtime == 4000 && close(fd) == 0);

    /* interval timers */
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
    struct itimerval it = {{0, 0}, {0, 2000}}, old;
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
    while (!alarms) pause();
    CHECK(getitimer(ITIMER_REAL, &old) == 0);
    CHECK(alarm(10) == 0 && alarm(0) > 0);

    /* POSIX timers: a signal, then a thread */
    sa.sa_handler = on_timer;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    struct sigevent ev = {0};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    timer_t timer;
    CHECK(timer_create(CLOCK_MONOTONIC, &ev, &timer) == 0);
    struct itimerspec its = {{0, 0}, {0, 2000000}}, left;
    CHECK(timer_settime(timer, 0, &its, NULL) == 0);
    while (!timer_signals) pause();
    CHECK(timer_gettime(timer, &left) == 0 && timer_getoverrun(timer) >= 0 && timer_delete(timer) == 0);
    ev.sigev_notify = SIGEV_THREAD;
    ev.sigev_notify_function = on_thread_timer;
    ev.sigev_value.sival_int = 42;
    CHECK(timer_create(CLOCK_REALTIME, &ev, &timer) == 0);
    CHECK(timer_settime(timer, 0, &its, NULL) == 0);
    pthread_mutex_lock(&lock);
    while (!thread_fired) pthread_cond_wait(&fired, &lock);
    pthread_mutex_unlock(&lock);
    CHECK(thread_fired == 42 && timer_delete(timer) == 0);
    printf("time ok\n");
    return 0;
}
