"""LessonL: make a function faster with a multi-agent loop that learns lessons from real builds."""

__version__ = "0.1.0"
