#include "util.h"

long sum_primes(long limit)
{
    long sum = 0;
    for (long n = 2; n < limit; n++) {
        int prime = 1;
        for (long d = 2; d * d <= n; d++) {
            if (n % d == 0) {
                prime = 0;
                break;
            }
        }
        if (prime) {
            sum += n;
        }
    }
    return sum;
}
