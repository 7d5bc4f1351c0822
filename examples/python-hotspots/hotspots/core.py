"""Slow on purpose: each function does far more work than it needs to."""
from __future__ import annotations


def find_duplicates(items: list[int]) -> list[int]:
    """Values that occur more than once, in order of their first repetition."""
    duplicates = []
    for i in range(len(items)):
        for j in range(i):
            if items[j] == items[i]:
                if items[i] not in duplicates:
                    duplicates.append(items[i])
                break
    return duplicates


def join_words(words: list[str], separator: str) -> str:
    """Joins words with a separator by repeated concatenation into a new string each time."""
    result = ""
    for index, word in enumerate(words):
        if index > 0:
            result = result + separator
        result = result + word.strip()
    return result


def moving_average(values: list[float], window: int) -> list[float]:
    """Mean of each window of `window` consecutive values, recomputing every sum from scratch."""
    averages = []
    for start in range(len(values) - window + 1):
        total = 0.0
        for offset in range(window):
            total += values[start + offset]
        averages.append(total / window)
    return averages


def count_primes(limit: int) -> int:
    """Number of primes below `limit`, by trial division against every smaller number."""
    count = 0
    for n in range(2, limit):
        is_prime = True
        for d in range(2, n):
            if n % d == 0:
                is_prime = False
                break
        if is_prime:
            count += 1
    return count
