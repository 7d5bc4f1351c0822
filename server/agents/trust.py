"""Which hosts may receive the user's API keys when a repository's config chooses the endpoint.

A cloned repository must not be able to send $OPENAI_API_KEY to a server of its choosing: an
endpoint defined in a repository's config gets a key only when it is this machine, the official
host of its preset, or a host the user listed in LESSONL_TRUSTED_HOSTS. Used for agents and for
the embeddings relevance backend alike.
"""
from __future__ import annotations

from typing import Mapping
from urllib.parse import urlparse

from .defaults import PRESET_BASE_URLS

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}
TRUSTED_HOSTS_ENV = "LESSONL_TRUSTED_HOSTS"  # comma-separated hosts a repository config may send keys to


def trusted_endpoint(base_url: str, preset: str, env: Mapping[str, str]) -> bool:
    """May an endpoint defined in a repository's config receive the user's API key?"""
    host = (urlparse(base_url).hostname or "").lower()
    if host in LOCAL_HOSTS or host.startswith("127."):
        return True
    official = urlparse(PRESET_BASE_URLS.get(preset, "")).hostname
    if official and host == official.lower():
        return True
    listed = {h.strip().lower() for h in env.get(TRUSTED_HOSTS_ENV, "").split(",") if h.strip()}
    return host in listed


def withheld_key_hint(variable: str, base_url: str, what: str) -> str:
    """What to tell a user whose key was not sent (`what`: "this agent", "this embeddings endpoint")."""
    host = urlparse(base_url).hostname
    return (f"{variable} was not sent: {what} is defined in the repository's config, which may not "
            f"choose where your keys go. Trust the host with {TRUSTED_HOSTS_ENV}={host}, or set it in "
            "your own settings (editor settings, or options on the command line)")
