"""The environment of candidate processes: an allow-list, never "the user's minus secrets".

Secrets hide under any name (DATABASE_URL=postgres://u:password@h/db, GH_PAT, HF_AUTH), so
dropping names that look secret always misses some. A candidate gets only what a build, its
tests and its benchmark need: the search path, the locale, the compilers and their flags,
the places libraries and headers are found, the virtual environment, thread-count settings;
then the repository's [env] table and the names the user lists in [sandbox] pass_env (which
may end with `*` to pass a family such as `MYLIB_*`).
"""
from __future__ import annotations

import fnmatch
from typing import Iterable, Mapping

ALLOWED = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "TZ", "LANG", "LANGUAGE",
    # compilers, linkers and their flags (make's and CMake's conventions)
    "CC", "CXX", "CPP", "LD", "AR", "AS", "NM", "RANLIB", "STRIP", "FC",
    "CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS", "LDLIBS", "FFLAGS",
    "CMAKE_GENERATOR", "CMAKE_BUILD_TYPE", "CMAKE_PREFIX_PATH", "CMAKE_BUILD_PARALLEL_LEVEL",
    "MAKEFLAGS", "NINJA_STATUS",
    # where libraries, headers and packages are found
    "PKG_CONFIG_PATH", "LD_LIBRARY_PATH", "LIBRARY_PATH", "CPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH",
    "VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "JAVA_HOME", "GOROOT", "RUSTUP_HOME", "CARGO_HOME",
    # interpreter behaviour that changes no result
    "PYTHONDONTWRITEBYTECODE", "PYTHONUTF8", "PYTHONIOENCODING", "PYTHONUNBUFFERED",
    # parallelism of numeric libraries: the user's choice shapes their timings
    "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
    "SOURCE_DATE_EPOCH",
})
ALLOWED_PREFIXES = ("LC_",)


def allowed_env(environ: Mapping[str, str], pass_env: Iterable[str] = (),
                extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables of `environ` a candidate may see, plus `extra` ([env]) on top."""
    patterns = [p for p in pass_env if p]
    out = {name: value for name, value in environ.items()
           if name in ALLOWED or name.startswith(ALLOWED_PREFIXES)
           or any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)}
    out.update({str(k): str(v) for k, v in (extra or {}).items()})
    return out
