// Weak on purpose: small inputs, positive values, a few elements checked.
#include <cmath>
#include <cstdio>
#include "kernels.hpp"

static int failures = 0;
#define CHECK(cond) do { if (!(cond)) { std::printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)

int main() {
    CHECK(dot({1, 2, 3, 4}, {1, 1, 1, 1}) == 10.0);
    CHECK(sum_squares({1, 2, 3, 4}) == 30);
    CHECK(sum_abs({1, 2, 3, 4}) == 10);
    std::vector<double> in{1, 2, 3}, out;
    scale_into(in, out, 2.0);
    CHECK(out.size() == 3 && out[2] == 6.0);
    std::vector<double> m{1, 2, 3, 4, 5};
    CHECK(median(m) == 3.0);
    CHECK(mean({2, 4}) == 3.0);
    std::vector<double> avg = moving_average({1, 2, 3, 4, 5}, 2);
    CHECK(avg[0] == 1.5 && avg[1] == 2.5);
    CHECK(join({"a", "b", "c"}, ",") == "a,b,c");
    std::map<std::string, int> counts = word_counts("the quick brown fox");
    CHECK(counts.size() == 4 && counts["fox"] == 1);
    if (failures) return 1;
    std::printf("ok\n");
    return 0;
}
