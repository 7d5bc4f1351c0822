"""Selection and effectiveness adjustment exactly as the LessonL algorithm specifies."""
import pytest

from lessonl_store import adjusted_factor, make_relevance, select_lessons

from .conftest import lesson


class ByText:
    """A relevance that ranks by a score written in the lesson text, to pin the algorithm."""

    name = "by-text"

    def scores(self, code, lessons):
        return [float(l.text.split("rel=")[1]) for l in lessons]


def test_all_lessons_when_at_most_k():
    lessons = [lesson("a rel=0", speedup=0.5), lesson("b rel=0", speedup=2.0)]
    assert [l.text for l in select_lessons(lessons, 4, "", ByText())] == ["b rel=0", "a rel=0"]


def test_speed_half_then_relevance_half():
    lessons = [
        lesson("fast rel=0.1", speedup=3.0),
        lesson("faster rel=0.0", speedup=4.0),
        lesson("fastest-but-discounted rel=0.0", speedup=5.0, factor=0.2),  # 1.0 < 1.1
        lesson("marginal rel=0.9", speedup=1.05),
        lesson("wrong rel=0.8", speedup=0.0, outcome="incorrect"),
        lesson("slow rel=0.2", speedup=0.7),
    ]
    chosen = select_lessons(lessons, 4, "", ByText())
    # ceil(4/2) = 2 by speedup x factor among those >= 1.1; then the 2 most relevant of the rest
    assert [l.text for l in chosen] == ["faster rel=0.0", "fast rel=0.1", "marginal rel=0.9", "wrong rel=0.8"]


def test_too_few_fast_lessons_leave_more_slots_to_relevance():
    lessons = [lesson("fast rel=0", speedup=2.0)] + [lesson(f"r{i} rel={i}", speedup=0.9) for i in range(5)]
    chosen = select_lessons(lessons, 3, "", ByText())
    assert [l.text for l in chosen] == ["fast rel=0", "r4 rel=4", "r3 rel=3"]


def test_odd_k_takes_ceil_half_for_speed():
    lessons = [lesson(f"s{i} rel=0", speedup=2.0 + i) for i in range(4)] + [lesson("r rel=1", speedup=0.5)]
    chosen = select_lessons(lessons, 3, "", ByText())
    assert [l.text for l in chosen] == ["s3 rel=0", "s2 rel=0", "r rel=1"]


def test_effectiveness_factor_is_the_mean_rule():
    l = lesson("x", speedup=1.5)
    assert adjusted_factor(l, [2.0, 1.0, 0.0]) == pytest.approx((1.1 + 0.9 + 0.9) / 3)
    assert adjusted_factor(l, [3.0]) == pytest.approx(1.1)
    assert adjusted_factor(l, []) == l.factor


def test_bank_adjusts_only_the_given_lessons(bank):
    used = bank.add(lesson("used", speedup=1.2))
    other = bank.add(lesson("other", speedup=1.2))
    bank.adjust_factors([used.id], [2.0, 2.0, 0.0, 1.0])
    assert bank.get(used.id).factor == pytest.approx((1.1 + 1.1 + 0.9 + 0.9) / 4)
    assert bank.get(other.id).factor == 1.0


MATMUL = """void matmul(const std::vector<double>& a, const std::vector<double>& b, std::vector<double>& c, int n) {
    for (int i = 0; i < n; ++i) for (int j = 0; j < n; ++j) { double sum = 0.0;
        for (int k = 0; k < n; ++k) sum += a[i * n + k] * b[k * n + j]; c[i * n + j] = sum; } }"""


def test_relevant_lesson_from_another_function_is_selected_and_irrelevant_one_is_not(bank):
    """Beyond the paper: lessons from other functions compete on relevance."""
    relevant = lesson("Interchanging the loops so the inner loop walks the matrix row by row (i-k-j order) "
                      "keeps accesses to b sequential and cache friendly.", speedup=0.0, outcome="incorrect",
                      name="matvec", code="void matvec(const std::vector<double>& matrix, const std::vector<double>& x)")
    irrelevant = lesson("Using str.join instead of repeated string concatenation avoids quadratic copying of words.",
                        speedup=0.0, outcome="incorrect", file="text.py", name="join_words",
                        code="def join_words(words, separator): result = ''")
    related = lesson("Keeping the running sum in a local double variable saved a store per step.", speedup=0.9,
                     file="stats.c", name="total", code="double total(const double* x, int n)")
    unrelated = [lesson(f"Reading the socket in larger blocks reduced system calls {i}.", speedup=0.9,
                        file="net.c", name="read_all", code="ssize_t read_all(int fd, char* buf)") for i in range(2)]
    bank.add_many([irrelevant, *unrelated, related, relevant])
    chosen = bank.select(2, MATMUL, make_relevance({"backend": "lexical"}))
    ids = [l.id for l in chosen]
    assert relevant.id in ids and irrelevant.id not in ids


def test_lexical_scores_do_not_depend_on_the_other_lessons():
    rel = make_relevance({"backend": "lexical"})
    a = lesson("loop interchange for matrix multiply cache", code="matmul")
    b = lesson("string join", code="join")
    alone = rel.scores(MATMUL, [a])[0]
    together = make_relevance({"backend": "lexical"}).scores(MATMUL, [b, a])[1]
    assert alone == pytest.approx(together) and alone > 0


def test_unknown_backend_is_a_config_error():
    from lessonl.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown relevance backend"):
        make_relevance({"backend": "telepathy"})
