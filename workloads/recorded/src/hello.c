/* Compiled by the gcc-hello recording (workloads/recorded/README.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int count_words(const char *s)
{
    int n = 0, in = 0;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\n') {
            in = 0;
        } else if (!in) {
            in = 1;
            n++;
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    const char *text = argc > 1 ? argv[1] : "hello from a recorded PerfSim workload";
    char *copy = malloc(strlen(text) + 1);
    strcpy(copy, text);
    printf("%s: %d words\n", copy, count_words(copy));
    free(copy);
    return 0;
}
