/* Rows 5, 8, 11, 12: a program for the linker-option and driver-option refusals. */
#include <unistd.h>

long __wrap_getppid(void) { return 1; }
void my_entry(void) { _exit(0); }

int main(void) { return getppid() > 0 ? 0 : 1; }
