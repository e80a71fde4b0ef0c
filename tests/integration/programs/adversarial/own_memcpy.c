/* Issue 25 row 1: a program-defined memcpy, which musl's start-up (__copy_tls, __init_ssp) calls
 * before the filter is installed: its code would run unfiltered, so the link is refused. */
#include <stddef.h>
#include <unistd.h>
void *memcpy(void *restrict d, const void *restrict s, size_t n) { char *a = d; const char *b = s; while (n--) *a++ = *b++; getppid(); return d; }
int main(void) { return 0; }
