"""The VS Code extension in a real VS Code: code-server 4.100.3 in headless Chromium, driven by
playwright-core (tests/e2e/vscode/driver.mjs), with the real language server and the fake
OpenAI-compatible endpoint over HTTP.

Scenarios: the .vsix installs and activates; an API key typed into "Set API Key" reaches the
endpoint; "Optimize this function" from the code action shows its progress, opens the diff
review; a line typed (and saved) at the top of the file during the review does not stop Accept,
which writes the faster code to disk below it; the hover shows the lesson, the code action
"Show lessons for this function" opens the Lessons view on the function, and the view opens
the function; "Show lessons" on a function without lessons says so, and the command plus
Reject leaves the file and keeps the lessons; the endpoint down gives a readable error, ends
the progress and changes nothing; Python without lessonl gets a one-click private environment
with the bundled wheel; a server that dies at start is explained with a button to its log.
"Profile Benchmark" on the Python example shows the hotspot code lenses; "Optimize Hot Functions
(Batch)" runs the 4 hottest with the scripted model to the report view, whose Accept applies one
win. Every scenario ends with a screenshot; a failing test, whether the driver or a check in Python
failed, keeps them in .e2e/failures/<test>/ (tests/e2e/conftest.py). The successful run
refreshes docs/screenshots/.

Needs node + npm (the set-up script installs code-server into .e2e/ and the Debian packages
chromium libxkbfile-dev libsecret-1-dev libkrb5-dev ripgrep when root); skipped, saying so,
only when node is absent.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.support import cpp_replies as R
from tests.support import python_replies as PY
from tests.support.batch_script import names_function
from tests.support.fake_openai import Body, FakeOpenAI
from tests.support.loop_script import is_lesson

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent / "vscode"
VSIX = REPO / "lessonl.vsix"
DOCS_SHOTS = REPO / "docs" / "screenshots"
NODE = shutil.which("node")
NPM = shutil.which("npm")
LESSON = "Counting each element once (one pass) beats one pass per bin."
TYPED = "// A line typed while the review was open."

pytestmark = [pytest.mark.vscode, pytest.mark.slow,
              pytest.mark.skipif(NODE is None or NPM is None, reason="node and npm are needed (Debian: nodejs npm)")]


def run(cmd: list[str], timeout: float, **kw: Any) -> subprocess.CompletedProcess:
    """A subprocess in its own group, killed whole when it runs past its time."""
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          start_new_session=True, **kw) as proc:
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            pytest.fail(f"{' '.join(cmd)} ran past {timeout} s:\n{out[-3000:]}")
        return subprocess.CompletedProcess(cmd, proc.returncode, out, "")


@pytest.fixture(scope="module")
def code_server() -> Path:
    done = run(["bash", str(HERE / "setup-code-server.sh")], timeout=960, cwd=REPO)
    assert done.returncode == 0, f"setting up code-server failed:\n{done.stdout[-4000:]}"
    entry = REPO / ".e2e" / "code-server" / "out" / "node" / "entry.js"
    assert entry.is_file(), done.stdout[-2000:]
    return entry


def _newest_source() -> float:
    sources = [REPO / "package.json", REPO / ".vscodeignore", REPO / "LICENSE", REPO / "CHANGELOG.md",
               *(REPO / "vscode-client" / "media").iterdir(), *(REPO / "vscode-client" / "src").rglob("*.ts")]
    return max(p.stat().st_mtime for p in sources)


@pytest.fixture(scope="module")
def vsix() -> Path:
    """The .vsix as `npm run package` builds it (rebuilt when the extension's sources are newer)."""
    if not VSIX.exists() or VSIX.stat().st_mtime < _newest_source():
        if not (REPO / "node_modules" / ".package-lock.json").exists():
            done = run([NPM, "ci", "--no-audit", "--no-fund"], timeout=600, cwd=REPO)
            assert done.returncode == 0, done.stdout[-3000:]
        done = run([NPM, "run", "package"], timeout=600, cwd=REPO)
        assert done.returncode == 0, f"npm run package failed:\n{done.stdout[-4000:]}"
    return VSIX


@dataclass
class Editor:
    url: str
    root: Path
    extensions: Path
    install_output: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"code-server exited with status {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"code-server did not listen on port {port} within {timeout} s")


@pytest.fixture(scope="module")
def editor(code_server: Path, vsix: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Editor]:
    """code-server with the .vsix installed, under setsid; its whole process group (extension
    hosts and language servers included) is killed afterwards."""
    root = tmp_path_factory.mktemp("vscode")
    user, extensions, home = root / "user-data", root / "extensions", root / "home"
    (user / "User").mkdir(parents=True)
    home.mkdir()
    (user / "User" / "settings.json").write_text(json.dumps({
        "lessonl.interpreter": sys.executable,
        "workbench.startupEditor": "none", "security.workspace.trust.enabled": False,
        "telemetry.telemetryLevel": "off", "workbench.tips.enabled": False,
        "extensions.ignoreRecommendations": True, "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False, "update.mode": "none", "window.restoreWindows": "none",
    }))
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local" / "share"))
    base = [NODE, str(code_server), "--user-data-dir", str(user), "--extensions-dir", str(extensions)]
    installed = run([*base, "--install-extension", str(vsix)], timeout=120, env=env)
    assert installed.returncode == 0 and "successfully installed" in installed.stdout, installed.stdout
    port = _free_port()
    log = open(root / "code-server.log", "w")
    proc = subprocess.Popen([*base, "--auth", "none", "--bind-addr", f"127.0.0.1:{port}", "--disable-telemetry",
                             "--disable-update-check", "--disable-workspace-trust"],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root, start_new_session=True)
    try:
        _wait_for_port(port, proc)
        yield Editor(f"http://127.0.0.1:{port}", root, extensions, installed.stdout)
    finally:
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(wait)
                time.sleep(0.5)  # children of the group may outlive the leader briefly
            except subprocess.TimeoutExpired:
                continue
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever of the group is left
        except ProcessLookupError:
            pass
        log.close()


def workspace(repo: Path, settings: dict[str, Any]) -> Path:
    """The test's copy of the example, with short timing budgets and folder settings."""
    toml = repo / "lessonl.toml"
    toml.write_text(toml.read_text().replace("[timing]\n", "[timing]\nbudget = 3\nmax_runs = 8\n", 1))
    (repo / ".vscode").mkdir(exist_ok=True)
    (repo / ".vscode" / "settings.json").write_text(json.dumps(settings, indent=2))
    return repo


def drive(editor: Editor, scenario: str, folder: Path, out: Path, *, timeout: float = 240,
          docs: bool = False, **extra: Any) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    config = {"url": editor.url, "folder": str(folder), "report": str(out / f"{scenario}.json"),
              "shots": str(out / "screenshots"), "docsShots": str(DOCS_SHOTS) if docs else None,
              "file": "kernels.cpp", "line": 20, "column": 5, "timeout": timeout, **extra}
    (out / "config.json").write_text(json.dumps(config))
    done = run([NODE, str(HERE / "driver.mjs"), scenario, str(out / "config.json")], timeout=timeout + 180, cwd=HERE)
    report_path = Path(config["report"])
    assert report_path.exists(), f"the driver wrote no report (exit {done.returncode}):\n{done.stdout[-3000:]}"
    report = json.loads(report_path.read_text())
    assert report.get("ok"), (f"scenario {scenario} failed: {report.get('failure')}\n"
                              f"notifications: {report.get('toastsAtFailure')}\n"
                              f"screenshot: {out / 'screenshots' / (scenario + '-failure.png')}\n"
                              f"driver output: {done.stdout[-2000:]}")
    return report


def _vsix_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return z.namelist()


def test_the_vsix_holds_only_what_it_needs_installs_and_activates(editor: Editor, cpp_repo: Path, tmp_path: Path) -> None:
    names = _vsix_names(VSIX)
    assert "extension/out/extension.js" in names and "extension/package.json" in names
    assert any(n.startswith("extension/vscode-client/wheels/lessonl-") and n.endswith(".whl") for n in names)
    assert any(n.startswith("extension/node_modules/vscode-languageclient/") for n in names)
    # the licence, the changelog and the icon, named in the manifest; the wheel's licence too
    assert {"extension/LICENSE.txt", "extension/changelog.md", "extension/vscode-client/media/icon.png"} <= set(names)
    with zipfile.ZipFile(VSIX) as z:
        manifest = z.read("extension.vsixmanifest").decode()
        wheel_name = next(n for n in names if n.endswith(".whl"))
        with zipfile.ZipFile(io.BytesIO(z.read(wheel_name))) as wheel:
            wheel_names = wheel.namelist()
            metadata = wheel.read(next(n for n in wheel_names if n.endswith(".dist-info/METADATA"))).decode()
    assert "<License>extension/LICENSE.txt</License>" in manifest
    assert "<Icon>extension/vscode-client/media/icon.png</Icon>" in manifest
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in wheel_names)
    assert "License-Expression: MIT" in metadata
    leaked = [n for n in names if n.startswith(("extension/out/test/", "extension/vscode-client/src/",
                                                "extension/node_modules/typescript/", "extension/node_modules/playwright-core/",
                                                "extension/tests/", "extension/server/", "extension/.e2e/"))]
    assert leaked == []
    assert (editor.extensions / "lessonl.lessonl-0.1.0" / "out" / "extension.js").is_file()

    report = drive(editor, "activation", workspace(cpp_repo, {}), tmp_path)

    assert {"LessonL: Set API Key", "LessonL: Show Log", "LessonL: Export Lessons…", "LessonL: Import Lessons…",
            "LessonL: Set Up Python Environment", "LessonL: Focus on Lessons View", "LessonL: Profile Benchmark",
            "LessonL: Optimize Hot Functions (Batch)"} <= set(report["commands"])


def _faster_histogram(fake: FakeOpenAI) -> None:
    def answer(body: Body) -> str:
        return LESSON if is_lesson(body) else R.HISTOGRAM_FASTER
    fake.respond(answer)


def test_optimize_from_the_code_action_review_accept_hover_and_lessons_view(
        editor: Editor, cpp_repo: Path, fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    _faster_histogram(fake_openai)
    agents = [{"name": "fake", "endpoint": fake_openai.base_url, "model": "fake-model", "apiKeyEnv": "LESSONL_E2E_KEY"}]
    folder = workspace(cpp_repo, {"lessonl.agents": agents, "lessonl.rounds": 1})
    original = (folder / "kernels.cpp").read_text()
    secret = "sk-e2e-" + os.urandom(6).hex()

    report = drive(editor, "optimize", folder, tmp_path, docs=True, editDuringReview=TYPED,
                   apiKey={"name": "LESSONL_E2E_KEY", "value": secret})

    # The key typed into "Set API Key" reached the endpoint, and no settings file holds it.
    assert "LESSONL_E2E_KEY stored" in report["keyStored"]
    assert {r.headers.get("authorization") for r in fake_openai.chat_requests} == {f"Bearer {secret}"}
    for settings in (folder / ".vscode" / "settings.json", editor.root / "user-data" / "User" / "settings.json"):
        assert secret not in settings.read_text()

    assert report["codeActions"][:2] == ["Rewrite", "Optimize this function (LessonL)"]
    progress = "\n".join(report["progress"])
    assert "round 1/1" in progress and "candidates judged" in progress
    assert report["progressRunning"] >= 1  # a running progress toast is seen as running
    assert "original ↔ proposed" in report["diffTab"] and "× (95% CI" in report["diffTab"]
    assert report["verdictTab"] == ["LessonL: histogram"]
    # the review says what "verified" rests on: the rewrite ran beside the original on every call
    assert report["verdictBehaviour"].startswith("behaviour: matched on "), report["verdictBehaviour"]
    assert "(tests " in report["verdictBehaviour"] and ", benchmark " in report["verdictBehaviour"]
    assert "applied the rewrite of histogram" in report["accepted"]
    assert report["refactorPreviewShown"] is False  # the person confirmed once, in the review
    assert not any("original ↔ proposed" in t for t in report["tabsAfterAccept"])  # the review closed
    # Accept after the edit: the line typed at the top stays, the rewrite lands below it, saved.
    on_disk = (folder / "kernels.cpp").read_text()
    assert on_disk.startswith(TYPED + "\n"), on_disk[:200]
    assert "for (int value : data)" in on_disk and "for (int bin = 0; bin < bins; ++bin)" not in on_disk
    head = original[:original.index("std::vector<int> histogram")]
    assert on_disk[len(TYPED) + 1:].startswith(head)  # nothing else above the function moved
    assert LESSON in report["hover"] and "faster" in report["hover"]
    assert "The optimized version is in place." in report["hover"]
    # "Show lessons for this function" revealed the view on histogram, selected and focused.
    assert report["lessonsRevealed"].startswith("histogram"), report["lessonsRevealed"]
    assert report["lessonsViewFocused"] is True
    rows = report["lessonsView"]
    assert rows[0].startswith("histogram") and "1 lesson" in rows[0]
    assert LESSON in rows[1] and "faster" in rows[1]
    definition = next(i for i, line in enumerate(on_disk.splitlines(), 1) if line.startswith("std::vector<int> histogram"))
    assert report["cursorAfterClick"].startswith(f"Ln {definition},")
    models = {r.model for r in fake_openai.chat_requests}
    assert models == {"fake-model"}
    for name in ("code-action", "diff-review", "lessons-view"):
        assert (DOCS_SHOTS / f"{name}.png").stat().st_size > 10_000


def test_optimize_from_the_command_then_reject_keeps_the_file_and_the_lessons(
        editor: Editor, cpp_repo: Path, fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    _faster_histogram(fake_openai)
    agents = [{"name": "fake", "endpoint": fake_openai.base_url, "model": "fake-model", "apiKeyEnv": ""}]
    folder = workspace(cpp_repo, {"lessonl.agents": agents, "lessonl.rounds": 1})
    original = (folder / "kernels.cpp").read_bytes()

    report = drive(editor, "reject", folder, tmp_path)

    assert "LessonL: no lessons for histogram yet" in report["noLessons"]
    assert "discarded the rewrite of histogram; its 1 lesson(s) are kept" in report["rejected"]
    assert not any("original ↔ proposed" in t for t in report["tabsAfterReject"])
    assert (folder / "kernels.cpp").read_bytes() == original
    assert any(LESSON in row for row in report["lessonsView"])


COUNT_PRIMES_FASTER = '''A sieve marks the multiples of each prime once instead of dividing every number.

```python
def count_primes(limit: int) -> int:
    """Number of primes below `limit`, by trial division against every smaller number."""
    if limit < 3:
        return 0
    sieve = bytearray([1]) * limit
    sieve[0] = sieve[1] = 0
    for n in range(2, int(limit ** 0.5) + 1):
        if sieve[n]:
            sieve[n * n::n] = bytearray(len(range(n * n, limit, n)))
    return sum(sieve)
```
'''


def _python_replies(fake: FakeOpenAI, core: str) -> None:
    """Faster rewrites for three hot functions of the Python example; moving_average gets its own
    text back (no speedup to verify), so the report has a function without a win too."""
    start = core.index("def moving_average")
    unchanged = "```python\n" + core[start:core.index("\ndef ", start + 1)].rstrip() + "\n```\n"
    replies = {"find_duplicates": PY.FIND_DUPLICATES_FASTER, "join_words": PY.JOIN_WORDS_FASTER,
               "count_primes": COUNT_PRIMES_FASTER, "moving_average": unchanged}

    def answer(body: Body) -> str:
        if is_lesson(body):
            return "Use the right data structure: one pass instead of a scan per element."
        return next((reply for name, reply in replies.items() if names_function(body, name)), unchanged)
    fake.respond(answer)


def test_profile_shows_hotspot_lenses_then_a_batch_reports_and_one_win_is_accepted(
        editor: Editor, py_repo: Path, fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    core = py_repo / "hotspots" / "core.py"
    original = core.read_text()
    _python_replies(fake_openai, original)
    agents = [{"name": "fake", "endpoint": fake_openai.base_url, "model": "fake-model", "apiKeyEnv": ""}]
    folder = workspace(py_repo, {"lessonl.agents": agents, "lessonl.rounds": 1})

    report = drive(editor, "hotspotsBatch", folder, tmp_path, docs=True, timeout=420, file="core.py",
                   folderName="hotspots", top=4)

    # Profile Benchmark: the real benchmark under cProfile; a lens over each hot function.
    assert report["lensesBefore"] == []  # no profile yet: a quiet editor
    assert "profiled the benchmark with cprofile" in report["profiled"], report["profiled"]
    hot = [t for t in report["lenses"] if "of benchmark time" in t]
    assert any("LessonL:" in t and "% of benchmark time · Optimize" in t for t in hot), report["lenses"]
    assert (folder / ".lessonl" / "hotspots.json").is_file()
    # The batch of the 4 hottest (by own time: the example's four functions) to its report.
    assert sorted(s.split()[0] for s in report["reportSections"]) == [
        "count_primes", "find_duplicates", "join_words", "moving_average"], report["reportSections"]
    assert report["reportVerdicts"].count("verified win") >= 2, report["reportVerdicts"]
    assert "no verified speedup" in report["reportVerdicts"]
    assert all("× (95% CI" in s for s in report["reportSpeedups"])
    assert report["chartBars"] >= 2 and report["acceptButtons"] >= 2
    assert any("batch optimization" in p or "hottest" in p for p in report["progress"]), report["progress"]
    # Accept of the first win: that function's rewrite is saved, nothing else changed.
    key = report["acceptedKey"]
    name = key.split("::")[1]
    assert f"applied the batch win for {name}" in report["accepted"]
    assert report["acceptedState"] and report["acceptButtonsAfter"] == report["acceptButtons"] - 1
    on_disk = core.read_text()
    assert on_disk != original
    rewritten = {"count_primes": "sieve = bytearray", "find_duplicates": "seen: set[int] = set()",
                 "join_words": "separator.join("}
    assert rewritten[name] in on_disk
    assert [m for n, m in rewritten.items() if n != name and m in on_disk] == []  # one win at a time
    for shot in ("hotspot-lens", "batch-report"):
        assert (DOCS_SHOTS / f"{shot}.png").stat().st_size > 10_000


def _closed_port() -> int:
    port = _free_port()  # nothing listens there once the probe socket is closed
    return port


def test_endpoint_down_gives_a_readable_error_and_changes_nothing(editor: Editor, cpp_repo: Path, tmp_path: Path) -> None:
    agents = [{"name": "down", "endpoint": f"http://127.0.0.1:{_closed_port()}/v1", "model": "fake-model", "apiKeyEnv": ""}]
    folder = workspace(cpp_repo, {"lessonl.agents": agents, "lessonl.rounds": 1, "lessonl.timeouts": {"agent": 5}})
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}

    report = drive(editor, "endpointDown", folder, tmp_path, timeout=180)

    error = report["error"]
    assert "LessonL" in error and "Traceback" not in error
    assert "127.0.0.1" in error or "endpoint" in error.lower() or "connect" in error.lower(), error
    assert report["progressEnded"] is True, report["toasts"]  # the error does not hold the progress
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert after == before


def _python_without_lessonl() -> str | None:
    for candidate in (Path(sys.base_prefix) / "bin" / "python3", Path("/usr/bin/python3")):
        if candidate.exists() and subprocess.run([str(candidate), "-I", "-c", "import lessonl"],
                                                 capture_output=True, timeout=30).returncode != 0:
            return str(candidate)
    return None


def test_python_without_lessonl_gets_a_one_click_private_environment(editor: Editor, cpp_repo: Path, tmp_path: Path) -> None:
    python = _python_without_lessonl()
    if python is None:
        pytest.skip("every Python here has lessonl installed")
    folder = workspace(cpp_repo, {"lessonl.interpreter": python})

    report = drive(editor, "missingLessonl", folder, tmp_path, setUp=True, timeout=420)

    assert f"LessonL is not installed for {python}." in report["error"]
    assert "Set Up Python Environment" in report["error"] and "Show Log" in report["error"]
    # One click made the private environment (pip installs the bundled wheel and its
    # dependencies from the configured package index) and started the server from it.
    assert "setting up Python" in report["setupProgress"]
    assert "LessonL 0.1.0 is installed in its own Python environment." in report["installed"]
    private = editor.root / "user-data" / "User" / "globalStorage" / "lessonl.lessonl" / "python-env" / "bin" / "python"
    assert subprocess.run([str(private), "-c", "import lessonl"], timeout=60).returncode == 0
    assert "Optimize this function (LessonL)" in report["codeActions"]


def test_a_server_that_cannot_start_is_explained_with_a_button_to_its_log(editor: Editor, cpp_repo: Path, tmp_path: Path) -> None:
    # A Python that imports lessonl (the probe passes) but whose server dies at once.
    fake_python = tmp_path / "python-broken-server"
    fake_python.write_text(f"#!/bin/sh\nif [ \"$1\" = \"-c\" ]; then exec {sys.executable} \"$@\"; fi\n"
                           "echo 'lessonl serve: simulated start failure' >&2\nexit 3\n")
    fake_python.chmod(0o755)
    folder = workspace(cpp_repo, {"lessonl.interpreter": str(fake_python)})

    report = drive(editor, "serverStartFails", folder, tmp_path)

    error = report["error"]
    assert "the language server could not start" in error and str(fake_python) in error
    assert "lessonl serve: simulated start failure (exit status 3)" in error  # the server's own words
    assert "Show Log" in error and "Restart" in error
    assert "simulated start failure" in report["log"]
