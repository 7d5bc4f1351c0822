// ./bench NAME: times one kernel. Before timing, each kernel meets the inputs its tests skip:
// sizes that are not a multiple of 4, empty inputs, negative values, values whose squares
// overflow an int, an output that is its own input, and separators longer than one character.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>
#include "kernels.hpp"

static volatile double sink;
static std::mt19937_64 rng(42);
static const std::size_t N = 100003;

static std::vector<double> uniform(std::size_t n, double lo, double hi) {
    std::uniform_real_distribution<double> d(lo, hi);
    std::vector<double> v(n);
    for (double& x : v) x = d(rng);
    return v;
}

static std::vector<int> integers(std::size_t n, int lo, int hi) {
    std::uniform_int_distribution<int> d(lo, hi);
    std::vector<int> v(n);
    for (int& x : v) x = d(rng);
    return v;
}

// Calls `body` until 20 ms have passed (at least 3 times); prints "name: ns per call".
static void time_it(const char* name, const std::function<void()>& body) {
    using clock = std::chrono::steady_clock;
    auto start = clock::now();
    long calls = 0;
    double elapsed = 0;
    do {
        body();
        ++calls;
        elapsed = std::chrono::duration<double>(clock::now() - start).count();
    } while (calls < 3 || elapsed < 0.02);
    std::printf("%s: %.1f ns\n", name, elapsed * 1e9 / calls);
}

static void bench_dot() {
    auto a = uniform(N, 0, 1), b = uniform(N, 0, 1);
    sink = dot(a, b) + dot({}, {});
    time_it("dot", [&] { sink = dot(a, b); });
}

static void bench_sum_squares() {
    auto v = integers(N, -1000000, 1000000);  // squares beyond INT_MAX
    sink = static_cast<double>(sum_squares(v) + sum_squares({}));
    time_it("sum_squares", [&] { sink = static_cast<double>(sum_squares(v)); });
}

static void bench_sum_abs() {
    auto v = integers(N, -1000000, 1000000);
    sink = static_cast<double>(sum_abs(v));
    time_it("sum_abs", [&] { sink = static_cast<double>(sum_abs(v)); });
}

static void bench_scale_into() {
    auto in = uniform(N, -1, 1);
    std::vector<double> out;
    scale_into(in, out, 0.5);
    std::vector<double> inplace(in);
    scale_into(inplace, inplace, 0.5);  // in place
    time_it("scale_into", [&] { scale_into(in, out, 0.5); sink = out[N / 2]; });
}

static void bench_median() {
    auto v = uniform(N, -1, 1);
    std::vector<double> empty, even(v.begin(), v.end() - 1);
    sink = median(v) + median(empty) + median(even);
    time_it("median", [&] { sink = median(v); });
}

static void bench_mean() {
    auto v = uniform(N, 0, 1);
    sink = mean(v) + mean({});
    time_it("mean", [&] { sink = mean(v); });
}

static void bench_moving_average() {
    auto x = uniform(N, 0, 100);
    sink = moving_average(x, 16).back() + moving_average({1.0}, 4).size();
    time_it("moving_average", [&] { sink = moving_average(x, 16).back(); });
}

static void bench_join() {
    std::vector<std::string> words;
    for (int i = 0; i < 20000; ++i) words.push_back("w" + std::to_string(i % 977));
    sink = static_cast<double>(join(words, ", ").size() + join({}, ", ").size());
    time_it("join", [&] { sink = static_cast<double>(join(words, ", ").size()); });
}

static void bench_word_counts() {
    std::string text;
    for (int i = 0; i < 20000; ++i) text += "w" + std::to_string(i % 977) + (i % 7 ? " " : "  ");
    sink = static_cast<double>(word_counts(text).size() + word_counts("").size());
    time_it("word_counts", [&] { sink = static_cast<double>(word_counts(text).size()); });
}

int main(int argc, char** argv) {
    const struct { const char* name; void (*run)(); } cases[] = {
        {"dot", bench_dot}, {"sum_squares", bench_sum_squares}, {"sum_abs", bench_sum_abs},
        {"scale_into", bench_scale_into}, {"median", bench_median}, {"mean", bench_mean},
        {"moving_average", bench_moving_average}, {"join", bench_join}, {"word_counts", bench_word_counts},
    };
    for (const auto& c : cases)
        if (argc < 2 || std::strcmp(argv[1], c.name) == 0)
            c.run();
    return 0;
}
