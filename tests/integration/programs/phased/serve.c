/* The serving phase of main.c (separate files: compiling cannot inline serve or finish). */
#include <string.h>

#include "phased.h"

void serve(const char *mode)
{
    print_filters("main");
    if (strcmp(mode, "late") == 0)
        setup_again();
    finish();
}

/* Never called: LTO removes it (for the "an entry LTO removed" error). */
void never_called(void)
{
    print_filters("never");
}
