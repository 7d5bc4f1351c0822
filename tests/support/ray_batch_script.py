"""The scripted model for batches on Ray (tests/integration/test_batch_ray.py, benchmarks/batch_ray.py).

A Ray task that dies is run again from its start, so its function's prompts come again: the
replies are a responder (answers every matching request, forever) rather than queues, chosen by
the function the prompt names. `slow_later_rounds` delays code replies of rounds after the first
(prompts that carry lessons), which keeps a task busy long enough to be killed mid-task.
"""
from __future__ import annotations

from typing import Any, Mapping

from . import cpp_replies as C
from . import python_replies as P
from .batch_script import names_function
from .fake_openai import Body, FakeOpenAI, Reply
from .loop_script import FAST_TIMING, agent_config, is_code, is_lesson

MOVING_AVERAGE_FASTER = '''Keep a running window sum: each step adds one value and drops one instead of summing the window again.

```python
def moving_average(values: list[float], window: int) -> list[float]:
    """Mean of each window of `window` consecutive values, recomputing every sum from scratch."""
    if window <= 0 or len(values) < window:
        return []
    averages = []
    for start in range(len(values) - window + 1):
        averages.append(sum(values[start:start + window]) / window)
    return averages
```
'''

COUNT_PRIMES_FASTER = '''Trial division only needs divisors up to the square root.

```python
def count_primes(limit: int) -> int:
    """Number of primes below `limit`, by trial division against every smaller number."""
    count = 0
    for n in range(2, limit):
        is_prime = True
        d = 2
        while d * d <= n:
            if n % d == 0:
                is_prime = False
                break
            d += 1
        if is_prime:
            count += 1
    return count
```
'''

COUNT_PRIMES_INCORRECT = '''Skip the even numbers.

```python
def count_primes(limit: int) -> int:
    """Number of primes below `limit`, by trial division against every smaller number."""
    count = 0
    for n in range(3, limit, 2):
        is_prime = True
        for d in range(3, n, 2):
            if n % d == 0:
                is_prime = False
                break
        if is_prime:
            count += 1
    return count
```
'''

PYTHON = {"find_duplicates": P.FIND_DUPLICATES_FASTER, "moving_average": MOVING_AVERAGE_FASTER,
          "count_primes": COUNT_PRIMES_INCORRECT, "join_words": C.NO_CODE}
CPP = {"histogram": C.HISTOGRAM_FASTER, "prefix_sum": C.PREFIX_SUM_FASTER}
LESSON = "Code B does less work per element than Code A: {name}."


def script_batch(fake: FakeOpenAI, model: str, replies: Mapping[str, str], slow_later_rounds: float = 0.0,
                 delay: float = 0.0) -> None:
    """Every code prompt of `model` naming a function gets that function's reply; every lesson
    prompt gets a lesson naming the function. `delay`: seconds before each reply (model latency)."""

    def answer(body: Body) -> Reply:
        name = next((n for n in replies if names_function(body, n)), None)
        if is_lesson(body):
            return Reply.text(LESSON.format(name=name or "the function"), delay=delay)
        if name is None:
            return Reply.text(C.NO_CODE, delay=delay)
        later = any("### Lessons" in str(m.get("content", "")) for m in body.get("messages", []))
        return Reply.text(replies[name], delay=delay + (slow_later_rounds if later else 0.0))

    fake.respond(answer, lambda b: b.get("model") == model and (is_code(b) or is_lesson(b)))


def batch_overrides(fake: FakeOpenAI, model: str = "model-a", rounds: int = 1, **timing: Any) -> dict[str, Any]:
    return {"agents": [agent_config(fake, "agent-a", model)], "loop": {"rounds": rounds, "k": 2},
            "timing": {**FAST_TIMING, **timing}}
