#include <stdio.h>
#include <stdlib.h>
#include "util.h"

int main(void)
{
    unsigned long n = 1 << 20;
    unsigned char *data = malloc(n);
    fill(data, n, 42);
    printf("checksum %lx, primes below 20000 sum to %ld\n", checksum(data, n), sum_primes(20000));
    free(data);
    return 0;
}
