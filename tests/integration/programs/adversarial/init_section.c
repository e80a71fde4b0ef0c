/* Row 8: code placed in the .init section runs before .init_array, so before the filter. */
#include <unistd.h>

void early(void) { getppid(); }
__asm__(".section .init\n\tcall early\n.text\n");

int main(void) { return 0; }
