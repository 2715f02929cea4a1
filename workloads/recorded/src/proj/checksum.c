#include "util.h"

unsigned long checksum(const unsigned char *data, unsigned long n)
{
    unsigned long a = 1, b = 0;
    for (unsigned long i = 0; i < n; i++) {
        a = (a + data[i]) % 65521;
        b = (b + a) % 65521;
    }
    return (b << 16) | a;
}
