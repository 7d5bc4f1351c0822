/* Small numeric kernels: pointer + length, the way C libraries hand arrays around. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kernels.h"

/* y[i] += a * x[i]; returns the sum of the updated y. */
double axpy_sum(double a, const double *x, double *y, size_t n) {
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        y[i] += a * x[i];
        sum += y[i];
    }
    return sum;
}

/* The exact sum of 32-bit counters. */
uint64_t sum_u32(const uint32_t *x, size_t n) {
    uint64_t sum = 0;
    for (size_t i = 0; i < n; ++i)
        sum += x[i];
    return sum;
}

/* out[i] = in[i] / 16, rounded toward zero like C division. */
void quantize(const int *in, int *out, size_t n) {
    for (size_t i = 0; i < n; ++i)
        out[i] = in[i] / 16;
}

/* out[0] = in[0], out[i] = in[i] - in[i - 1]. `out` may be `in` (encoding in place). */
void delta_encode(const long *in, long *out, size_t n) {
    for (size_t i = n; i-- > 1;)
        out[i] = in[i] - in[i - 1];
    if (n > 0)
        out[0] = in[0];
}

/* The largest element; -INFINITY for an empty array. */
double max_value(const double *x, size_t n) {
    double best = -INFINITY;
    for (size_t i = 0; i < n; ++i)
        if (x[i] > best)
            best = x[i];
    return best;
}

/* The index of the first `key` in a[0..n), or -1. */
long find_index(const int *a, size_t n, int key) {
    for (size_t i = 0; i < n; ++i)
        if (a[i] == key)
            return (long)i;
    return -1;
}

/* The Euclidean norm, in single precision. */
float norm_f32(const float *x, size_t n) {
    float sum = 0.0f;
    for (size_t i = 0; i < n; ++i)
        sum += x[i] * x[i];
    return sqrtf(sum);
}

static int compare_ints(const void *p, const void *q) {
    int x = *(const int *)p, y = *(const int *)q;
    if (x < y)
        return -1;
    if (x > y)
        return 1;
    return 0;
}

/* How many distinct values a[0..n) holds. */
size_t count_unique(int *a, size_t n) {
    if (n == 0)
        return 0;
    int *sorted = malloc(n * sizeof *sorted);
    memcpy(sorted, a, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, compare_ints);
    size_t count = 1;
    for (size_t i = 1; i < n; ++i)
        if (sorted[i] != sorted[i - 1])
            count++;
    free(sorted);
    return count;
}
