#include "util.h"

void fill(unsigned char *data, unsigned long n, unsigned seed)
{
    for (unsigned long i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        data[i] = (unsigned char)(seed >> 16);
    }
}
