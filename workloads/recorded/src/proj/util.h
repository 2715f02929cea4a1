/* A small multi-file project built by the make-j2 recording (workloads/recorded/README.md). */
#ifndef UTIL_H
#define UTIL_H
unsigned long checksum(const unsigned char *data, unsigned long n);
void fill(unsigned char *data, unsigned long n, unsigned seed);
long sum_primes(long limit);
#endif
