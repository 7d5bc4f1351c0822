"""A batch function's result goes to the bank under one key per run and function, so a task that
runs twice (its worker killed, Ray retried it) is stored once."""
from __future__ import annotations

import pickle
from pathlib import Path

from lessonl_store import open_bank
from lessonl_store.records import StoredResult

from lessonl.engine.batch_request import FunctionJob


def result(key: str) -> StoredResult:
    return StoredResult(file="k.cpp", qualified_name="matmul", function_hash="h", improved=True,
                        speedup=2.0, ci=(1.8, 2.2), diff="", new_function_hash="n", lesson_ids=[],
                        models=["m"], message="", rounds=1, attempts=1, key=key)


def test_the_same_key_is_stored_once(tmp_path: Path) -> None:
    bank = open_bank(tmp_path / "bank")
    try:
        assert bank.save_result(result("batch:run1:k.cpp::matmul"))
        assert not bank.save_result(result("batch:run1:k.cpp::matmul"))
        assert bank.save_result(result("batch:run2:k.cpp::matmul"))
        assert len(bank.results_for("k.cpp", "matmul")) == 2
    finally:
        bank.close()


def test_the_key_travels_with_the_job() -> None:
    job = FunctionJob("/repo", "k.cpp", "matmul", result_key="batch:run1:k.cpp::matmul")
    assert pickle.loads(pickle.dumps(job)).result_key == "batch:run1:k.cpp::matmul"
