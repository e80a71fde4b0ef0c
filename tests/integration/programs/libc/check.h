/* The one assertion of the libc programs: a failed call prints where, what and errno, and
 * exits 1 (a kill by the filter shows as SIGSYS instead). Needs <errno.h>, <stdio.h>,
 * <stdlib.h> and <string.h> before it. */
#ifndef CC_SANDBOX_LIBC_CHECK_H
#define CC_SANDBOX_LIBC_CHECK_H
#define CHECK(cond)                                                                                   \
    do {                                                                                              \
        if (!(cond)) {                                                                                \
            fprintf(stderr, "%s:%d: %s failed (errno %d: %s)\n", __FILE__, __LINE__, #cond, errno, \
                    strerror(errno));                                                                 \
            exit(1);                                                                                  \
        }                                                                                             \
    } while (0)
#endif
