"""The one way LessonL starts a subprocess: its own process group, limits, cgroups, a sandbox
when asked (lessonl.sandbox), output capped, killed with everything it started; and reading
what it printed (logtail). Used by the judge, the local-model manager and the language server."""
from .runner import (Limits, ProcResult, aisolation, isolation, kill_all_groups, network_isolation, run,
                     scrub_env, signal_group, unisolated_warning)

__all__ = ["Limits", "ProcResult", "aisolation", "isolation", "kill_all_groups", "network_isolation", "run",
           "scrub_env", "signal_group", "unisolated_warning"]
