// Vector and string kernels, written plainly.
#include "kernels.hpp"

#include <algorithm>
#include <cstdlib>

// The dot product of two vectors of the same length.
double dot(const std::vector<double>& a, const std::vector<double>& b) {
    double sum = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i)
        sum += a[i] * b[i];
    return sum;
}

// The sum of squares, exact in 64 bits.
long long sum_squares(const std::vector<int>& v) {
    long long sum = 0;
    for (int x : v)
        sum += static_cast<long long>(x) * x;
    return sum;
}

// The sum of absolute values.
long long sum_abs(const std::vector<int>& v) {
    long long sum = 0;
    for (int x : v)
        sum += std::abs(x);
    return sum;
}

// out = s * in, element by element. `out` may be `in`.
void scale_into(const std::vector<double>& in, std::vector<double>& out, double s) {
    out.resize(in.size());
    for (std::size_t i = 0; i < in.size(); ++i)
        out[i] = s * in[i];
}

// The median (the mean of the middle two for an even count); 0 for an empty vector.
// `v` is left as it was.
double median(std::vector<double>& v) {
    if (v.empty())
        return 0.0;
    std::vector<double> sorted(v);
    std::sort(sorted.begin(), sorted.end());
    std::size_t mid = sorted.size() / 2;
    return sorted.size() % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
}

// The arithmetic mean; 0 for an empty vector.
double mean(const std::vector<double>& v) {
    if (v.empty())
        return 0.0;
    double sum = 0.0;
    for (double x : v)
        sum += x;
    return sum / static_cast<double>(v.size());
}

// The mean of every window of `w` consecutive elements (x.size() - w + 1 of them).
std::vector<double> moving_average(const std::vector<double>& x, std::size_t w) {
    std::vector<double> out;
    if (w == 0 || x.size() < w)
        return out;
    for (std::size_t i = 0; i + w <= x.size(); ++i) {
        double sum = 0.0;
        for (std::size_t k = 0; k < w; ++k)
            sum += x[i + k];
        out.push_back(sum / static_cast<double>(w));
    }
    return out;
}

// The parts with `sep` between them.
std::string join(const std::vector<std::string>& parts, const std::string& sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0)
            out += sep;
        out += parts[i];
    }
    return out;
}

// How often each space-separated word occurs.
std::map<std::string, int> word_counts(const std::string& text) {
    std::map<std::string, int> counts;
    std::string word;
    for (char c : text) {
        if (c == ' ') {
            if (!word.empty())
                counts[word] += 1;
            word.clear();
        } else {
            word += c;
        }
    }
    if (!word.empty())
        counts[word] += 1;
    return counts;
}
