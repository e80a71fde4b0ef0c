/* Fixture for syscall numbers that travel through memory (lib/ValueFacts.cpp, NumberFields.cpp;
 * ccsandbox/facts/irvalues.py, irmemory.py): the number is stored into a
 * struct field and loaded at the site, as musl's setuid family does through __synccall. */
static inline long sys1(long n, long a)
{
    long r;
    __asm__ __volatile__("syscall" : "=a"(r) : "a"(n), "D"(a) : "rcx", "r11", "memory");
    return r;
}

/* like musl's setxid.c: a local struct handed to a callback that runs it */
struct ctx { int id, eid, sid; int nr, ret; };
void run_everywhere(void (*)(void *), void *);

static void do_xid(void *p)
{
    struct ctx *c = p;
    if (c->ret < 0)
        return;
    c->ret = sys1(c->nr, c->id);
}

static __attribute__((noinline)) int set_xid(int nr, int id)
{
    struct ctx c = { .nr = nr, .id = id, .ret = 1 };
    run_everywhere(do_xid, &c);
    return c.ret;
}

int set_uid(int id) { return set_xid(105, id); }
int set_gid(int id) { return set_xid(106, id); }

/* every field a constant: the SLP vectorizer stores them as one <4 x i32> tagged as a plain int */
int set_fixed(void)
{
    struct ctx c = { .id = -1, .eid = 0, .sid = -1, .nr = 117, .ret = 1 };
    run_everywhere(do_xid, &c);
    return c.ret;
}

/* zero-filled, then the number */
void *memset(void *, int, unsigned long);
void *memcpy(void *, const void *, unsigned long);
int set_zeroed(int nr)
{
    struct ctx c;
    memset(&c, 0, sizeof c);
    c.nr = nr;
    c.ret = 1;
    run_everywhere(do_xid, &c);
    return c.ret;
}
int set_zeroed_getpid(void) { return set_zeroed(39); }

/* a struct of another file with the same name and another layout: not an object of ctx */
int other_ctx(long n)
{
    struct ctx { long count; const void *list; int ret; } c = { n, &n, 1 };
    run_everywhere(0, &c);
    return c.ret;
}

/* bytes copied in from elsewhere: nobody can tell the number (fails closed) */
extern const struct ctx *template_ctx(void);
struct ctx2 { int id, eid, sid; int nr, ret; };
static void do_copied(void *p)
{
    struct ctx2 *c = p;
    c->ret = sys1(c->nr, c->id);
}
int set_copied(void)
{
    struct ctx2 c;
    memcpy(&c, template_ctx(), sizeof c);
    run_everywhere(do_copied, &c);
    return c.ret;
}

/* a global struct whose initializer holds the number, and a field copied from another field */
struct job { long pad; int nr; };
struct job jobs = { 0, 39 };
struct relay { int from; int nr; };
extern struct relay *relay_of(void);

long run_job(struct job *j) { return sys1(j->nr, 0); }

void relay_copy(struct relay *r, struct job *j) { r->nr = j->nr; }
long run_relay(struct relay *r) { return sys1(r->nr, 0); }

/* a field that also receives a value nobody can know: fails closed */
struct req { int nr; };
extern int read_number(void);
void req_fill(struct req *q) { q->nr = read_number(); }
long run_req(struct req *q) { return sys1(q->nr, 0); }
