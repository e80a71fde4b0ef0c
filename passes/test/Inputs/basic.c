/* Fixture for the facts format: the plugin's output on basic.ll must equal basic.facts.json,
 * and ccsandbox.facts must parse it (tests/integration/test_plugin.py). Regenerate with
 * passes/test/regenerate.sh after changing this file or the plugin. Built with line tables (-g) so
 * that inlined sites carry their inlined-at chain. */
struct ops {
    long (*run)(long);
    int (*check)(int);
};

static long square(long x) { return x * x; }
static int positive(int x) { return x > 0; }
const struct ops table = {square, positive};

static inline long sys1(long n, long a)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a) : "rcx", "r11", "memory");
    return r;
}

/* a wrapper: the number comes from the caller */
__attribute__((noinline)) long wrapper(long n, long a) { return sys1(n, a); }

__attribute__((noinline)) long use(const struct ops *o, long v)
{
    return o->run(v) + wrapper(39, 0) + sys1(60, 0);
}

void (*handler)(int);
static void on_signal(int s) { wrapper(62, s); }

__attribute__((noinline)) void store_field(struct ops *o) { o->check = positive; }

/* order facts: a loop inlined into main (its sites carry the inlined-at chain "serve") */
__attribute__((noinline)) long step(long i) { return i * 3 + (long)handler; }

static inline __attribute__((always_inline)) long serve(long n)
{
    long sum = 0;
    for (long i = 0; i < n; i++)
        sum += step(i);
    return sum;
}

int main(int argc, char **argv)
{
    (void)argv;
    handler = on_signal;
    struct ops local;
    store_field(&local);
    step(-1);
    long served = serve(argc);
    return (int)(use(&table, argc) + served) + local.check(argc);
}
