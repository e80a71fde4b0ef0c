/* cc-sandbox runtime: installs the seccomp filter embedded in this binary before any program
 * code runs (a priority-101 constructor runs before the program's own constructors and main).
 *
 * The filter lives in the section .cc_sandbox. The link leaves it empty (state NOT_WRITTEN);
 * cc-sandbox writes the filter computed from the linked module into it before the binary is
 * published. A binary whose filter was never written refuses to run: it must never run
 * unsandboxed by accident.
 *
 * On install: no_new_privs (required to install a filter without CAP_SYS_ADMIN), then
 * seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC) so threads that already exist get
 * the filter too. seccomp() returns a thread id (> 0) when TSYNC cannot synchronise a thread, so
 * any non-zero return is a failure. Failures print one line and exit 127. No libseccomp, no
 * malloc: the program is the filter and two system calls.
 *
 * Compiled by the driver with the sysroot into bitcode, so it is part of the analysed module. */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CC_SANDBOX_MAX_INSNS 4096
#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_FILTER_FLAG_TSYNC 1

enum { NOT_WRITTEN = 0, INSTALL = 1 };

struct sock_filter {
    unsigned short code;
    unsigned char jt, jf;
    unsigned int k;
};

struct sock_fprog {
    unsigned short len;
    struct sock_filter *filter;
};

/* Layout known to ccsandbox/embed/section.py: keep in step (FORMAT_VERSION). */
struct cc_sandbox_filter {
    char magic[16];        /* "CC-SANDBOX-BPF\0\0" */
    unsigned int version;  /* 1 */
    unsigned int state;    /* NOT_WRITTEN or INSTALL */
    unsigned int count;    /* instructions in insns */
    unsigned int flags;    /* reserved */
    struct sock_filter insns[CC_SANDBOX_MAX_INSNS];
};

__attribute__((used, section(".cc_sandbox"), aligned(16)))
const volatile struct cc_sandbox_filter cc_sandbox_filter = {"CC-SANDBOX-BPF", 1, NOT_WRITTEN, 0, 0, {{0}}};

static void cc_sandbox_fail(const char *message, unsigned long length)
{
    write(2, message, length);
    _exit(127);
}

#define FAIL(text) cc_sandbox_fail(text, sizeof(text) - 1)

__attribute__((constructor(101))) static void cc_sandbox_install(void)
{
    const volatile struct cc_sandbox_filter *f = &cc_sandbox_filter;
    if (f->state != INSTALL || f->count == 0 || f->count > CC_SANDBOX_MAX_INSNS)
        FAIL("cc-sandbox: this binary carries no seccomp filter (its build did not finish); refusing to run\n");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        FAIL("cc-sandbox: prctl(PR_SET_NO_NEW_PRIVS) failed; refusing to run unsandboxed\n");
    struct sock_fprog prog = {(unsigned short)f->count, (struct sock_filter *)f->insns};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0)
        FAIL("cc-sandbox: installing the seccomp filter failed (kernel without seccomp filters, or a "
             "thread with another filter); refusing to run unsandboxed\n");
}
