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
 * Phases (`cc-sandbox make --phase-entry FUNC` / `--phase-at CALLER:CALLEE`): the section holds
 * one filter per phase in one pool of instructions, found through an index. Filter 0 is installed
 * at start-up as above. The marker pass (passes/lib/PhaseMarkers.cpp) inserts a call to
 * __cc_sandbox_phase_K at transition K; the first thread to get there installs filter K (a lock
 * and the "current phase" make it happen once; later arrivals, and a transition reached again,
 * cost one atomic load). Filters stack in the kernel and only ever tighten, so installing filter K
 * on top of the earlier ones enforces it; TSYNC applies it to every thread of the process. Any
 * failure prints one line and ends the process (exit_group): a program never continues with a
 * looser filter than the phase it reached.
 *
 * Compiled by the driver with the sysroot into bitcode, so it is part of the analysed module. */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CC_SANDBOX_MAX_INSNS 4096
#define CC_SANDBOX_MAX_TRANSITIONS 8 /* ccsandbox/embed/section.py MAX_TRANSITIONS */
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

struct cc_sandbox_slice {
    unsigned int start; /* first instruction of the filter in insns */
    unsigned int count; /* its length */
};

/* Layout known to ccsandbox/embed/section.py: keep in step (FORMAT_VERSION). */
struct cc_sandbox_filter {
    char magic[16];        /* "CC-SANDBOX-BPF\0\0" */
    unsigned int version;  /* 2 */
    unsigned int state;    /* NOT_WRITTEN or INSTALL */
    unsigned int count;    /* instructions used in insns (all filters) */
    unsigned int filters;  /* filters written: 1 + the number of transitions */
    struct cc_sandbox_slice index[1 + CC_SANDBOX_MAX_TRANSITIONS]; /* filter K = phase K */
    struct sock_filter insns[CC_SANDBOX_MAX_INSNS];
};

__attribute__((used, section(".cc_sandbox"), aligned(16)))
const volatile struct cc_sandbox_filter cc_sandbox_filter = {"CC-SANDBOX-BPF", 2, NOT_WRITTEN, 0, 0, {{0, 0}}, {{0}}};

static void cc_sandbox_fail(const char *message, unsigned long length)
{
    write(2, message, length);
    _exit(127);
}

#define FAIL(text) cc_sandbox_fail(text, sizeof(text) - 1)

/* Filter K as a program for seccomp(), or len 0 when the section does not hold it whole. */
static struct sock_fprog cc_sandbox_program(unsigned int k)
{
    const volatile struct cc_sandbox_filter *f = &cc_sandbox_filter;
    struct sock_fprog prog = {0, 0};
    if (f->state != INSTALL || f->count > CC_SANDBOX_MAX_INSNS || k >= f->filters || k > CC_SANDBOX_MAX_TRANSITIONS)
        return prog;
    unsigned int start = f->index[k].start, count = f->index[k].count;
    if (count == 0 || count > 0xffff || start > f->count || count > f->count - start)
        return prog;
    prog.len = (unsigned short)count;
    prog.filter = (struct sock_filter *)&f->insns[start];
    return prog;
}

__attribute__((constructor(101))) static void cc_sandbox_install(void)
{
    struct sock_fprog prog = cc_sandbox_program(0);
    if (prog.len == 0)
        FAIL("cc-sandbox: this binary carries no seccomp filter (its build did not finish); refusing to run\n");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        FAIL("cc-sandbox: prctl(PR_SET_NO_NEW_PRIVS) failed; refusing to run unsandboxed\n");
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0)
        FAIL("cc-sandbox: installing the seccomp filter failed (kernel without seccomp filters, or a "
             "thread with another filter); refusing to run unsandboxed\n");
}

static unsigned int cc_sandbox_phase_now; /* highest phase installed; read and written atomically */
static int cc_sandbox_phase_lock;         /* held by the thread installing a phase filter */

/* Enter phase K: install filter K unless this or a later phase is already installed. */
static void cc_sandbox_enter_phase(unsigned int k)
{
    if (__atomic_load_n(&cc_sandbox_phase_now, __ATOMIC_ACQUIRE) >= k)
        return;
    while (__atomic_exchange_n(&cc_sandbox_phase_lock, 1, __ATOMIC_ACQUIRE))
        __builtin_ia32_pause(); /* another thread is installing: wait, then see its phase */
    if (__atomic_load_n(&cc_sandbox_phase_now, __ATOMIC_RELAXED) < k) {
        struct sock_fprog prog = cc_sandbox_program(k);
        if (prog.len == 0)
            FAIL("cc-sandbox: a phase transition has no filter in this binary; stopping rather than "
                 "continue with a looser filter\n");
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0)
            FAIL("cc-sandbox: installing a phase filter failed; stopping rather than continue with a "
                 "looser filter\n");
        __atomic_store_n(&cc_sandbox_phase_now, k, __ATOMIC_RELEASE);
    }
    __atomic_store_n(&cc_sandbox_phase_lock, 0, __ATOMIC_RELEASE);
}

/* The transitions the marker pass calls; out of line so that the tracer can break on them and
 * the analysis sees them as functions. Keep CC_SANDBOX_MAX_TRANSITIONS of them. */
#define CC_SANDBOX_PHASE(K)              \
    void __cc_sandbox_phase_##K(void); \
    __attribute__((noinline, used)) void __cc_sandbox_phase_##K(void) { cc_sandbox_enter_phase(K); }
CC_SANDBOX_PHASE(1)
CC_SANDBOX_PHASE(2)
CC_SANDBOX_PHASE(3)
CC_SANDBOX_PHASE(4)
CC_SANDBOX_PHASE(5)
CC_SANDBOX_PHASE(6)
CC_SANDBOX_PHASE(7)
CC_SANDBOX_PHASE(8)
