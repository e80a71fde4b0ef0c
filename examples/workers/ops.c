#include "ops.h"

#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long op_square(long arg)
{
    return arg * arg;
}

/* syscall(2) with a constant number: the analysis must resolve it through musl's syscall() */
static long op_tid_parity(long arg)
{
    return (long)syscall(SYS_gettid) % 2 + arg * 0;
}

static long op_nap(long arg)
{
    struct timespec ts = {0, 1000L * (arg % 5)};
    nanosleep(&ts, NULL);
    return arg;
}

const struct op op_table[] = {
    {"square", op_square},
    {"tid-parity", op_tid_parity},
    {"nap", op_nap},
};
const int op_count = sizeof op_table / sizeof op_table[0];
