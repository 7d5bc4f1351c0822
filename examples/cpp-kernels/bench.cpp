// Times the kernels and prints Google Benchmark compatible JSON.
//   ./bench            all benchmarks
//   ./bench NAME       only the benchmarks of kernel NAME (e.g. matmul)
//   ./bench --min_time=KERNEL:SECONDS[,KERNEL:SECONDS...] [NAME]
//                      run each case of those kernels for SECONDS of CPU time (as Google
//                      Benchmark's --benchmark_min_time does), the others as usual
//                      (benchmarks/hotspot_truth.py gives the kernels different budgets, so
//                      that their true shares of a profiled run differ even on a busy machine)
// Each case runs its kernel repeatedly for at least MIN_TIME of wall-clock time and reports
// the mean time of one call, as Google Benchmark does: "real_time" (wall clock) and
// "cpu_time" (CPU time of the process), in nanoseconds.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
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

struct Timing {
    long iterations;
    double real_ns;  // wall clock per call
    double cpu_ns;   // CPU time of the process per call
};

static double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + t.tv_nsec * 1e-9;
}

// Runs the case for min_time seconds of wall clock, or of CPU time when by_cpu.
static Timing time_case(const Case& c, double min_time, bool by_cpu) {
    using clock = std::chrono::steady_clock;
    c.run();  // warm-up
    long iterations = 0;
    double cpu_start = cpu_seconds();
    auto start = clock::now();
    double elapsed = 0, cpu = 0;
    do {
        c.run();
        ++iterations;
        elapsed = std::chrono::duration<double>(clock::now() - start).count();
        if (by_cpu) cpu = cpu_seconds() - cpu_start;
    } while ((by_cpu ? cpu : elapsed) < min_time);
    cpu = cpu_seconds() - cpu_start;
    return {iterations, elapsed / iterations * 1e9, cpu / iterations * 1e9};
}

// "--min_time=matmul:0.06,histogram:0.03" -> {matmul: 0.06, histogram: 0.03}; false if malformed.
static bool parse_min_times(const std::string& spec, std::map<std::string, double>* out) {
    size_t at = 0;
    while (at < spec.size()) {
        size_t end = spec.find(',', at);
        if (end == std::string::npos) end = spec.size();
        std::string item = spec.substr(at, end - at);
        size_t colon = item.find(':');
        if (colon == std::string::npos || colon == 0) return false;
        char* rest = nullptr;
        double seconds = std::strtod(item.c_str() + colon + 1, &rest);
        if (rest == item.c_str() + colon + 1 || *rest != '\0' || !(seconds > 0)) return false;
        (*out)[item.substr(0, colon)] = seconds;
        at = end + 1;
    }
    return true;
}

int main(int argc, char** argv) {
    const char* only = "";
    std::map<std::string, double> min_times;
    for (int i = 1; i < argc; ++i) {
        const char* flag = "--min_time=";
        if (std::strncmp(argv[i], flag, std::strlen(flag)) == 0) {
            if (!parse_min_times(argv[i] + std::strlen(flag), &min_times)) {
                std::fprintf(stderr, "bad %s: want --min_time=KERNEL:SECONDS[,KERNEL:SECONDS...]\n", argv[i]);
                return 2;
            }
        } else {
            only = argv[i];
        }
    }
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
        auto budget = min_times.find(c.kernel);
        Timing t = budget == min_times.end() ? time_case(c, MIN_TIME, false) : time_case(c, budget->second, true);
        std::printf("%s\n    {\"name\": \"%s\", \"run_type\": \"iteration\", \"iterations\": %ld, "
                    "\"real_time\": %.3f, \"cpu_time\": %.3f, \"time_unit\": \"ns\"}",
                    first ? "" : ",", c.name.c_str(), t.iterations, t.real_ns, t.cpu_ns);
        first = false;
    }
    std::printf("\n  ]\n}\n");
    if (first && only[0]) {
        std::fprintf(stderr, "no benchmark for kernel '%s'\n", only);
        return 1;
    }
    return 0;
}
