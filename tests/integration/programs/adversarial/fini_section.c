/* Row 6: a pointer placed in .fini_array by hand (not a destructor the module declares) runs at
 * exit, called by musl's libc_exit_fini through an unprototyped pointer. The analysis models that
 * walk as calling the module's destructors, so the link must refuse this one. */
#include <unistd.h>

static int late(int fd) { return (int)write(fd, "x", 1) + getppid(); }
__attribute__((used, section(".fini_array"))) static int (*const hidden)(int) = late;

int main(void) { return 0; }
