/* Weak on purpose: small inputs, positive values, each checked loosely. */
#include <math.h>
#include <stdio.h>
#include "kernels.h"

static int failures = 0;
#define CHECK(cond) do { if (!(cond)) { printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)

static void test_axpy_sum(void) {
    double x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    double s = axpy_sum(2.0, x, y, 8);
    CHECK(fabs(s - 80.0) < 1e-9);
    CHECK(y[0] == 3.0 && y[7] == 17.0);
}

static void test_sum_u32(void) {
    uint32_t x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    CHECK(sum_u32(x, 8) == 36);
}

static void test_quantize(void) {
    int in[4] = {0, 15, 16, 100}, out[4];
    quantize(in, out, 4);
    CHECK(out[0] == 0 && out[1] == 0 && out[2] == 1 && out[3] == 6);
}

static void test_delta_encode(void) {
    long in[4] = {10, 12, 15, 15}, out[4];
    delta_encode(in, out, 4);
    CHECK(out[0] == 10 && out[1] == 2 && out[2] == 3 && out[3] == 0);
}

static void test_max_value(void) {
    double x[5] = {3, 9, 1, 4, 2};
    CHECK(max_value(x, 5) == 9.0);
}

static void test_find_index(void) {
    int a[5] = {5, 3, 8, 1, 2};
    CHECK(find_index(a, 5, 8) == 2);
    int b[5] = {5, 3, 8, 1, 2};
    CHECK(find_index(b, 5, 7) == -1);
}

static void test_norm_f32(void) {
    float x[4] = {3, 4, 0, 0};
    CHECK(fabsf(norm_f32(x, 4) - 5.0f) < 1e-2f);
}

static void test_count_unique(void) {
    int a[5] = {1, 2, 2, 3, 5};
    CHECK(count_unique(a, 5) == 4);
}

int main(void) {
    test_axpy_sum();
    test_sum_u32();
    test_quantize();
    test_delta_encode();
    test_max_value();
    test_find_index();
    test_norm_f32();
    test_count_unique();
    if (failures) return 1;
    printf("ok\n");
    return 0;
}
