"""Model-style replies for the bundled C++ example (examples/cpp-kernels), one per outcome.

Each reads like a real model answer (prose around one fenced block) so that extraction is
exercised too. Which outcome each one gets is a property of the code, checked by the real
compiler, tests and benchmark: faster is one pass instead of one pass per bin; slower forces
an integer division into every comparison; incorrect skips value 0; not compilable names an undeclared
variable (valid syntax, so it reaches the compiler instead of being rejected).
"""
from __future__ import annotations


def reply(code: str, prose: str = "Here is an optimized version.") -> str:
    return f"{prose}\n\n```cpp\n{code.strip()}\n```\n\nThis keeps the same signature."


HISTOGRAM_FASTER = reply("""
std::vector<int> histogram(const std::vector<int>& data, int bins) {
    std::vector<int> counts(bins, 0);
    for (int value : data) {
        if (value >= 0 && value < bins) {
            counts[value] += 1;
        }
    }
    return counts;
}
""", "Counting every element once is enough: one pass over the data instead of one per bin.")

HISTOGRAM_SLOWER = reply("""
std::vector<int> histogram(const std::vector<int>& data, int bins) {
    std::vector<int> counts(bins, 0);
    for (int bin = 0; bin < bins; ++bin) {
        const int modulus = bins + 1000003;
        for (std::size_t i = 0; i < data.size(); ++i) {
            if (data[i] % modulus == bin) {
                counts[bin] += 1;
            }
        }
    }
    return counts;
}
""", "Reducing each value modulo a large prime keeps it in range.")

HISTOGRAM_INCORRECT = reply("""
std::vector<int> histogram(const std::vector<int>& data, int bins) {
    std::vector<int> counts(bins, 0);
    for (int value : data) {
        if (value > 0 && value < bins) {
            counts[value] += 1;
        }
    }
    return counts;
}
""", "A single pass with a bounds check.")

HISTOGRAM_NOT_COMPILABLE = reply("""
std::vector<int> histogram(const std::vector<int>& data, int bins) {
    std::vector<int> counts(bins, 0);
    for (int value : data) {
        counts[value] += 1;
    }
    return counts_total;
}
""", "One pass, returning the totals.")

# Same work as the original (pre-increment instead of += 1): correct, no significant change.
HISTOGRAM_SAME_SPEED = reply("""
std::vector<int> histogram(const std::vector<int>& data, int bins) {
    std::vector<int> counts(bins, 0);
    for (int bin = 0; bin < bins; ++bin) {
        for (std::size_t i = 0; i < data.size(); ++i) {
            if (data[i] == bin) {
                ++counts[bin];
            }
        }
    }
    return counts;
}
""", "Pre-increment is cheaper.")

NO_CODE = "I am sorry, but I cannot optimize this function any further."

# A batch's other functions: each one pass where the original does a pass per element (or per
# column), so each is verifiably faster on the example's benchmark.
PREFIX_SUM_FASTER = reply("""
std::vector<std::int64_t> prefix_sum(const std::vector<std::int64_t>& in) {
    std::vector<std::int64_t> out(in.size());
    std::int64_t total = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        total += in[i];
        out[i] = total;
    }
    return out;
}
""", "A running total gives every prefix sum in one pass.")

MATMUL_FASTER = reply("""
void matmul(const std::vector<double>& a, const std::vector<double>& b, std::vector<double>& c, int n) {
    for (int i = 0; i < n * n; ++i) {
        c[i] = 0.0;
    }
    for (int i = 0; i < n; ++i) {
        for (int k = 0; k < n; ++k) {
            const double aik = a[i * n + k];
            for (int j = 0; j < n; ++j) {
                c[i * n + j] += aik * b[k * n + j];
            }
        }
    }
}
""", "The i-k-j loop order walks B along its rows, so every access is sequential.")
