"""List, dict and string helpers, written plainly."""
from __future__ import annotations


def dedupe(items: list) -> list:
    """The items without repeats, in the order of their first occurrence."""
    result = []
    seen = set()
    for item in items:
        if item not in seen:
            seen.add(item)
            result.append(item)
    return result


def word_freq(text: str) -> dict[str, int]:
    """How often each word occurs, in the order of first occurrence."""
    counts: dict[str, int] = {}
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts


def common(a: list, b: list) -> list:
    """The items of `a` that also occur in `b`, in `a`'s order, repeats kept."""
    return [x for x in a if x in b]


def chunk_sums(xs: list[int], size: int) -> list[int]:
    """The sum of each run of `size` items; the last run may be shorter."""
    sums = []
    for start in range(0, len(xs), size):
        total = 0
        for x in xs[start:start + size]:
            total += x
        sums.append(total)
    return sums


def last_index(xs: list, value) -> int:
    """The index of the last occurrence of `value`, or -1."""
    found = -1
    for i, x in enumerate(xs):
        if x == value:
            found = i
    return found


def mean(xs: list[float]) -> float:
    """The arithmetic mean; 0.0 for an empty list."""
    if not xs:
        return 0.0
    total = 0.0
    for x in xs:
        total += x
    return total / len(xs)


def bucket_ids(xs: list[int], width: int) -> list[int]:
    """x / width rounded toward zero, for each x."""
    return [int(x / width) for x in xs]


def total(xs: list[int]) -> int:
    """The exact sum of the integers."""
    result = 0
    for x in xs:
        result += x
    return result


def smooth(src: list[float], out: list[float]) -> None:
    """out becomes the 3-point moving average of src (2 points at the ends). out may be src."""
    n = len(src)
    result = [0.0] * n
    for i in range(n):
        lo, hi = max(i - 1, 0), min(i + 2, n)
        result[i] = sum(src[lo:hi]) / (hi - lo)
    out[:] = result


def clip_all(xs: list[float], lo: float, hi: float) -> list[float]:
    """A new list with every value clipped into [lo, hi]."""
    result = []
    for x in xs:
        result.append(min(max(x, lo), hi))
    return result


def median(xs: list[float]) -> float:
    """The median (the mean of the middle two for an even count); 0.0 for an empty list.
    `xs` is left as it was."""
    if not xs:
        return 0.0
    ordered = sorted(xs)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def variance(xs: list[float]) -> float:
    """The population variance; 0.0 for an empty list."""
    if not xs:
        return 0.0
    m = sum(xs) / len(xs)
    return sum((x - m) * (x - m) for x in xs) / len(xs)


def join_lines(lines: list[str]) -> str:
    """The lines as one text, each ended by a newline ("" for no lines)."""
    text = ""
    for line in lines:
        text += line + "\n"
    return text
