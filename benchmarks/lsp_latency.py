"""Language server latency with a big bank and a big file, measured through a real client.

Setup: a copy of examples/cpp-kernels plus a generated 5,000-line C++ file (250 functions),
and a lesson bank holding 100,000 lessons (spread over 2,000 functions, 40 of them in the big
file) and a stored result for every function of the big file.
Measured over stdio with pygls' LanguageClient against `python -m lessonl serve`:
  - server start (process spawn) to `initialized` sent, over several starts
  - textDocument/codeAction and textDocument/hover p50/p95/max over many cursor positions
Targets (issue 5): code action and hover p95 < 50 ms, start to initialized < 1 s.

Usage: .venv/bin/python benchmarks/lsp_latency.py [--lessons 100000] [--requests 300]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

REPO = Path(__file__).resolve().parent.parent
SERVER = [sys.executable, "-m", "lessonl", "serve"]
DIRECT = [sys.executable, "-m", "lessonl.lsp"]  # the same server without the CLI dispatcher
FUNCTIONS_IN_BIG_FILE = 250
LINES_PER_FUNCTION = 20


def big_source() -> str:
    parts = ['#include <vector>\n#include <cstdint>\n\n']
    for f in range(FUNCTIONS_IN_BIG_FILE):
        body = [f"// kernel_{f}: a loop nest of the kind people ask LessonL to speed up.\n",
                f"double kernel_{f}(const std::vector<double>& a, int n) {{\n",
                "    double total = 0.0;\n"]
        body += [f"    for (int i{k} = 0; i{k} < n; ++i{k}) {{ total += a[i{k}] * {k + 1}; }}\n"
                 for k in range(LINES_PER_FUNCTION - 5)]
        body += ["    return total;\n", "}\n"]
        parts.append("".join(body))
    text = "".join(parts)
    missing = 5000 - text.count("\n")
    return text + "// padding\n" * max(missing, 0)


def fill_bank(root: Path, lessons: int) -> float:
    from lessonl_store import LessonBank
    from lessonl_store.records import Lesson, StoredResult

    started = time.perf_counter()
    bank = LessonBank.open(root / ".lessonl")
    rng = random.Random(1)
    names = [("big.cpp", f"kernel_{i}") for i in range(40)]
    names += [(f"src/f{i // 50}.cpp", f"fn_{i}") for i in range(2000 - len(names))]
    outcomes = ["faster", "slower", "no_significant_change", "incorrect", "not_compilable"]
    batch = []
    for n in range(lessons):
        file, name = names[n % len(names)]
        outcome = rng.choice(outcomes)
        speedup = round(rng.uniform(0.5, 3.0), 3) if outcome in outcomes[:3] else 0.0
        batch.append(Lesson(text=f"Lesson {n}: hoisting the bound and unrolling by {n % 8 + 1} changed the speed.",
                            outcome=outcome, speedup=speedup, round=n % 4, agent=f"agent-{n % 3}",
                            model=f"model-{n % 3}", file=file, qualified_name=name, function_hash=f"h{n % 97}"))
    add_many = getattr(bank, "add_many", None)
    if add_many is not None:
        add_many(batch)
    else:
        for lesson in batch:
            bank.add(lesson)
    by_function: dict[tuple[str, str], list[str]] = {}
    for lesson in batch:
        by_function.setdefault((lesson.file, lesson.qualified_name), []).append(lesson.id)
    for i in range(FUNCTIONS_IN_BIG_FILE):
        ids = by_function.get(("big.cpp", f"kernel_{i}"), [])[:3]
        bank.save_result(StoredResult(file="big.cpp", qualified_name=f"kernel_{i}", function_hash="x",
                                      improved=True, speedup=1.5, ci=(1.4, 1.6), diff="", new_function_hash=None,
                                      lesson_ids=ids, models=["model-0"], message="", rounds=4, attempts=12))
    if hasattr(bank, "close"):
        bank.close()
    return time.perf_counter() - started


def summary(name: str, samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return (f"{name:<40} n={len(ordered):<5} p50={statistics.median(ordered):7.2f} ms  "
            f"p95={p95:7.2f} ms  max={ordered[-1]:7.2f} ms")


async def start_client(root: Path, command: list[str] = SERVER) -> tuple[LanguageClient, float]:
    client = LanguageClient("lessonl-bench", "1")
    client.feature(types.WINDOW_LOG_MESSAGE)(lambda params: None)
    client.feature(types.WINDOW_SHOW_MESSAGE)(lambda params: None)
    began = time.perf_counter()
    await client.start_io(*command)
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(window=types.WindowClientCapabilities(work_done_progress=True)),
        root_uri=root.as_uri(), workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="bench")]))
    client.initialized(types.InitializedParams())
    elapsed = time.perf_counter() - began
    try:  # CPU the server used to get there: the same on a loaded and an idle machine
        import psutil

        cpu = psutil.Process(client._server.pid).cpu_times()
        client.startup_cpu = cpu.user + cpu.system
    except Exception:
        client.startup_cpu = float("nan")
    return client, elapsed


async def stop_client(client: LanguageClient) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


async def measure(root: Path, requests: int, starts: int) -> None:
    startups = {}
    for label, command in (("lessonl serve", SERVER), ("python -m lessonl.lsp", DIRECT)):
        startup, cpu = [], []
        for _ in range(starts):
            client, seconds = await start_client(root, command)
            startup.append(seconds * 1000)
            cpu.append(client.startup_cpu * 1000)
            await stop_client(client)
        startups[label] = startup
        print(summary(f"start->initialized ({label})", startup))
        print(summary(f"  server CPU until then ({label})", cpu))
    startup = startups["lessonl serve"]

    client, _ = await start_client(root)
    big = root / "big.cpp"
    uri = big.as_uri()
    text = big.read_text()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="cpp", version=1, text=text)))
    lines = [i for i, line in enumerate(text.splitlines()) if line.startswith("    for (")]
    rng = random.Random(2)
    doc = types.TextDocumentIdentifier(uri=uri)

    first = time.perf_counter()
    pos = types.Position(line=lines[0], character=8)
    await client.text_document_code_action_async(types.CodeActionParams(
        text_document=doc, range=types.Range(start=pos, end=pos), context=types.CodeActionContext(diagnostics=[])))
    print(f"{'first code action':<22} {1000 * (time.perf_counter() - first):.1f} ms (parse + config)")

    actions, hovers = [], []
    for _ in range(requests):
        pos = types.Position(line=rng.choice(lines), character=8)
        t = time.perf_counter()
        got = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=doc, range=types.Range(start=pos, end=pos),
            context=types.CodeActionContext(diagnostics=[])))
        actions.append(1000 * (time.perf_counter() - t))
        assert got and len(got) == 2, got
        t = time.perf_counter()
        shown = await client.text_document_hover_async(types.HoverParams(text_document=doc, position=pos))
        hovers.append(1000 * (time.perf_counter() - t))
        assert shown is not None and "LessonL" in shown.contents.value
    print(summary("textDocument/codeAction", actions))
    print(summary("textDocument/hover", hovers))
    await stop_client(client)
    ok = (sorted(actions)[int(0.95 * len(actions)) - 1] < 50 and sorted(hovers)[int(0.95 * len(hovers)) - 1] < 50
          and max(startup) < 1000)
    print("targets (p95 < 50 ms, start < 1 s):", "met" if ok else "NOT met")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    work = Path(tempfile.mkdtemp(prefix="lessonl-lsp-bench-"))
    try:
        os.environ["XDG_CACHE_HOME"] = str(work / "cache")
        root = work / "cpp-kernels"
        shutil.copytree(REPO / "examples" / "cpp-kernels", root,
                        ignore=shutil.ignore_patterns("*.o", "bench", "test_kernels", ".lessonl"))
        (root / "big.cpp").write_text(big_source())
        print(f"source: big.cpp, {(root / 'big.cpp').read_text().count(chr(10))} lines, "
              f"{FUNCTIONS_IN_BIG_FILE} functions")
        seconds = fill_bank(root, args.lessons)
        print(f"bank: {args.lessons} lessons + {FUNCTIONS_IN_BIG_FILE} results written in {seconds:.1f} s")
        asyncio.run(measure(root, args.requests, args.starts))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
