"""A real local Ray cluster for the Ray batch tests and benchmarks.

`LocalRayCluster(nodes=[1, 1])` starts one `ray start --head --block` node and, for each further
entry, one `ray start --address=... --block` node on this machine, each with that many CPUs and
the custom resource `lessonl_timing: 1` (what a LessonL node declares, see docs/design.md). Each
node runs in its own process group with a short temporary folder (Ray's unix sockets live under
it, and a socket path may not exceed 107 bytes) and its own free ports, so a second cluster or
another user's Ray is never touched: stopping sends SIGTERM to our `ray start` processes and then
SIGKILL to every process they started (raylet, GCS, workers: Ray puts workers in sessions of
their own, so the process group alone would miss them). `ray stop` is never used: it stops every
Ray process of the machine.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

import psutil

RAY = Path(sys.executable).with_name("ray")
OBJECT_STORE_BYTES = 80 * 1024 * 1024  # the tasks pass small records; Ray's default is 30% of RAM
START_TIMEOUT_S = 90.0


def ray_available() -> str | None:
    """None when Ray can be used here, else why not (the tests skip with that reason)."""
    try:
        import ray  # noqa: F401
    except ImportError:
        return "ray is not installed (dev/setup --all, or bash dev/install-ray.sh)"
    if not RAY.exists():
        return f"the ray command is missing next to {sys.executable}"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalRayCluster:
    def __init__(self, nodes: Sequence[int] = (2,), timing: float = 1.0,
                 env: dict[str, str] | None = None) -> None:
        self.node_cpus = list(nodes)
        self.timing = timing
        self.temp = Path(tempfile.mkdtemp(prefix="rl", dir="/tmp"))  # short: socket paths
        # The workers' environment comes from `ray start`, not from the driver: their scratch
        # copies go to the cluster's own cache folder unless told otherwise.
        self.env = {"XDG_CACHE_HOME": str(self.temp / "cache"), **(env or {})}
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.starters: list[subprocess.Popen[bytes]] = []
        self.started_s = 0.0

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> "LocalRayCluster":
        began = time.monotonic()
        try:
            for index, cpus in enumerate(self.node_cpus):
                self._start_node(index, cpus)
                self._wait_for_nodes(index + 1)
        except BaseException:
            self.stop()
            raise
        self.started_s = time.monotonic() - began
        return self

    def _start_node(self, index: int, cpus: int) -> None:
        ports = ["--node-manager-port", str(free_port()), "--object-manager-port", str(free_port()),
                 "--metrics-export-port", str(free_port()), "--runtime-env-agent-port", str(free_port()),
                 "--dashboard-agent-grpc-port", str(free_port()),
                 "--dashboard-agent-listen-port", str(free_port()),
                 "--min-worker-port", "0", "--max-worker-port", "0"]
        common = [f"--num-cpus={cpus}", "--resources=" + (f'{{"lessonl_timing": {self.timing}}}' if self.timing else "{}"),
                  f"--object-store-memory={OBJECT_STORE_BYTES}", "--disable-usage-stats",
                  "--node-ip-address=127.0.0.1", "--block", *ports]
        if index == 0:
            command = [str(RAY), "start", "--head", f"--port={self.port}", f"--temp-dir={self.temp}",
                       "--include-dashboard=false", *common]
        else:
            command = [str(RAY), "start", f"--address={self.address}", *common]
        log = open(self.temp / f"start-{index}.log", "wb")
        env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", **self.env}
        self.starters.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                              start_new_session=True))
        log.close()

    def _wait_for_nodes(self, count: int) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            for index, starter in enumerate(self.starters):
                if starter.poll() is not None:
                    raise RuntimeError(f"ray start (node {index}) exited with {starter.returncode}:\n"
                                       f"{self.log(index)[-3000:]}")
            started = all("Ray runtime started" in self.log(i) for i in range(count))
            if started and self.alive_nodes() >= count:
                return
            time.sleep(0.3)
        raise RuntimeError(f"the local Ray cluster did not reach {count} nodes in {START_TIMEOUT_S:.0f} s:\n"
                           f"{self.log(len(self.starters) - 1)[-3000:]}")

    def alive_nodes(self) -> int:
        probe = subprocess.run(
            [sys.executable, "-c", _COUNT_NODES, self.address], capture_output=True, text=True, timeout=60,
            env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"})
        try:
            return int(probe.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return 0

    def log(self, index: int) -> str:
        path = self.temp / f"start-{index}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def processes(self) -> list[psutil.Process]:
        """Every process our `ray start` commands started (raylets, GCS, workers, agents)."""
        found: dict[int, psutil.Process] = {}
        for starter in self.starters:
            try:
                root = psutil.Process(starter.pid)
                for proc in [root, *root.children(recursive=True)]:
                    found[proc.pid] = proc
            except psutil.NoSuchProcess:
                continue
        return list(found.values())

    def worker_pids(self) -> list[int]:
        """Ray worker processes (their title starts with "ray::")."""
        pids = []
        for proc in self.processes():
            try:
                if proc.cmdline() and proc.cmdline()[0].startswith("ray::"):
                    pids.append(proc.pid)
            except psutil.Error:
                continue
        return pids

    def stop(self) -> None:
        procs = self.processes()
        for starter in self.starters:
            if starter.poll() is None:
                try:
                    os.killpg(starter.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        _, alive = psutil.wait_procs(procs, timeout=3)  # Ray's own shutdown is slow
        for proc in alive:
            try:
                proc.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(alive, timeout=5)
        for starter in self.starters:
            try:
                starter.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.starters.clear()
        shutil.rmtree(self.temp, ignore_errors=True)

    def __enter__(self) -> "LocalRayCluster":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# Counts the live nodes from a separate process: a driver's ray.init would stay bound to this
# process (and to the first cluster it joined) for the rest of the test session.
_COUNT_NODES = """
import sys, ray
ray.init(address=sys.argv[1], logging_level="ERROR", log_to_driver=False)
print(sum(1 for n in ray.nodes() if n.get("Alive")))
"""
