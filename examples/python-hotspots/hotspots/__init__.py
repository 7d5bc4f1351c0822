"""Deliberately slow pure-Python functions: the bundled example that LessonL optimizes."""
from .core import find_duplicates, join_words, moving_average, count_primes

__all__ = ["find_duplicates", "join_words", "moving_average", "count_primes"]
