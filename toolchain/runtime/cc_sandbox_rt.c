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
 * malloc, no libc call: the program is the filter and two system calls.
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
 * Two sets (section v3): the analysis may drop fallback code that runs only when a newer syscall
 * fails with ENOSYS (`--min-kernel X.Y`); that is sound only on a kernel that has the newer call.
 * Such a binary carries set 0 (pruned, for kernels >= X.Y) and set 1 (unpruned, for every
 * kernel). The installer reads the running kernel's release once, with the raw uname syscall,
 * and picks set 0 when its leading MAJOR.MINOR is at least X.Y, set 1 when it is older or does
 * not parse: an unknown kernel gets the larger set, never a kill. The choice is kept for every
 * later phase transition (cc_sandbox_set), so the phases of one process come from one set.
 * uname, like prctl and seccomp, runs before the filter exists; the analysis does not count the
 * installer's calls (ccsandbox/analysis/roots.py INSTALLER), and a binary with one set makes no
 * uname call at all. An exec'd sandboxed child makes these calls under its parent's filter,
 * which therefore allows them (ccsandbox/embed/enforce.py CHILD_INSTALLER).
 *
 * Compiled by the driver with the sysroot into bitcode, so it is part of the analysed module. */
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/* The installer makes its system calls itself, with the syscall instruction: never through libc's
 * syscall(), prctl(), write() or _exit(), which a program may define as it likes (a test mock of
 * syscall() would leave the binary unfiltered). Nothing here calls a function outside this file
 * (tests/integration/test_soundness_round2.py checks the compiled object). */
static inline long cc_sandbox_syscall(long n, long a, long b, long c)
{
    long ret;
    register long r10 __asm__("r10") = 0, r8 __asm__("r8") = 0;
    __asm__ __volatile__("syscall"
                         : "=a"(ret)
                         : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                         : "rcx", "r11", "memory");
    return ret;
}

#define CC_SANDBOX_MAX_INSNS 4096
#define CC_SANDBOX_MAX_TRANSITIONS 8 /* ccsandbox/embed/section.py MAX_TRANSITIONS */
#define CC_SANDBOX_MAX_SETS 2         /* ccsandbox/embed/section.py MAX_SETS */
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

/* Layout known to ccsandbox/embed/section.py: keep in step (FORMAT_VERSION, POOL_OFFSET). */
struct cc_sandbox_filter {
    char magic[16];          /* "CC-SANDBOX-BPF\0\0" */
    unsigned int version;    /* 3 */
    unsigned int state;      /* NOT_WRITTEN or INSTALL */
    unsigned int count;      /* instructions used in insns (all filters of all sets) */
    unsigned int filters;    /* filters per set: 1 + the number of transitions */
    unsigned int sets;       /* 1, or 2: set 0 for kernels >= min_kernel, set 1 for the others */
    unsigned int min_kernel; /* major << 16 | minor; 0 with one set */
    struct cc_sandbox_slice index[CC_SANDBOX_MAX_SETS][1 + CC_SANDBOX_MAX_TRANSITIONS]; /* [set][phase] */
    struct sock_filter insns[CC_SANDBOX_MAX_INSNS];
};
_Static_assert(offsetof(struct cc_sandbox_filter, insns) == 184, "section.py POOL_OFFSET");

__attribute__((used, section(".cc_sandbox"), aligned(16))) const volatile struct cc_sandbox_filter cc_sandbox_filter = {
    "CC-SANDBOX-BPF", 3, NOT_WRITTEN, 0, 0, 0, 0, {{{0, 0}}}, {{0}}};

/* The set chosen at start-up (cc_sandbox_install), for every later phase transition. Written
 * once, before any program code and so before any other thread exists. */
static unsigned int cc_sandbox_set;

__attribute__((noreturn)) static void cc_sandbox_fail(const char *message, unsigned long length)
{
    cc_sandbox_syscall(SYS_write, 2, (long)message, (long)length);
    for (;;)
        cc_sandbox_syscall(SYS_exit_group, 127, 0, 0);
}

#define FAIL(text) cc_sandbox_fail(text, sizeof(text) - 1)

/* Filter K of the chosen set as a program for seccomp(), or len 0 when the section does not hold
 * it whole. */
static struct sock_fprog cc_sandbox_program(unsigned int k)
{
    const volatile struct cc_sandbox_filter *f = &cc_sandbox_filter;
    struct sock_fprog prog = {0, 0};
    unsigned int set = cc_sandbox_set;
    if (f->state != INSTALL || f->count > CC_SANDBOX_MAX_INSNS || k >= f->filters || k > CC_SANDBOX_MAX_TRANSITIONS ||
        set >= f->sets || set >= CC_SANDBOX_MAX_SETS)
        return prog;
    unsigned int start = f->index[set][k].start, count = f->index[set][k].count;
    if (count == 0 || count > 0xffff || start > f->count || count > f->count - start)
        return prog;
    prog.len = (unsigned short)count;
    prog.filter = (struct sock_filter *)&f->insns[start];
    return prog;
}

/* The struct the uname syscall fills (struct new_utsname: six fields of 65 bytes). */
struct cc_sandbox_utsname {
    char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

/* Parse up to five decimal digits at *p into *value; 0 when there is none or too many. */
static int cc_sandbox_number(const char **p, unsigned int *value)
{
    unsigned int n = 0, digits = 0;
    for (; **p >= '0' && **p <= '9'; ++*p)
        if (++digits > 5)
            return 0;
        else
            n = n * 10 + (unsigned int)(**p - '0');
    *value = n;
    return digits > 0 && n <= 0xffff;
}

/* The running kernel's MAJOR << 16 | MINOR from its release ("6.1.0-18-amd64" -> 6.1), or 0 when
 * uname fails or the release does not start with "MAJOR.MINOR". No libc: this runs before the
 * program's own constructors. */
static unsigned int cc_sandbox_kernel_version(void)
{
    struct cc_sandbox_utsname name;
    unsigned int major, minor;
    name.release[0] = 0;
    if (cc_sandbox_syscall(SYS_uname, (long)&name, 0, 0) != 0)
        return 0;
    name.release[sizeof name.release - 1] = 0;
    const char *p = name.release;
    if (!cc_sandbox_number(&p, &major) || *p++ != '.' || !cc_sandbox_number(&p, &minor))
        return 0;
    return major << 16 | minor;
}

/* Which set this kernel gets: 0 with one set; with two, 0 when the kernel is at least
 * min_kernel, else (older, or unknown version) 1, the set that is valid everywhere. */
static unsigned int cc_sandbox_choose_set(void)
{
    const volatile struct cc_sandbox_filter *f = &cc_sandbox_filter;
    if (f->sets != 2)
        return 0;
    unsigned int version = cc_sandbox_kernel_version();
    return version != 0 && version >= f->min_kernel ? 0 : 1;
}

__attribute__((constructor(101))) static void cc_sandbox_install(void)
{
    cc_sandbox_set = cc_sandbox_choose_set();
    struct sock_fprog prog = cc_sandbox_program(0);
    if (prog.len == 0)
        FAIL("cc-sandbox: this binary carries no seccomp filter (its build did not finish); refusing to run\n");
    if (cc_sandbox_syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0) != 0)
        FAIL("cc-sandbox: prctl(PR_SET_NO_NEW_PRIVS) failed; refusing to run unsandboxed\n");
    if (cc_sandbox_syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, (long)&prog) != 0)
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
        if (cc_sandbox_syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, (long)&prog) != 0)
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
