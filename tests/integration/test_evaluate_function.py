"""`lessonl evaluate FILE::FUNCTION --candidate PATH`: a model's reply is spliced in, then judged."""
import json
import subprocess
import sys
from pathlib import Path

from tests.support.python_replies import FIND_DUPLICATES_FASTER

REPLY_FASTER = """Here is a faster version that counts in a single pass:

```cpp
std::vector<int> histogram(const std::vector<int>& data, int bins) {
    std::vector<int> counts(bins, 0);
    for (int value : data) {
        counts[value] += 1;
    }
    return counts;
}
```
This avoids scanning the data once per bin.
"""

REPLY_CHANGED_SIGNATURE = """```cpp
std::vector<long> histogram(const std::vector<int>& data, int bins) { return {}; }
```"""


def evaluate(repo: Path, spec: str, reply: str) -> tuple[int, dict, str]:
    (repo / "reply.md").write_text(reply)
    run = subprocess.run([sys.executable, "-m", "lessonl", "evaluate", spec, "--candidate", "reply.md", "--json",
                          "--set", "timing.budget=4", "--set", "timing.max_runs=12"],
                         cwd=repo, capture_output=True, text=True, timeout=300)
    return run.returncode, (json.loads(run.stdout) if run.stdout.strip() else {}), run.stderr


def test_a_reply_is_extracted_spliced_and_judged_faster(cpp_repo):
    original = (cpp_repo / "kernels.cpp").read_bytes()
    code, verdict, err = evaluate(cpp_repo, "kernels.cpp::histogram", REPLY_FASTER)
    assert code == 0, err
    assert verdict["outcome"] == "faster" and verdict["ci"][0] > 1.03
    assert {c["name"] for c in verdict["cases"]} == {"histogram/64", "histogram/256"}  # only its benchmark
    assert (cpp_repo / "kernels.cpp").read_bytes() == original


def test_a_changed_signature_is_rejected_before_any_build(cpp_repo):
    code, verdict, _ = evaluate(cpp_repo, "kernels.cpp::histogram", REPLY_CHANGED_SIGNATURE)
    assert code == 0
    assert verdict["outcome"] == "rejected" and verdict["runs"] == 0 and verdict["process_s"] == 0
    assert "std::vector<long>" in verdict["message"]


def test_an_unknown_function_lists_the_ones_there(cpp_repo):
    code, _, err = evaluate(cpp_repo, "kernels.cpp::histo", REPLY_FASTER)
    assert code == 2
    assert "histogram" in err and "Traceback" not in err


# ---- the Python example: pytest judges, {python} runs it ------------------------------------


PY_REPLY_JOIN_WRONG = '''```python
def join_words(words: list[str], separator: str) -> str:
    return separator.join(words)
```
The strip() calls were unnecessary.'''


def test_python_reply_is_spliced_and_judged_faster(py_repo):
    original = (py_repo / "hotspots/core.py").read_bytes()
    code, verdict, err = evaluate(py_repo, "hotspots/core.py::find_duplicates", FIND_DUPLICATES_FASTER)
    assert code == 0, err
    assert verdict["outcome"] == "faster", verdict
    assert [c["name"] for c in verdict["cases"]] == ["find_duplicates/600"]  # only its benchmark ran
    assert (py_repo / "hotspots/core.py").read_bytes() == original


def test_python_function_named_with_its_line(py_repo):
    """FILE::name@LINE picks the function defined on that line; the reply drops strip(), which
    the tests catch."""
    line = next(i for i, text in enumerate((py_repo / "hotspots/core.py").read_text().splitlines(), 1)
                if text.startswith("def join_words"))
    code, verdict, err = evaluate(py_repo, f"hotspots/core.py::join_words@{line}", PY_REPLY_JOIN_WRONG)
    assert code == 0, err
    assert verdict["outcome"] == "incorrect" and "join_words" in verdict["log_tail"], verdict


def test_python_function_at_a_line_where_it_is_not_is_a_user_error(py_repo):
    code, _, err = evaluate(py_repo, "hotspots/core.py::join_words@5", PY_REPLY_JOIN_WRONG)
    assert code == 2 and "Traceback" not in err
    assert "join_words" in err and "5" in err
