// Deliberately naive kernels: the bundled example that LessonL optimizes.
#pragma once

#include <cstdint>
#include <vector>

// C = A * B for square row-major n x n matrices.
void matmul(const std::vector<double>& a, const std::vector<double>& b, std::vector<double>& c, int n);

// Counts of values in [0, bins): result[v] = number of elements equal to v.
std::vector<int> histogram(const std::vector<int>& data, int bins);

// Inclusive prefix sums: out[i] = in[0] + ... + in[i].
std::vector<std::int64_t> prefix_sum(const std::vector<std::int64_t>& in);
