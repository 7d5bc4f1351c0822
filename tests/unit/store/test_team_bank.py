"""The shared bank: both banks behave alike (the `bank` fixture runs each test on diskcache and
on a real PostgreSQL), writers on several processes lose nothing, retried results count once,
repositories stay apart unless shared, and the CLI migrates and copies between banks."""
from __future__ import annotations

import json
import multiprocessing
import random
import shutil
import uuid
from pathlib import Path

import pytest

import lessonl.storewiring  # noqa: F401
from lessonl.cli import main
from lessonl.config import load_config
from lessonl.errors import BankError, ConfigError
from lessonl_store import LessonBank, Provenance, StoredResult, make_relevance, open_bank
from lessonl_store.records import Lesson

from .conftest import lesson

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "cpp-kernels"


def result(key: str = "", **kw) -> StoredResult:
    fields = dict(file="k.cpp", qualified_name="matmul", function_hash="h", improved=True, speedup=2.0, ci=(1.8, 2.2),
                  diff="-a\n+b", new_function_hash="nh", lesson_ids=[], models=["m"], message="", rounds=1,
                  attempts=2, key=key)
    fields.update(kw)
    return StoredResult(**fields)


# -- shared behaviour (both banks) --------------------------------------------------------------

def test_a_retried_result_is_stored_once(bank):
    assert bank.save_result(result(key="batch-7/k.cpp::matmul")) is True
    assert bank.save_result(result(key="batch-7/k.cpp::matmul")) is False  # the retry: a new id, same key
    assert bank.save_result(result()) is True  # no key: the id is the key
    assert len(bank.results_for("k.cpp", "matmul")) == 2
    assert bank.latest_result("x.cpp", "other", function_hash="nh") is not None  # found by the accepted code


def test_usage_and_effectiveness_are_counted_in_the_store(bank):
    a = bank.add(lesson("Swap the loops.", speedup=1.5))
    bank.mark_used([a.id, a.id])  # one use per call, whatever the list
    bank.mark_used([a.id])
    bank.adjust_factors([a.id], [2.0, 1.0])
    got = bank.get(a.id)
    assert (got.uses, got.judged) == (2, 1)
    assert got.factor == pytest.approx(1.0)  # mean of 1.1 and 0.9


def test_provenance_is_kept_and_old_records_load_with_defaults(bank):
    stamped = Provenance(author="ci:github:org/repo#1:build", cpu="Xeon 8480", compiler="g++ 12.2", commit="abc")
    kept = bank.add(stamped.stamp(lesson("Tile the loops.")))
    got = bank.get(kept.id)
    assert (got.author, got.cpu, got.compiler, got.commit) == ("ci:github:org/repo#1:build", "Xeon 8480", "g++ 12.2", "abc")
    old = {k: v for k, v in lesson("Old.").to_json().items() if k not in ("author", "cpu", "compiler", "commit", "judged")}
    assert Lesson.from_json(old).cpu == "" and Lesson.from_json(old).judged == 0


def test_same_machine_breaks_a_tie(bank):
    here = Provenance(cpu="EPYC 9654", compiler="g++ 12.2")
    other = bank.add(lesson("Unroll by four elsewhere.", speedup=2.0, cpu="M2", compiler="clang 15"))
    same = bank.add(lesson("Unroll by four here.", speedup=2.0, cpu="EPYC 9654", compiler="g++ 12.2"))
    for n in range(3):
        bank.add(lesson(f"Unrelated {n}.", speedup=1.0, outcome="slower"))
    relevance = make_relevance({"backend": "lexical"}, bank)
    chosen = bank.select(2, "void matmul()", relevance, function=("k.cpp", "matmul"), prefer=here)
    assert chosen[0].id == same.id  # equal speedup x factor: the lesson of this machine first
    without = bank.select(2, "void matmul()", relevance, function=("k.cpp", "matmul"))
    assert without[0].id == other.id  # no preference: the older one, as before


# -- parity: the same selection from the same content -------------------------------------------

WORDS = ("loop interchange matrix rows columns cache blocking tile unroll vector reserve allocation hash set "
         "prefix sum histogram bins branch predict sort merge string join buffer copy memory stride "
         "simd parallel division multiply hoist invariant inline").split()
FILES = ("k.cpp", "m.cpp", "u.c", "h.hpp", "p.py", "q.py")


def random_lessons(n: int, seed: int) -> list[Lesson]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        file = rng.choice(FILES)
        words = rng.sample(WORDS, rng.randint(3, 9))
        out.append(Lesson(text=" ".join(words) + ".", outcome=rng.choice(["faster", "faster", "slower", "incorrect"]),
                          speedup=round(rng.uniform(0.5, 4.0), 2), round=0, agent="a", model="m", file=file,
                          qualified_name=f"fn_{rng.randint(0, 15)}", function_hash="h",
                          source_code=" ".join(rng.sample(WORDS, 4)), factor=rng.choice([0.9, 1.0, 1.1]),
                          created=1_700_000_000.0 + i))
    return out


def test_both_banks_choose_the_same_lessons(tmp_path, postgres_url):
    lessons = random_lessons(700, seed=11)
    disk = LessonBank.open(tmp_path / ".lessonl")
    pg = open_bank(postgres_url, repo=f"parity/{uuid.uuid4().hex}")
    try:
        disk.add_many(lessons)
        pg.add_many([Lesson.from_json(l.to_json()) for l in lessons])
        rng = random.Random(5)
        for floor in (None, 0.05):
            config = {"backend": "lexical", "floor": floor}
            rel_disk, rel_pg = make_relevance(config, disk), make_relevance(config, pg)
            for _ in range(25):
                code = " ".join(rng.sample(WORDS, rng.randint(2, 12)))
                function = (rng.choice(FILES), f"fn_{rng.randint(0, 15)}")
                k = rng.choice([1, 2, 4, 6])
                exclude = {l.id for l in rng.sample(lessons, 5)}
                want = [l.id for l in disk.select(k, code, rel_disk, function=function, exclude_ids=exclude)]
                got = [l.id for l in pg.select(k, code, rel_pg, function=function, exclude_ids=exclude)]
                assert got == want, (code, function, k)
            code = " ".join(rng.sample(WORDS, 6))
            assert [l.id for l in pg.select(4, code, rel_pg)] == [l.id for l in disk.select(4, code, rel_disk)]
    finally:
        disk.close()
        pg.close()


# -- many writers --------------------------------------------------------------------------------

def _writer(target: str, repo: str, ids: list[str], rounds: int) -> None:
    import lessonl.storewiring  # noqa: F401
    from lessonl_store import open_bank

    with open_bank(target, repo=repo) as bank:
        for _ in range(rounds):
            bank.mark_used(ids)
            bank.adjust_factors(ids, [1.0, 3.0])


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["diskcache", "postgresql"])
def test_writers_in_several_processes_lose_no_update(kind, tmp_path, request):
    target = str(tmp_path / ".lessonl") if kind == "diskcache" else request.getfixturevalue("postgres_url")
    repo = f"writers/{uuid.uuid4().hex}"
    with open_bank(target, repo=repo) as bank:
        shared = [bank.add(lesson(f"Shared lesson {i}.", speedup=2.0)) for i in range(5)]
    ids = [l.id for l in shared]
    processes, rounds = 4, 15
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(target, repo, ids[i % 2:] + ids[:i % 2], rounds))
               for i in range(processes)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(300)
        assert worker.exitcode == 0
    with open_bank(target, repo=repo) as bank:
        for lesson_id in ids:
            got = bank.get(lesson_id)
            assert (got.uses, got.judged) == (processes * rounds, processes * rounds)
            assert got.factor == pytest.approx(1.0)


# -- PostgreSQL only ------------------------------------------------------------------------------

def test_repositories_stay_apart_unless_shared(postgres_server):
    postgres_url = postgres_server.create_database()  # its own: sharing reads every repository
    a_id, b_id = f"a/{uuid.uuid4().hex}", f"b/{uuid.uuid4().hex}"
    with open_bank(postgres_url, repo=a_id) as a, open_bank(postgres_url, repo=b_id) as b, \
            open_bank(postgres_url, repo=a_id, share=True) as a_shared:
        mine = a.add(lesson("Interchange the matrix loops for rows.", speedup=2.0, name="other"))
        theirs = b.add(lesson("Interchange the matrix loops for rows, blocked.", speedup=3.0, name="other"))
        code = "void matmul() { /* matrix rows loops interchange */ }"
        assert a.count() == 1 and b.count() == 1 and a_shared.count() == 2
        pick = lambda bank: {l.id for l in bank.select(4, code, make_relevance(None, bank), function=("k.cpp", "matmul"))}
        assert pick(a) == {mine.id}
        assert pick(a_shared) == {mine.id, theirs.id}
        a_shared.add(lesson("Written while sharing.", name="third"))
        assert a.count() == 2 and b.count() == 1  # new lessons still go to this repository
        assert a.save_result(result(key="same")) and b.save_result(result(key="same"))  # keys are per repository


def test_schema_versions_and_a_newer_schema_is_refused(postgres_server):
    import psycopg

    url = postgres_server.create_database()
    with open_bank(url, repo="r") as bank:
        assert bank.count() == 0
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall() == [(1,), (2,), (3,)]
        index = conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'lessons_doc'").fetchone()[0]
        assert "(repo, doc)" in index  # btree_gin ships with Debian's postgresql (contrib)
        conn.execute("INSERT INTO schema_version (version, description) VALUES (99, 'from the future')")
    with pytest.raises(BankError, match="newer"):
        open_bank(url, repo="r")


def test_the_cli_migrates_and_copies_between_banks(tmp_path, postgres_server, monkeypatch, capsys):
    url = postgres_server.create_database()
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(EXAMPLE / "lessonl.toml", repo)
    with LessonBank.open(repo / ".lessonl") as local:
        local.add(lesson("Swap j and k.", speedup=3.0, file="kernels.cpp"))
        local.save_result(result())
    # before a migration, status says so; migrate creates the schema, twice is a no-op
    assert main(["bank", "--repo", str(repo), "migrate", "--url", url, "--json"]) == 0
    assert [m["version"] for m in json.loads(capsys.readouterr().out)["applied"]] == [1, 2, 3]
    assert main(["bank", "--repo", str(repo), "migrate", "--url", url]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["lessons", "--repo", str(repo), "export", "--to", url]) == 0
    assert "copied 1 lessons and 1 results" in capsys.readouterr().out
    monkeypatch.setenv("LESSONL_BANK_URL", url)
    assert main(["bank", "--repo", str(repo), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["kind"], status["lessons"], status["results"], status["schema"]) == ("postgresql", 1, 1, 3)
    assert status["repository"].startswith("local:")  # no git remote: an id kept in .lessonl
    assert main(["lessons", "--repo", str(repo), "list", "--json"]) == 0
    assert [l["text"] for l in json.loads(capsys.readouterr().out)] == ["Swap j and k."]
    other = tmp_path / "other-bank"
    assert main(["lessons", "--repo", str(repo), "export", "--to", str(other)]) == 0  # PostgreSQL -> diskcache
    with LessonBank.open(other) as copied:
        assert [l.text for l in copied.lessons()] == ["Swap j and k."]
    assert main(["lessons", "--repo", str(repo), "import", "--from", str(other)]) == 0
    assert "skipped 2 duplicates" in capsys.readouterr().out


def test_a_password_in_the_repository_file_is_a_config_error(tmp_path):
    text = (EXAMPLE / "lessonl.toml").read_text()
    (tmp_path / "lessonl.toml").write_text(text + '\n[bank]\nurl = "postgresql://team:s3cret@db.example/lessons"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.key == "bank.url" and caught.value.line is not None
    assert "PGPASSWORD" in str(caught.value) and "s3cret" not in str(caught.value)
    (tmp_path / "lessonl.toml").write_text(text + '\n[bank]\nurl = "postgresql://team@db.example/lessons"\nshare = true\n')
    assert load_config(tmp_path).bank.share is True


def test_the_repository_id_is_the_normalised_git_remote(tmp_path):
    from lessonl.bankaccess import normalise_remote, repository_id

    for url in ("git@github.com:Org/Repo.git", "https://user@github.com/org/repo", "ssh://git@github.com/org/repo.git/"):
        assert normalise_remote(url) == "github.com/org/repo"
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text('[core]\n\tbare = false\n[remote "origin"]\n\turl = git@github.com:Org/Repo.git\n')
    assert repository_id(tmp_path) == "github.com/org/repo"
    bare = tmp_path / "plain"
    bare.mkdir()
    first = repository_id(bare)
    assert first.startswith("local:") and repository_id(bare) == first


def test_a_bounded_scan_still_chooses_relevant_lessons(postgres_url):
    """Past pg_select.SCAN_LIMIT matching lessons the relevance half is approximate, never wrong:
    what it picks is relevant, and the speed half stays the fastest relevant lessons."""
    with open_bank(postgres_url, repo=f"scan/{uuid.uuid4().hex}") as bank:
        bank.add_many([lesson(f"Interchange the matrix loops, variant {i}.", speedup=1.0 + i / 100, name=f"f{i}")
                       for i in range(60)])
        bank.add_many([lesson(f"Buffered file reads, variant {i}.", name=f"g{i}") for i in range(20)])
        code = "void matmul() { /* matrix loops interchange */ }"
        relevance = make_relevance(None, bank)
        exact = bank.select(6, code, relevance, function=("k.cpp", "matmul"))
        bank.scan_limit = 10
        bounded = bank.select(6, code, relevance, function=("k.cpp", "matmul"))
        assert len(bounded) == 6 and all("matrix" in l.text for l in bounded)
        assert [l.id for l in bounded[:3]] == [l.id for l in exact[:3]]  # the speed half: unchanged


async def test_provenance_names_the_ci_job_the_machine_and_the_commit(tmp_path):
    from lessonl.bankaccess import author, provenance

    assert author({"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "org/app", "GITHUB_RUN_ID": "42",
                   "GITHUB_JOB": "bench"}) == "ci:github:org/app#42:bench"
    assert author({"CI_JOB_ID": "7", "CI_SERVER_HOST": "gitlab.example", "CI_PROJECT_PATH": "g/app"}) == \
        "ci:gitlab.example:g/app#7"
    (tmp_path / ".git" / "refs" / "heads").mkdir(parents=True)
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / ".git" / "refs" / "heads" / "main").write_text("0123456789abcdef0123456789abcdef01234567\n")
    here = await provenance(tmp_path, "src/k.cpp", env={"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "o/r",
                                                        "GITHUB_RUN_ID": "1", "GITHUB_JOB": "j"})
    assert here.commit == "0123456789abcdef0123456789abcdef01234567" and here.author.startswith("ci:github:")
    assert here.cpu  # /proc/cpuinfo's model name
    assert here.compiler.split()[0] in ("c++", "g++", "clang", "clang++") or "(" in here.compiler  # c++ --version


def test_without_pgvector_the_embeddings_fallback_says_so(postgres_url):
    with open_bank(postgres_url, repo=f"vec/{uuid.uuid4().hex}") as bank:
        if bank.pgvector:
            pytest.skip("this PostgreSQL server has pgvector")
        assert bank.warnings == []  # the lexical backend needs no vectors: nothing to say
        bank.put_embedding("m:abc", [0.5, 0.25])
        assert bank.get_embedding("m:abc") == [0.5, 0.25]
        assert len(bank.warnings) == 1 and "no pgvector" in bank.warnings[0] and "Python" in bank.warnings[0]
