#include "kernels.h"

// Multiplies two square matrices. The inner loop walks B down a column, so every
// step touches a new cache line.
void matmul(const std::vector<double>& a, const std::vector<double>& b, std::vector<double>& c, int n) {
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
            double sum = 0.0;
            for (int k = 0; k < n; ++k) {
                sum += a[i * n + k] * b[k * n + j];
            }
            c[i * n + j] = sum;
        }
    }
}

// Builds a histogram by scanning the whole input once per bin.
std::vector<int> histogram(const std::vector<int>& data, int bins) {
    std::vector<int> counts(bins, 0);
    for (int bin = 0; bin < bins; ++bin) {
        for (std::size_t i = 0; i < data.size(); ++i) {
            if (data[i] == bin) {
                counts[bin] += 1;
            }
        }
    }
    return counts;
}

// Computes each prefix sum from scratch.
std::vector<std::int64_t> prefix_sum(const std::vector<std::int64_t>& in) {
    std::vector<std::int64_t> out(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        std::int64_t total = 0;
        for (std::size_t j = 0; j <= i; ++j) {
            total += in[j];
        }
        out[i] = total;
    }
    return out;
}
