"""The persistent, per-repository lesson bank of LessonL (imported as `lessonl_store`)."""
