"""`lessonl functions FILE [--json]`, run as a real process."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "code"


def lessonl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lessonl", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def test_table_lists_qualified_names_spans_and_specs(tmp_path: Path):
    shutil.copy(FIXTURES / "linalg.cpp", tmp_path / "linalg.cpp")
    result = lessonl("functions", "linalg.cpp", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(l.split()[:2] == ["124-132", "linalg::Matrix::trace"] and l.endswith("linalg.cpp::linalg::Matrix::trace@124")
               for l in lines)
    assert sum("linalg::matmul" in l for l in lines) == 2


def test_json_output_has_spans_and_no_source_text(tmp_path: Path):
    shutil.copy(FIXTURES / "hotspots.py", tmp_path / "hotspots.py")
    result = lessonl("functions", "hotspots.py", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    by_name = {r["qualified_name"]: r for r in rows}
    rank = by_name["TextIndex.search.rank"]
    assert rank["spec"] == f"hotspots.py::TextIndex.search.rank@{rank['start_line']}"
    assert rank["language"] == "python" and rank["end_line"] >= rank["start_line"]
    assert "text" not in rank and len(rank["text_hash"]) == 64
    assert "größte_wörter" in by_name


def test_unsupported_missing_and_undecodable_files_are_clear_errors(tmp_path: Path):
    (tmp_path / "main.rs").write_text("fn main() {}\n")
    result = lessonl("functions", "main.rs", cwd=tmp_path)
    assert result.returncode == 2 and "main.rs: LessonL cannot optimize .rs files" in result.stderr
    assert ".cpp" in result.stderr and "Traceback" not in result.stderr
    result = lessonl("functions", "nowhere.cpp", cwd=tmp_path)
    assert result.returncode == 2 and "nowhere.cpp: no such file" in result.stderr
    result = lessonl("functions", ".", cwd=tmp_path)
    assert result.returncode == 2 and "is a folder" in result.stderr


def test_a_latin1_file_is_listed(tmp_path: Path):
    (tmp_path / "latin1.c").write_bytes(b"/* caf\xe9 */\nint f(void) { return 1; }\n")
    result = lessonl("functions", "latin1.c", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [r["qualified_name"] for r in json.loads(result.stdout)] == ["f"]
