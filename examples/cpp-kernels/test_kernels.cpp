// Checks every kernel against an independent reference on fixed pseudo-random inputs.
// Exit status 0 means correct; the first mismatch is printed.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "kernels.h"

static int failures = 0;

static void fail(const char* what, long index, double got, double want) {
    std::printf("FAIL %s: element %ld is %.17g, expected %.17g\n", what, index, got, want);
    ++failures;
}

static void check_matmul(int n, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> dist(-1.0, 1.0);
    std::vector<double> a(n * n), b(n * n), c(n * n, 0.0), want(n * n, 0.0);
    for (auto& x : a) x = dist(rng);
    for (auto& x : b) x = dist(rng);
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < n; ++k)
            for (int j = 0; j < n; ++j) want[i * n + j] += a[i * n + k] * b[k * n + j];
    matmul(a, b, c, n);
    for (int i = 0; i < n * n; ++i) {
        if (std::fabs(c[i] - want[i]) > 1e-9 * (1.0 + std::fabs(want[i]))) {
            fail("matmul", i, c[i], want[i]);
            return;
        }
    }
}

static void check_histogram(int size, int bins, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> dist(0, bins - 1);
    std::vector<int> data(size);
    for (auto& x : data) x = dist(rng);
    std::vector<int> want(bins, 0);
    for (int x : data) want[x] += 1;
    std::vector<int> got = histogram(data, bins);
    if (got.size() != want.size()) {
        fail("histogram size", -1, double(got.size()), double(want.size()));
        return;
    }
    for (int i = 0; i < bins; ++i) {
        if (got[i] != want[i]) {
            fail("histogram", i, got[i], want[i]);
            return;
        }
    }
}

static void check_prefix_sum(int size, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::int64_t> dist(-1000000, 1000000);
    std::vector<std::int64_t> in(size);
    for (auto& x : in) x = dist(rng);
    std::vector<std::int64_t> got = prefix_sum(in);
    if (got.size() != in.size()) {
        fail("prefix_sum size", -1, double(got.size()), double(in.size()));
        return;
    }
    std::int64_t total = 0;
    for (int i = 0; i < size; ++i) {
        total += in[i];
        if (got[i] != total) {
            fail("prefix_sum", i, double(got[i]), double(total));
            return;
        }
    }
}

int main() {
    for (int n : {1, 2, 7, 33, 64}) check_matmul(n, 17u + n);
    check_histogram(0, 4, 1);
    for (int bins : {1, 5, 64, 257}) check_histogram(5000, bins, 29u + bins);
    check_prefix_sum(0, 3);
    for (int size : {1, 2, 100, 3001}) check_prefix_sum(size, 41u + size);
    if (failures) {
        std::printf("%d check(s) failed\n", failures);
        return 1;
    }
    std::printf("all kernel checks passed\n");
    return 0;
}
