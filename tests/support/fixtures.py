"""Pytest fixtures of the test support code (imported by tests/conftest.py)."""
from __future__ import annotations

from typing import Iterator

import pytest

from .fake_openai import FakeOpenAI


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A fresh fake OpenAI-compatible server on 127.0.0.1 for one test."""
    with FakeOpenAI(models=("fake-model", "model-a", "model-b", "model-c")) as fake:
        yield fake
