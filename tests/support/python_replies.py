"""Model-style replies for the bundled Python example (examples/python-hotspots).

FIND_DUPLICATES_FASTER replaces the list scans of `find_duplicates` with sets: the same output,
measurably faster on the example's benchmark (checked by the real pytest and benchmark runs).
"""
from __future__ import annotations

FIND_DUPLICATES_FASTER = '''Track what was seen in a set: membership is O(1) instead of a scan.

```python
def find_duplicates(items: list[int]) -> list[int]:
    """Values that occur more than once, in order of their first repetition."""
    seen: set[int] = set()
    reported: set[int] = set()
    duplicates = []
    for item in items:
        if item in seen and item not in reported:
            reported.add(item)
            duplicates.append(item)
        seen.add(item)
    return duplicates
```
'''

JOIN_WORDS_FASTER = '''str.join builds the result once instead of copying it on every concatenation.

```python
def join_words(words: list[str], separator: str) -> str:
    """Joins words with a separator by repeated concatenation into a new string each time."""
    return separator.join(word.strip() for word in words)
```
'''
