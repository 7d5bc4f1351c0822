"""A batch's functions as Ray tasks on an existing cluster (`lessonl batch --ray ADDRESS`, issue 14).

One task per function. The repository travels as the tasks' Ray runtime environment (its
`working_dir`, without `.git`, the lesson bank and `[scratch] exclude`; Ray also honours
`.gitignore`), or each node checks out `--git URL@COMMIT` itself. A task runs `run_function` on
its node, which makes its own scratch copies there like any local job, and writes lessons and
results to the shared bank: `[bank] url` (PostgreSQL) for a cluster of several machines, or the
driver's bank folder, which tasks on the driver's machine share. The loop selects lessons from
the bank anew every round, so what one task banks is in the next round's selection of the others.

Honest timing: every node that runs LessonL declares the custom resource `lessonl_timing: 1`
(`ray start --resources='{"lessonl_timing": 1}'`). A task asks for a small share of it
(TIMING_SHARE), so tasks land only on nodes that declared it, as many at once as the node's CPUs
allow; builds, tests and LLM calls of those tasks overlap freely, and their timing phases take the
judge's machine-wide lock (lessonl.judge.scratch.timing_lock_path), so a node times one candidate
at a time (two Ray nodes on one machine also share that lock). A node without the resource (a
GPU box, a busy head) gets no LessonL task. Each outcome says which node timed its verdicts.

Faults: Ray retries a task whose worker died (kill -9, a lost node) up to `retries` times;
each attempt first registers with a ledger actor (node, pid, attempt number), so the report says
which functions were retried and where, and a task that failed every attempt is reported
`failed`, never dropped. A dead attempt loses only its unfinished candidate: lessons and results
are written to the bank as each candidate is judged.

Ray is optional: this module imports `ray` only inside functions; without it `--ray` is a
ToolMissingError naming the extra to install.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from ..cancel import CancelToken
from ..config.loader import deep_merge
from ..errors import ConfigError, LessonLError, ToolMissingError
from .batch_request import FunctionJob, FunctionOutcome

RESOURCE = "lessonl_timing"
TIMING_SHARE = 0.01  # of a node's lessonl_timing per task: nodes that declared it, many tasks each
DEFAULT_RETRIES = 2  # Ray re-runs a task whose worker died this many times
POLL_S = 0.5
LEDGER_NAMESPACE = "lessonl"


@dataclass
class RayOptions:
    """How a batch uses the cluster. `git` = "URL@COMMIT": nodes check that commit out instead
    of receiving the repository as a runtime environment. `cpus`: CPUs a task reserves (its
    builds and tests run on them; more tasks than CPUs wait)."""

    address: str
    git: str | None = None
    retries: int = DEFAULT_RETRIES
    cpus: float = 1.0


@dataclass
class Attempt:
    """One run of a function's task on a node, as the ledger recorded it."""

    key: str
    number: int  # 1, 2, ...
    node: str
    pid: int
    started: float
    ended: float | None = None
    status: str = ""  # the outcome's status; "" while running or when its worker died

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RayRun:
    """What the cluster did: an outcome per job (in job order) and every attempt per function."""

    outcomes: list[FunctionOutcome]
    attempts: dict[str, list[Attempt]] = field(default_factory=dict)
    nodes: int = 0
    warnings: list[str] = field(default_factory=list)

    def retried(self) -> dict[str, list[Attempt]]:
        return {k: a for k, a in self.attempts.items() if len(a) > 1}


# ---- the ledger: where each attempt registers (a Ray actor, created by the driver) ---------------
class Ledger:
    """Counts attempts per function. Lives in one actor for the length of a batch; the driver
    reads it to say which tasks were retried, on which nodes, and which worker runs what."""

    def __init__(self) -> None:
        self.attempts: dict[str, list[dict[str, Any]]] = {}

    def begin(self, key: str, node: str, pid: int) -> int:
        runs = self.attempts.setdefault(key, [])
        runs.append({"key": key, "number": len(runs) + 1, "node": node, "pid": pid, "started": time.time(),
                     "ended": None, "status": ""})
        return len(runs)

    def end(self, key: str, number: int, status: str) -> None:
        run = self.attempts[key][number - 1]
        run["ended"], run["status"] = time.time(), status

    def records(self) -> dict[str, list[dict[str, Any]]]:
        return self.attempts


# ---- what a task runs on its node -------------------------------------------------------------
def node_label() -> str:
    """Host, IP and Ray node id: two Ray nodes on one host differ by the id."""
    import ray

    node_id = ray.get_runtime_context().get_node_id() or ""
    return f"{socket.gethostname()} ({ray.util.get_node_ip_address()}, node {node_id[:8]})"


def run_task(job: FunctionJob, source: Mapping[str, Any], bank: Mapping[str, Any], ledger: Any) -> FunctionOutcome:
    """The body of a function's Ray task: register the attempt, find the repository on this
    node, run the one loop with the shared bank, report where it ran."""
    import ray

    from .batch_run import run_function

    node = node_label()
    number = 0
    try:
        number = int(ray.get(ledger.begin.remote(job.key, node, os.getpid()), timeout=60))
    except Exception:  # noqa: BLE001 - the ledger only counts; the function still runs
        pass
    try:
        root = materialize(source)
    except LessonLError as exc:
        outcome = FunctionOutcome(job.file, job.qualified_name, "failed", message=exc.message,
                                  error={"message": exc.message, "hint": exc.hint}, exit_code=2, node=node)
    else:
        overrides = deep_merge(job.overrides or {}, {"bank": dict(bank)})
        outcome = run_function(replace(job, root=str(root), overrides=overrides))
        outcome.node = node
    if number:
        try:
            ray.get(ledger.end.remote(job.key, number, outcome.status), timeout=60)
        except Exception:  # noqa: BLE001
            pass
    return outcome


def materialize(source: Mapping[str, Any]) -> Path:
    """The repository root on this node: the runtime environment's working_dir (the task's
    current folder), or a checkout of the commit, kept per node and reused by later tasks."""
    sub = str(source.get("subdir") or "")
    if source.get("kind") == "working_dir":
        return (Path.cwd() / sub).resolve()
    return git_checkout(str(source["url"]), str(source["commit"])) / sub


def git_checkout(url: str, commit: str) -> Path:
    """`url` at `commit` under the cache folder, checked out once per node (a file lock keeps two
    tasks from cloning at once). The scratch copies are made from it as from any repository."""
    from ..cachedir import cache_home
    from ..judge.locks import FileLock

    digest = hashlib.sha256(f"{url}\0{commit}".encode()).hexdigest()[:16]
    target = cache_home() / "ray-checkouts" / digest
    done = target / ".git" / "lessonl-checkout-done"
    lock = FileLock(target.with_name(digest + ".lock"))
    while not lock.try_acquire():
        time.sleep(0.1)
    try:
        if done.exists():
            return target
        partial = target.with_name(digest + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        _git(["git", "clone", "--quiet", "--no-checkout", url, str(partial)], None)
        _git(["git", "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", commit], partial)
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
        done.touch()
        return target
    finally:
        lock.release()


def _git(argv: list[str], cwd: Path | None) -> None:
    from ..procs import run

    result = asyncio.run(run(argv, cwd=cwd or Path.cwd(), timeout=600))
    if result.rc != 0:
        raise ConfigError(f"{' '.join(argv[:3])} failed on this node: {(result.stderr or result.stdout).strip()[-500:]}",
                          key="--git", hint="every node needs git and read access to the repository URL")


# ---- the driver ---------------------------------------------------------------------------------
def parse_git(spec: str) -> tuple[str, str]:
    """"URL@COMMIT" -> (URL, COMMIT); the last @ splits (URLs like git@host:repo keep theirs)."""
    url, at, commit = spec.rpartition("@")
    if not at or not url or not commit or "/" in commit or ":" in commit:
        raise ConfigError(f"--git wants URL@COMMIT, not {spec!r}", key="--git",
                          hint="e.g. --git https://example.com/team/repo.git@4f2a9c1 (a commit every node can fetch)")
    return url, commit


def source_for(root: Path, options: RayOptions, exclude: Sequence[str], bank_dir: Path | None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(what the task gets to find the repository, the runtime environment shipping it or None)."""
    if options.git:
        url, commit = parse_git(options.git)
        return {"kind": "git", "url": url, "commit": commit, "subdir": _git_subdir(root)}, None
    excludes = [".git", ".git/", *exclude]
    if bank_dir is not None:
        try:
            excludes.append("/" + bank_dir.resolve().relative_to(root).as_posix() + "/")
        except ValueError:
            pass
    return {"kind": "working_dir", "subdir": ""}, {"working_dir": str(root), "excludes": excludes}


def _git_subdir(root: Path) -> str:
    """`root` relative to the top of its git work tree (a project in a subfolder of a repository)."""
    try:
        top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    if not top:
        return ""
    rel = root.resolve().relative_to(Path(top).resolve()).as_posix()
    return "" if rel == "." else rel


def bank_settings(root: Path, config: Any) -> tuple[dict[str, Any], Path | None]:
    """What every task's [bank] becomes. A shared bank (LESSONL_BANK_URL or [bank] url): the
    repository id the driver sees, fixed for all nodes (a shipped copy has no .git, so a node
    would derive another id and its lessons would land apart); the URL itself reaches the
    nodes as it reached the driver (the repository's file, or LESSONL_BANK_URL passed in the
    runtime environment). A local bank: the driver's folder as an absolute path, shared by the
    tasks on this machine."""
    from ..bankaccess import bank_folder, bank_target, repository_id

    target = bank_target(root, config.bank)
    if isinstance(target, str):
        return {"repository": repository_id(root, config.bank)}, None
    path = Path(bank_folder(root, config.bank)).resolve()
    return {"path": str(path)}, path


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ToolMissingError("--ray needs Ray installed where lessonl runs", key="--ray",
                               hint="pip install 'lessonl[ray]' (every node of the cluster needs lessonl and ray)") from None
    return ray


async def run_on_ray(jobs: Sequence[FunctionJob], options: RayOptions, *, root: Path, config: Any,
                     on_outcome: Callable[[FunctionJob, FunctionOutcome, list[Attempt]], None] | None = None,
                     on_attempt: Callable[[Attempt], None] | None = None,
                     cancel: CancelToken | None = None, state_path: Path | None = None) -> RayRun:
    """Run `jobs` as Ray tasks on the cluster at `options.address`; callbacks run on the caller's
    event loop as outcomes arrive and attempts start. Raises for the batch as a whole (Ray missing,
    cluster unreachable, no node with the resource, repository too large to ship)."""
    loop = asyncio.get_running_loop()
    cancel = cancel or CancelToken()

    def hop(callback: Callable[..., None] | None) -> Callable[..., None] | None:
        if callback is None:
            return None
        return lambda *args: loop.call_soon_threadsafe(callback, *args)

    driver = _Driver(list(jobs), options, root, config, hop(on_outcome), hop(on_attempt), cancel, state_path)
    return await asyncio.to_thread(driver.run)


class _Driver:
    def __init__(self, jobs: list[FunctionJob], options: RayOptions, root: Path, config: Any,
                 on_outcome: Callable[..., None] | None, on_attempt: Callable[..., None] | None,
                 cancel: CancelToken, state_path: Path | None) -> None:
        self.jobs, self.options, self.root, self.config = jobs, options, root.resolve(), config
        self.on_outcome, self.on_attempt, self.cancel, self.state_path = on_outcome, on_attempt, cancel, state_path
        self.attempts: dict[str, list[Attempt]] = {}
        self.warnings: list[str] = []

    def run(self) -> RayRun:
        ray = _import_ray()
        bank, bank_dir = bank_settings(self.root, self.config)
        source, runtime_env = source_for(self.root, self.options, list(self.config.scratch.exclude),
                                         Path(self.config.bank_path))
        env_vars = {name: os.environ[name] for name in ("LESSONL_BANK_URL",) if os.environ.get(name)}
        if env_vars:
            runtime_env = {**(runtime_env or {}), "env_vars": env_vars}
        _probe(self.options)
        if ray.is_initialized():
            ray.shutdown()
        # Joined from a worker thread on purpose: in the main thread ray.init would replace the
        # CLI's SIGTERM handling (lessonl.cli.stopping) with its own sys.exit. Its warning about
        # that, and its other start-up chatter, are below ERROR.
        try:
            ray.init(address=self.options.address, namespace=LEDGER_NAMESPACE, runtime_env=runtime_env,
                     logging_level="ERROR", log_to_driver=False)
        except Exception as exc:  # noqa: BLE001 - Ray's errors here are all about the cluster or the package
            if "exceeds the maximum size" in str(exc):
                raise _too_large(exc) from None
            if isinstance(exc, ray.exceptions.RuntimeEnvSetupError):
                raise ConfigError(f"the repository could not be shipped to the Ray cluster: {_first_line(exc)}",
                                  key="--ray", hint="or let the nodes check the commit out: --git URL@COMMIT") from None
            if isinstance(exc, (ConnectionError, RuntimeError, ValueError, TimeoutError)):
                raise _unreachable(self.options, exc) from None
            raise
        try:
            return self._run(ray, source, bank, bank_dir)
        finally:
            ray.shutdown()

    def _run(self, ray: Any, source: dict[str, Any], bank: dict[str, Any], bank_dir: Path | None) -> RayRun:
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        timing_nodes = [n for n in nodes if (n.get("Resources") or {}).get(RESOURCE, 0) >= TIMING_SHARE]
        if not timing_nodes:
            raise ConfigError(f"no node of the Ray cluster at {self.options.address} offers the {RESOURCE} resource",
                              key="--ray", hint=f"start each LessonL node with ray start ... --resources='{{\"{RESOURCE}\": 1}}'")
        if bank_dir is not None and len({n.get("NodeManagerAddress") for n in timing_nodes}) > 1:
            self.warnings.append(f"the lesson bank is the folder {bank_dir}: tasks on other machines write to their "
                                 "own folder of that name; set [bank] url (PostgreSQL) to share one bank")
        ledger = ray.remote(num_cpus=0)(Ledger).remote()
        task = ray.remote(run_task)
        pending: dict[Any, FunctionJob] = {}
        for job in self.jobs:
            ref = task.options(name=f"lessonl {job.key}", num_cpus=self.options.cpus,
                               resources={RESOURCE: TIMING_SHARE}, max_retries=max(0, int(self.options.retries)),
                               retry_exceptions=False).remote(job, source, bank, ledger)
            pending[ref] = job
        outcomes: dict[str, FunctionOutcome] = {}
        last_poll = 0.0
        while pending:
            if self.cancel.cancelled:
                for ref in pending:
                    ray.cancel(ref, force=True)
                self._poll(ray, ledger)
                for job in pending.values():
                    outcome = FunctionOutcome(job.file, job.qualified_name, "cancelled",
                                              message="cancelled: the batch was cancelled", exit_code=130)
                    outcomes[job.key] = outcome
                    if self.on_outcome is not None:
                        self.on_outcome(job, outcome, list(self.attempts.get(job.key, [])))
                pending.clear()
                break
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=POLL_S)
            if time.monotonic() - last_poll >= POLL_S or ready:
                self._poll(ray, ledger)
                last_poll = time.monotonic()
            for ref in ready:
                job = pending.pop(ref)
                outcome = self._outcome(ray, ref, job)
                outcomes[job.key] = outcome
                if self.on_outcome is not None:
                    self.on_outcome(job, outcome, list(self.attempts.get(job.key, [])))
        self._poll(ray, ledger)
        return RayRun(outcomes=[outcomes[j.key] for j in self.jobs], attempts=dict(self.attempts),
                      nodes=len(timing_nodes), warnings=self.warnings)

    def _outcome(self, ray: Any, ref: Any, job: FunctionJob) -> FunctionOutcome:
        try:
            outcome = ray.get(ref)
        except ray.exceptions.TaskCancelledError:
            return FunctionOutcome(job.file, job.qualified_name, "cancelled", message="cancelled", exit_code=130)
        except ray.exceptions.RayError as exc:
            tries = max(1, int(self.options.retries) + 1)
            kind = type(exc).__name__
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else kind
            return FunctionOutcome(job.file, job.qualified_name, "failed", exit_code=3,
                                   message=f"the Ray task failed in all {tries} attempts ({kind}: {first[:300]})",
                                   error={"message": f"{kind}: {first[:300]}"})
        return outcome

    def _poll(self, ray: Any, ledger: Any) -> None:
        try:
            records = ray.get(ledger.records.remote(), timeout=30)
        except Exception as exc:  # noqa: BLE001 - the ledger is bookkeeping; say so once
            note = f"the Ray attempt ledger could not be read ({type(exc).__name__}); retries may be uncounted"
            if note not in self.warnings:
                self.warnings.append(note)
            return
        for key, runs in records.items():
            known = self.attempts.setdefault(key, [])
            for index, run in enumerate(runs):
                attempt = Attempt(**run)
                if index < len(known):
                    known[index] = attempt
                    continue
                known.append(attempt)
                if self.on_attempt is not None:
                    self.on_attempt(attempt)
        if self.state_path is not None:
            write_state(self.state_path, self.attempts)


def write_state(path: Path, attempts: Mapping[str, list[Attempt]]) -> None:
    """The attempts so far as JSON (atomically replaced): which worker runs which function now."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {key: [a.to_json() for a in runs] for key, runs in attempts.items()}
    partial = path.with_name(path.name + f".{os.getpid()}.{threading.get_ident()}.tmp")
    partial.write_text(json.dumps(data, indent=1))
    os.replace(partial, path)


def read_state(path: Path) -> dict[str, list[Attempt]]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {key: [Attempt(**run) for run in runs] for key, runs in data.items()}


def describe_attempts(attempts: Sequence[Attempt]) -> str:
    """"attempt 1 on HOST (...) died; attempt 2 on HOST (...): won" for the report."""
    parts = []
    for attempt in attempts:
        if attempt.status:
            parts.append(f"attempt {attempt.number} on {attempt.node}: {attempt.status.replace('_', ' ')}")
        else:
            parts.append(f"attempt {attempt.number} on {attempt.node} (pid {attempt.pid}) did not finish "
                         "(its worker died)")
    return "; ".join(parts)


def _unreachable(options: RayOptions, exc: BaseException) -> ConfigError:
    return ConfigError(f"cannot join the Ray cluster at {options.address}: {str(exc).strip()[:300]}", key="--ray",
                       hint="start one with ray start --head --resources='{\"lessonl_timing\": 1}' and pass the "
                            "address it prints (HOST:PORT)")


def _probe(options: RayOptions) -> None:
    """A HOST:PORT where nothing listens is said at once: ray.init would retry it for minutes."""
    host, colon, port = options.address.rpartition(":")
    if not colon or not port.isdigit() or "://" in options.address:
        return  # "auto", ray://...: Ray's own resolution
    try:
        socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=5).close()
    except OSError as exc:
        raise _unreachable(options, exc) from None


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith("Failed to set up runtime environment")]
    return (useful or lines or [type(exc).__name__])[0][:400]


def _too_large(exc: BaseException) -> ConfigError:
    found = re.search(r"Package size \(([^)]*)\) exceeds the maximum size of ([0-9.]+ ?[KMG]i?B)", str(exc))
    size = f" ({found.group(1)}, Ray takes at most {found.group(2)})" if found else ""
    return ConfigError(f"the repository is too large to ship as a Ray runtime environment{size}",
                       key="--ray", hint="leave large files out with [scratch] exclude, .gitignore or .rayignore, "
                                         "or let the nodes check the commit out: --git URL@COMMIT")
