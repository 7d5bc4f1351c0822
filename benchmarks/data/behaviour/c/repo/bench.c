/* ./bench NAME: times one kernel. Before timing, each kernel meets the inputs its tests skip:
   sizes that are not a multiple of 4 or 8, empty arrays, negative values, values near
   overflow, and outputs that alias their inputs. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kernels.h"

#define N 100003
static volatile double sink;
static unsigned long long seed = 42;

static unsigned rnd(void) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(seed >> 33);
}

static double uniform(void) { return rnd() / 2147483648.0; } /* [0, 1) */

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* Calls `body` until 20 ms have passed (at least 3 times); prints "name: ns per call". */
#define TIME(name, body)                                                       \
    do {                                                                       \
        double start = now(), end;                                             \
        long calls = 0;                                                        \
        do { body; calls++; end = now(); } while (calls < 3 || end - start < 0.02); \
        printf("%s: %.1f ns\n", name, (end - start) * 1e9 / calls);           \
    } while (0)

static void bench_axpy_sum(void) {
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    for (size_t i = 0; i < N; ++i) { x[i] = 2 * uniform() - 1; y[i] = 2 * uniform(); }
    sink = axpy_sum(0.5, x, y, N) + axpy_sum(0.5, x, y, 0);
    TIME("axpy_sum", sink = axpy_sum(1e-3, x, y, N));
    free(x); free(y);
}

static void bench_sum_u32(void) {
    uint32_t *x = malloc(N * sizeof *x);
    for (size_t i = 0; i < N; ++i) x[i] = 0xFFFFFF00u + rnd() % 256; /* near UINT32_MAX */
    sink = (double)sum_u32(x, N) + (double)sum_u32(x, 0);
    TIME("sum_u32", sink = (double)sum_u32(x, N));
    free(x);
}

static void bench_quantize(void) {
    int *in = malloc(N * sizeof *in), *out = malloc(N * sizeof *out);
    for (size_t i = 0; i < N; ++i) in[i] = (int)(rnd() % 200001) - 100000; /* negative too */
    quantize(in, out, N);
    TIME("quantize", quantize(in, out, N));
    free(in); free(out);
}

static void bench_delta_encode(void) {
    long *in = malloc(N * sizeof *in), *out = malloc(N * sizeof *out);
    long t = 1700000000;
    for (size_t i = 0; i < N; ++i) { t += rnd() % 1000; in[i] = t; }
    delta_encode(in, out, N);
    memcpy(out, in, N * sizeof *in);
    delta_encode(out, out, N); /* in place */
    TIME("delta_encode", delta_encode(in, out, N));
    free(in); free(out);
}

static void bench_max_value(void) {
    double *x = malloc(N * sizeof *x);
    for (size_t i = 0; i < N; ++i) x[i] = i * 1e-3 + uniform() * 1e-4; /* a rising series */
    sink = max_value(x, N) + max_value(x, 0);
    TIME("max_value", sink = max_value(x, N));
    free(x);
}

static void bench_find_index(void) {
    int *a = malloc(N * sizeof *a);
    for (size_t i = 0; i < N; ++i) a[i] = (int)(rnd() % 1000);
    a[N - 1] = 4242; /* an end marker, found only at the end */
    sink = find_index(a, N, 5000); /* absent */
    sink = find_index(a, N, 4242);
    sink = find_index(a, 0, 1);
    int key = 0;
    TIME("find_index", sink = find_index(a, N, 1000 + key++ % 2));
    free(a);
}

static void bench_norm_f32(void) {
    float *x = malloc(N * sizeof *x);
    for (size_t i = 0; i < N; ++i) x[i] = (float)uniform();
    sink = norm_f32(x, N) + norm_f32(x, 0);
    TIME("norm_f32", sink = norm_f32(x, N));
    free(x);
}

static void bench_count_unique(void) {
    int *a = malloc(N * sizeof *a);
    for (size_t i = 0; i < N; ++i) a[i] = (int)(rnd() % 50000) - 25000; /* unsorted */
    sink = (double)count_unique(a, N) + (double)count_unique(a, 0);
    TIME("count_unique", sink = (double)count_unique(a, N));
    free(a);
}

int main(int argc, char **argv) {
    static const struct { const char *name; void (*run)(void); } cases[] = {
        {"axpy_sum", bench_axpy_sum}, {"sum_u32", bench_sum_u32}, {"quantize", bench_quantize},
        {"delta_encode", bench_delta_encode}, {"max_value", bench_max_value},
        {"find_index", bench_find_index}, {"norm_f32", bench_norm_f32}, {"count_unique", bench_count_unique},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i)
        if (argc < 2 || strcmp(argv[1], cases[i].name) == 0)
            cases[i].run();
    return 0;
}
