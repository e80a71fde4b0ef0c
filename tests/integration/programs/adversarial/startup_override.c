/* Row 8: musl's __libc_start_init is weak; a program defining it replaces the loop that runs the
 * filter installer, and would run unsandboxed. */
#include <stdio.h>

void __libc_start_init(void) { puts("before any filter"); }

int main(void) { return 0; }
