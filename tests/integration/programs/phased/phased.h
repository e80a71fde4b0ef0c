#include <stdlib.h>

extern void (*volatile setup_again)(void);
void print_filters(const char *who);
void serve(const char *mode);
void finish(void);
void never_called(void);
