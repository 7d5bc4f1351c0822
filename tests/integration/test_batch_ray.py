"""`lessonl batch --ray` on a real local Ray cluster (two nodes of one CPU each, started with
`ray start`, each declaring lessonl_timing: 1), the real example repository, real builds, tests
and timings in the workers, and the scripted fake OpenAI server over 127.0.0.1."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from lessonl.engine.batch import run_batch
from lessonl.engine.batch_ray import read_state
from lessonl.engine.batch_request import BatchRequest, BatchResult
from lessonl.errors import ConfigError
from lessonl_store import LessonBank
from tests.conftest import copy_example
from tests.support.fake_openai import FakeOpenAI
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401  (session fixtures)
from tests.support.ray_batch_script import MOVING_AVERAGE_FASTER, batch_overrides, script_batch
from tests.support.python_replies import FIND_DUPLICATES_FASTER
from tests.support.ray_cluster import LocalRayCluster, ray_available

pytestmark = [pytest.mark.slow, pytest.mark.skipif(ray_available() is not None, reason=str(ray_available()))]

FILE = "hotspots/core.py"
REPLIES = {"find_duplicates": FIND_DUPLICATES_FASTER, "moving_average": MOVING_AVERAGE_FASTER}
TARGETS = [(FILE, name) for name in REPLIES]


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalRayCluster]:
    with LocalRayCluster(nodes=[1, 1]) as running:
        yield running


def verdicts(result: BatchResult) -> dict[str, tuple[str, list[tuple[int, str]]]]:
    """Per function: its status and every attempt's (round, outcome)."""
    found = {}
    for item in result.items:
        attempts = [(a.candidate.round, a.verdict.outcome.value) for a in (item.result.attempts if item.result else [])]
        found[item.key] = (item.status, attempts)
    return found


async def test_ray_batch_gives_the_local_batchs_verdicts(cluster: LocalRayCluster, fake_openai: FakeOpenAI,
                                                         tmp_path: Path) -> None:
    script_batch(fake_openai, "model-a", REPLIES)
    settings = batch_overrides(fake_openai, rounds=1)
    local_repo = copy_example("python-hotspots", tmp_path / "local")
    ray_repo = copy_example("python-hotspots", tmp_path / "ray")
    original = (ray_repo / FILE).read_text()

    local = await run_batch(BatchRequest(local_repo, targets=TARGETS, overrides=settings, jobs=2, combine=False))
    on_ray = await run_batch(BatchRequest(ray_repo, targets=TARGETS, overrides=settings, combine=False,
                                          ray_address=cluster.address))

    assert verdicts(on_ray) == verdicts(local)
    assert {item.status for item in on_ray.items} == {"won"}
    for item in on_ray.items:
        assert item.result is not None and item.result.speedup and item.result.speedup > 1.5
        assert "node " in item.node  # host (ip, node <id>): which node timed its verdicts
        assert len(item.attempts) == 1 and item.attempts[0]["status"] == "won"
    # The tasks wrote their lessons and results to the driver's bank (not to their own copies).
    bank = LessonBank.open(ray_repo / ".lessonl")
    assert sorted(l.qualified_name for l in bank.lessons()) == sorted(REPLIES)
    assert all(bank.latest_result(FILE, name) is not None for name in REPLIES)
    assert (ray_repo / FILE).read_text() == original  # the user's file is untouched
    assert on_ray.report_paths and Path(on_ray.report_paths["md"]).exists()


async def test_a_worker_killed_mid_task_is_retried_and_no_lesson_is_lost(cluster: LocalRayCluster,
                                                                         fake_openai: FakeOpenAI,
                                                                         tmp_path: Path) -> None:
    # Round 2's code replies come 6 s late: the task is killed while it waits for one, after
    # round 1's lesson is banked.
    script_batch(fake_openai, "model-a", REPLIES, slow_later_rounds=6.0)
    repo = copy_example("python-hotspots", tmp_path)
    request = BatchRequest(repo, targets=TARGETS, overrides=batch_overrides(fake_openai, rounds=2), combine=False,
                           ray_address=cluster.address, ray_retries=2)
    state = repo / ".lessonl" / "batch" / "ray-attempts.json"
    victim = f"{FILE}::find_duplicates"
    batch = asyncio.ensure_future(run_batch(request))

    killed_pid, lessons_before = 0, set()
    deadline = time.monotonic() + 240
    while not killed_pid and time.monotonic() < deadline and not batch.done():
        await asyncio.sleep(0.3)
        attempts = read_state(state).get(victim, [])
        if not attempts:
            continue
        bank = LessonBank.open(repo / ".lessonl")
        mine = {l.id for l in bank.lessons() if l.qualified_name == "find_duplicates"}
        if mine:  # round 1 done and banked; round 2 is waiting for its slow reply
            lessons_before = {l.id for l in bank.lessons()}
            killed_pid = attempts[0].pid
            os.kill(killed_pid, signal.SIGKILL)
    assert killed_pid, "the task never reached round 2"
    result = await asyncio.wait_for(batch, 300)

    items = {item.key: item for item in result.items}
    retried = items[victim]
    assert retried.status == "won"  # the retry ran to its end
    assert [a["number"] for a in retried.attempts] == [1, 2]
    assert retried.attempts[0]["pid"] == killed_pid and retried.attempts[0]["status"] == ""
    assert retried.attempts[1]["status"] == "won"
    assert "retried" in retried.message and any("was retried" in w for w in result.warnings)
    assert items[f"{FILE}::moving_average"].status == "won"
    report = Path(result.report_paths["md"]).read_text()
    assert "find_duplicates" in report and "retried" in report
    # Nothing banked before the kill is lost; the retry banked its own rounds on top.
    after = {l.id for l in LessonBank.open(repo / ".lessonl").lessons()}
    assert lessons_before <= after and len(after) > len(lessons_before)


async def test_a_cluster_without_the_timing_resource_is_refused(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    repo = copy_example("python-hotspots", tmp_path)
    with LocalRayCluster(nodes=[1], timing=0.0) as bare:
        with pytest.raises(ConfigError) as caught:
            await run_batch(BatchRequest(repo, targets=TARGETS[:1], overrides=batch_overrides(fake_openai),
                                         ray_address=bare.address))
    assert "lessonl_timing" in caught.value.message and "--resources" in (caught.value.hint or "")


def test_cli_batch_on_ray_from_a_git_commit(cluster: LocalRayCluster, fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    """`lessonl batch --ray ADDRESS --git URL@COMMIT`: the nodes check the commit out themselves
    (in their cache folder) and the report names the node that timed the verdict."""
    repo = copy_example("python-hotspots", tmp_path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "example"]):
        subprocess.run([*git, *argv], cwd=repo, check=True, capture_output=True)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True,
                            text=True).stdout.strip()
    script_batch(fake_openai, "model-a", REPLIES)
    done = subprocess.run(
        [sys.executable, "-m", "lessonl", "batch", f"{FILE}::find_duplicates", "--ray", cluster.address,
         "--git", f"file://{repo}@{commit}", "--rounds", "1", "--agents", "coder-1", "--base-url",
         fake_openai.base_url, "--model", "model-a", "--set", "timing.budget=3", "--set", "timing.max_runs=8",
         "--no-combine", "--json"], cwd=repo, capture_output=True, text=True, timeout=300, env=os.environ.copy())
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads(done.stdout)
    (item,) = data["items"]
    assert item["status"] == "won" and "node " in item["node"] and len(item["attempts"]) == 1
    checkouts = list((cluster.temp / "cache" / "lessonl" / "ray-checkouts").glob("*/.git/lessonl-checkout-done"))
    assert len(checkouts) == 1
    assert (checkouts[0].parent.parent / FILE).read_text() == (repo / FILE).read_text()


def test_git_without_ray_is_a_user_error(tmp_path: Path) -> None:
    repo = copy_example("python-hotspots", tmp_path)
    done = subprocess.run([sys.executable, "-m", "lessonl", "batch", f"{FILE}::find_duplicates", "--git",
                           "https://example.com/r.git@abc123"], cwd=repo, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--git needs --ray" in done.stderr


async def test_ray_tasks_share_the_teams_postgresql_bank(cluster: LocalRayCluster, fake_openai: FakeOpenAI,
                                                   tmp_path: Path, postgres_url: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """With LESSONL_BANK_URL set where the batch starts, every task writes its lessons and results
    to that PostgreSQL bank under the driver's repository id (a shipped copy has no .git and would
    otherwise derive an id of its own)."""
    from lessonl.bankaccess import open_repository_bank, repository_id
    from lessonl.config import load_config

    monkeypatch.setenv("LESSONL_BANK_URL", postgres_url)
    script_batch(fake_openai, "model-a", REPLIES)
    repo = copy_example("python-hotspots", tmp_path)
    batch = await run_batch(BatchRequest(repo, targets=TARGETS, overrides=batch_overrides(fake_openai),
                                         combine=False, ray_address=cluster.address))
    assert {item.status for item in batch.items} == {"won"}
    config = load_config(repo)
    repo_id = repository_id(repo, config.bank)
    bank = open_repository_bank(repo, config.bank)
    try:
        assert sorted(l.qualified_name for l in bank.lessons()) == sorted(REPLIES)
        assert all(bank.latest_result(FILE, name) is not None for name in REPLIES)
    finally:
        close = getattr(bank, "close", None)
        if callable(close):
            close()
    assert repo_id.startswith("local:")  # no git remote: the id kept in the driver's bank folder
    assert LessonBank.open(repo / ".lessonl").lessons() == []  # nothing went to a local bank


async def test_cancel_stops_the_tasks_on_the_cluster(cluster: LocalRayCluster, fake_openai: FakeOpenAI,
                                                     tmp_path: Path) -> None:
    """A cancelled batch cancels its tasks in flight (their workers are stopped, nothing waits for
    the slow model) and reports them cancelled."""
    import psutil

    from lessonl.cancel import CancelToken

    script_batch(fake_openai, "model-a", REPLIES, delay=30.0)  # every reply 30 s late
    repo = copy_example("python-hotspots", tmp_path)
    cancel = CancelToken()
    batch = asyncio.ensure_future(run_batch(BatchRequest(repo, targets=TARGETS, overrides=batch_overrides(fake_openai),
                                                         combine=False, ray_address=cluster.address), cancel=cancel))
    state = repo / ".lessonl" / "batch" / "ray-attempts.json"
    deadline = time.monotonic() + 120
    while len(read_state(state)) < len(TARGETS) and time.monotonic() < deadline:
        await asyncio.sleep(0.3)
    pids = [runs[0].pid for runs in read_state(state).values()]
    assert len(pids) == len(TARGETS), "the tasks never started"
    started = time.monotonic()
    cancel.cancel()
    result = await asyncio.wait_for(batch, 60)
    assert time.monotonic() - started < 20  # not the model's 30 s
    assert result.cancelled and {item.status for item in result.items} == {"cancelled"}
    deadline = time.monotonic() + 15
    while any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids) \
            and time.monotonic() < deadline:
        await asyncio.sleep(0.3)
    assert not [pid for pid in pids if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]


def test_a_repository_too_large_to_ship_is_a_clear_error(cluster: LocalRayCluster, tmp_path: Path) -> None:
    """Ray caps a runtime environment's package (512 MiB; here lowered to 2 MiB for the driver):
    the message says how large it was and what to do, with exit code 2."""
    repo = copy_example("python-hotspots", tmp_path)
    (repo / "blob.bin").write_bytes(os.urandom(3 * 1024 * 1024))
    done = subprocess.run([sys.executable, "-m", "lessonl", "batch", f"{FILE}::find_duplicates", "--ray",
                           cluster.address, "--base-url", "http://127.0.0.1:9/v1", "--model", "m"], cwd=repo,
                          capture_output=True, text=True, timeout=180,
                          env={**os.environ, "RAY_max_grpc_message_size": str(2 * 1024 * 1024)})
    assert done.returncode == 2, done.stderr[-2000:]
    assert "too large to ship" in done.stderr and "Ray takes at most 2.00MiB" in done.stderr
    assert "--git URL@COMMIT" in done.stderr and "Traceback" not in done.stderr


def test_an_address_where_no_cluster_listens_is_said_at_once(tmp_path: Path) -> None:
    from tests.support.ray_cluster import free_port

    repo = copy_example("python-hotspots", tmp_path)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "lessonl", "batch", f"{FILE}::find_duplicates", "--ray",
                           f"127.0.0.1:{free_port()}", "--json"], cwd=repo, capture_output=True, text=True, timeout=120)
    assert time.monotonic() - started < 60
    assert done.returncode == 2
    error = json.loads(done.stdout)["error"]
    assert error["key"] == "--ray" and "cannot join the Ray cluster" in error["message"]
    assert "lessonl_timing" in error["hint"]
