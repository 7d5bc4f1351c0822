"""The persistent, per-repository lesson bank of LessonL (imported as `lessonl_store`)."""
from .bank import LessonBank
from .exchange import ImportReport
from .records import SCHEMA_VERSION, Lesson, StoredResult
from .relevance import Relevance, make_relevance, register_backend
from .selection import adjusted_factor, select_lessons

__all__ = ["ImportReport", "Lesson", "LessonBank", "Relevance", "SCHEMA_VERSION", "StoredResult",
           "adjusted_factor", "make_relevance", "register_backend", "select_lessons"]
