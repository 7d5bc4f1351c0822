"""`lessonl lessons ...` on a real bank in a real repository."""
import json
import shutil
from pathlib import Path

from lessonl.cli import main
from lessonl_store import LessonBank

from .conftest import lesson

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "cpp-kernels"


def repo_with_lessons(tmp_path):
    shutil.copy(EXAMPLE / "lessonl.toml", tmp_path)
    with LessonBank.open(tmp_path / ".lessonl") as bank:
        best = bank.add(lesson("Swap j and k.", speedup=3.0, name="matmul", file="kernels.cpp"))
        bank.add(lesson("Off by one.", speedup=0.0, outcome="incorrect", name="histogram", file="kernels.cpp"))
    return tmp_path, best


def test_list_best_first_and_json(tmp_path, capsys):
    repo, best = repo_with_lessons(tmp_path)
    assert main(["lessons", "--repo", str(repo), "list"]) == 0
    out = capsys.readouterr().out
    assert out.index("Swap j and k.") < out.index("Off by one.")
    assert main(["lessons", "--repo", str(repo), "list", "--json", "--outcome", "incorrect"]) == 0
    assert [l["text"] for l in json.loads(capsys.readouterr().out)] == ["Off by one."]


def test_show_stats_export_import_prune(tmp_path, capsys):
    repo, best = repo_with_lessons(tmp_path)
    assert main(["lessons", "--repo", str(repo), "show", best.id]) == 0
    assert "Swap j and k." in capsys.readouterr().out
    assert main(["lessons", "--repo", str(repo), "stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["by_outcome"] == {"faster": 1, "incorrect": 1}
    export = tmp_path / "team.jsonl"
    assert main(["lessons", "--repo", str(repo), "export", str(export)]) == 0
    assert main(["lessons", "--repo", str(repo), "import", str(export)]) == 0
    assert "skipped 2 duplicates" in capsys.readouterr().out
    assert main(["lessons", "--repo", str(repo), "prune", "--outcome", "incorrect"]) == 0
    assert "deleted 1 lessons" in capsys.readouterr().out


def test_errors_are_one_line_with_a_hint(tmp_path, capsys):
    repo, _ = repo_with_lessons(tmp_path)
    assert main(["lessons", "--repo", str(repo), "show", "nope"]) == 2
    assert "lessonl lessons list" in capsys.readouterr().err
    assert main(["lessons", "--repo", str(repo), "prune"]) == 2
    elsewhere = tmp_path.parent / (tmp_path.name + "-no-config")
    elsewhere.mkdir()
    assert main(["lessons", "--repo", str(elsewhere), "list"]) == 2
    assert "lessonl init" in capsys.readouterr().err
