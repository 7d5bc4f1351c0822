"""Records the bank stores. Plain dataclasses so that they cross to the engine and the faces
unchanged, and serialise to JSON Lines for export."""
from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = 1


@dataclass
class Lesson:
    """One agent's explanation of why one attempt was faster, slower, wrong, or did not build."""

    text: str
    outcome: str  # a lessonl.records.Outcome value
    speedup: float  # effective speedup: 0 for anything not correct
    round: int
    agent: str
    model: str
    file: str  # function identity: repository-relative file ...
    qualified_name: str  # ... qualified name ...
    function_hash: str  # ... and content hash of the ORIGINAL function it was learned on
    ci: tuple[float, float] | None = None
    source_code: str = ""  # the original function (Code A)
    candidate_code: str = ""  # the attempted rewrite (Code B)
    factor: float = 1.0  # effectiveness factor, adjusted after each round it was used in
    uses: int = 0  # times put in a prompt
    created: float = field(default_factory=time.time)
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    judged: int = 0  # times its factor was adjusted (rounds it steered)
    # Provenance (records written before it existed load with ""): who learned it (a user name or
    # a CI job), on which machine (CPU model, compiler and version), at which commit.
    author: str = ""
    cpu: str = ""
    compiler: str = ""
    commit: str = ""

    @property
    def score(self) -> float:
        """Speedup weighted by effectiveness: what the speed half of selection ranks by."""
        return self.speedup * self.factor

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["ci"] = list(self.ci) if self.ci else None
        d["schema"] = SCHEMA_VERSION
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Lesson":
        d = dict(d)
        d.pop("schema", None)
        if d.get("ci") is not None:
            d["ci"] = tuple(d["ci"])
        if d.keys() == _LESSON_FIELDS:
            # A bank holds 100,000 of these: the common case skips dataclass __init__ (half the
            # cost of loading a bank). The dict then is the object's own __dict__.
            lesson = object.__new__(cls)
            lesson.__dict__ = d
            return lesson
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})


_LESSON_FIELDS = Lesson.__dataclass_fields__.keys()


@dataclass(frozen=True)
class Provenance:
    """Where lessons are being learned or used now: stamped on new lessons, and the machine
    selection prefers when two lessons tie (a lesson about a CPU's or compiler's behaviour is
    most likely to hold on the same CPU and compiler)."""

    author: str = ""
    cpu: str = ""
    compiler: str = ""
    commit: str = ""

    def stamp(self, lesson: Lesson) -> Lesson:
        """`lesson` with the fields it does not have yet filled from here."""
        for name in ("author", "cpu", "compiler", "commit"):
            if not getattr(lesson, name):
                setattr(lesson, name, getattr(self, name))
        return lesson

    def same_machine(self, lesson: Lesson) -> bool:
        """Learned on this CPU model with this compiler (both known)."""
        return bool(self.cpu) and lesson.cpu == self.cpu and lesson.compiler == self.compiler


@dataclass
class StoredResult:
    """One finished optimization, kept so that hover can show it later for that function."""

    file: str
    qualified_name: str
    function_hash: str  # hash of the function when the job started
    improved: bool
    speedup: float | None
    ci: tuple[float, float] | None
    diff: str
    new_function_hash: str | None  # hash of the proposed function, to recognise it once applied
    lesson_ids: list[str]  # the lessons that justified it
    models: list[str]
    message: str
    rounds: int
    attempts: int
    created: float = field(default_factory=time.time)
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    # Saving a result twice under one key stores it once: a retried job passes the same key
    # (e.g. its batch and function) so that it does not count twice. Empty: the id is the key.
    key: str = ""

    @property
    def idempotency_key(self) -> str:
        return self.key or self.id

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["ci"] = list(self.ci) if self.ci else None
        d["schema"] = SCHEMA_VERSION
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "StoredResult":
        d = dict(d)
        d.pop("schema", None)
        if d.get("ci") is not None:
            d["ci"] = tuple(d["ci"])
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})
