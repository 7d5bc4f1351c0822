"""Builds share the machine; a timing phase has it alone, across judges too."""
from __future__ import annotations

import asyncio
from pathlib import Path

from lessonl.judge.gate import Gate


async def test_builds_run_side_by_side_up_to_the_worker_count(tmp_path: Path) -> None:
    gate = Gate(tmp_path / "timing.lock", workers=2)
    running, peak = 0, 0

    async def build() -> None:
        nonlocal running, peak
        async with gate.work():
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.05)
            running -= 1

    await asyncio.gather(*(build() for _ in range(5)))
    assert peak == 2


async def test_timing_never_overlaps_a_build(tmp_path: Path) -> None:
    gate = Gate(tmp_path / "timing.lock", workers=4)
    events: list[str] = []

    async def build(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with gate.work():
            events.append(f"{name}+")
            await asyncio.sleep(0.05)
            events.append(f"{name}-")

    async def timing() -> None:
        await asyncio.sleep(0.01)
        async with gate.timing():
            events.append("T+")
            await asyncio.sleep(0.05)
            events.append("T-")

    await asyncio.gather(build("a", 0), timing(), build("b", 0.02))
    start, end = events.index("T+"), events.index("T-")
    assert end == start + 1  # nothing started or finished while timing
    assert events.index("a-") < start  # the running build finished first
    assert events.index("b+") > end  # a build arriving meanwhile waited


async def test_timings_of_two_judges_do_not_overlap(tmp_path: Path) -> None:
    lock = tmp_path / "timing.lock"
    first, second = Gate(lock), Gate(lock)  # two judges, one machine
    inside = 0
    overlaps = 0

    async def timing(gate: Gate) -> None:
        nonlocal inside, overlaps
        async with gate.timing():
            inside += 1
            overlaps += inside > 1
            await asyncio.sleep(0.05)
            inside -= 1

    await asyncio.gather(timing(first), timing(second), timing(first))
    assert overlaps == 0
