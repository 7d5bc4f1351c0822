"""Where candidate commands run: isolated from the user's files, each other and the network
(bubblewrap), with an allow-list environment, and with their scratch copy recorded so that
what a run changes is found and undone."""
from .bubblewrap import Isolation, Mounts, probe, wrap
from .environment import allowed_env
from .snapshot import Changes

__all__ = ["Isolation", "Mounts", "probe", "wrap", "allowed_env", "Changes"]
