"""Small list, dict and string helpers."""
