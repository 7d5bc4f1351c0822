"""What the store needs from its caller, handed in rather than imported.

The store decides which lessons of other functions may speak to a function by language family,
and withholds an API key from an untrusted embeddings endpoint: both need knowledge that lives
in the caller (LessonL's file-type table and trust rules). `configure` installs them; until
then the store is conservative: no file has a language family (lessons of other functions are
never candidates) and no endpoint named by a repository is trusted with a key.
"""
from __future__ import annotations

from typing import Callable, Mapping

LanguageOf = Callable[[str], "str | None"]
TrustedEndpoint = Callable[[str, str, Mapping[str, str]], bool]
WithheldKeyHint = Callable[[str, str, str], str]


def _no_language(file: str) -> str | None:
    return None


def _never_trusted(base_url: str, preset: str, env: Mapping[str, str]) -> bool:
    return False


def _plain_hint(api_key_env: str, base_url: str, what: str) -> str:
    return (f"{api_key_env} was not sent to {base_url} ({what}): the endpoint was named by the "
            f"repository's config and is not trusted")


language_of: LanguageOf = _no_language
trusted_endpoint: TrustedEndpoint = _never_trusted
withheld_key_hint: WithheldKeyHint = _plain_hint


def configure(*, language_of: LanguageOf | None = None, trusted_endpoint: TrustedEndpoint | None = None,
              withheld_key_hint: WithheldKeyHint | None = None) -> None:
    """Install the caller's functions: `language_of(file) -> "c" | "cpp" | "python" | None`,
    `trusted_endpoint(base_url, preset, env) -> bool`, `withheld_key_hint(env_name, base_url, what)`."""
    g = globals()
    for name, fn in (("language_of", language_of), ("trusted_endpoint", trusted_endpoint),
                     ("withheld_key_hint", withheld_key_hint)):
        if fn is not None:
            g[name] = fn
    from .languages import family_of

    family_of.cache_clear()
