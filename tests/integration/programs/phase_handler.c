/* A transition inside a signal handler (for `--phase-entry on_signal`, which is refused):
 * the handler can run at any moment, so its phase could begin anywhere. */
#include <signal.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(void)
{
    signal(SIGALRM, on_signal);
    alarm(1);
    while (!stop)
        pause();
    return 0;
}
