// Times the kernels and prints Google Benchmark compatible JSON.
//   ./bench            all benchmarks
//   ./bench NAME       only the benchmarks of kernel NAME (e.g. matmul)
// Each case runs its kernel repeatedly for at least MIN_TIME and reports the mean time of
// one call, as Google Benchmark's "real_time" in nanoseconds.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>

#include "kernels.h"

static const double MIN_TIME = 0.03;  // seconds per case
static volatile double sink = 0;

struct Case {
    std::string kernel;
    std::string name;
    std::function<void()> run;
};

static double time_case(const Case& c, long* iterations_out) {
    using clock = std::chrono::steady_clock;
    c.run();  // warm-up
    long iterations = 0;
    auto start = clock::now();
    double elapsed = 0;
    do {
        c.run();
        ++iterations;
        elapsed = std::chrono::duration<double>(clock::now() - start).count();
    } while (elapsed < MIN_TIME);
    *iterations_out = iterations;
    return elapsed / iterations * 1e9;
}

int main(int argc, char** argv) {
    const char* only = argc > 1 ? argv[1] : "";
    std::mt19937 rng(12345);

    auto make_matrix = [&](int n) {
        std::uniform_real_distribution<double> dist(-1.0, 1.0);
        std::vector<double> m(n * n);
        for (auto& x : m) x = dist(rng);
        return m;
    };
    std::vector<Case> cases;
    for (int n : {96, 192}) {
        auto a = make_matrix(n), b = make_matrix(n);
        cases.push_back({"matmul", "matmul/" + std::to_string(n), [a, b, n]() {
            std::vector<double> c(n * n);
            matmul(a, b, c, n);
            sink = sink + c[n + 1];
        }});
    }
    for (int bins : {64, 256}) {
        std::uniform_int_distribution<int> dist(0, bins - 1);
        std::vector<int> data(20000);
        for (auto& x : data) x = dist(rng);
        cases.push_back({"histogram", "histogram/" + std::to_string(bins), [data, bins]() {
            sink = sink + histogram(data, bins)[bins / 2];
        }});
    }
    for (int size : {2000, 4000}) {
        std::uniform_int_distribution<std::int64_t> dist(-1000, 1000);
        std::vector<std::int64_t> in(size);
        for (auto& x : in) x = dist(rng);
        cases.push_back({"prefix_sum", "prefix_sum/" + std::to_string(size), [in]() {
            sink = sink + double(prefix_sum(in).back());
        }});
    }

    std::printf("{\n  \"context\": {\"library_build_type\": \"release\"},\n  \"benchmarks\": [");
    bool first = true;
    for (const auto& c : cases) {
        if (only[0] && c.kernel != only) continue;
        long iterations = 0;
        double ns = time_case(c, &iterations);
        std::printf("%s\n    {\"name\": \"%s\", \"run_type\": \"iteration\", \"iterations\": %ld, "
                    "\"real_time\": %.3f, \"cpu_time\": %.3f, \"time_unit\": \"ns\"}",
                    first ? "" : ",", c.name.c_str(), iterations, ns, ns);
        first = false;
    }
    std::printf("\n  ]\n}\n");
    if (first && only[0]) {
        std::fprintf(stderr, "no benchmark for kernel '%s'\n", only);
        return 1;
    }
    return 0;
}
