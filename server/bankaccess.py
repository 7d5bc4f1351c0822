"""Which lesson bank a repository uses, under which repository id, and what each new lesson
says about where it was learned.

The bank is the diskcache at [bank] path unless a PostgreSQL URL is given: LESSONL_BANK_URL (the
environment: where a password may live) wins over [bank] url (the repository's file: never a
password, lessonl.config checks). In a shared bank each repository's rows carry its id: [bank]
repository, else the git remote URL normalised (so every clone of one repository, on every
machine, is the same repository), else a random id kept in the local bank folder.

The password: in the URL of LESSONL_BANK_URL, else the one the editor handed this process for the
root and that bank's URL (its secret storage, through the language server's settings:
`give_passwords`; held in memory only, never written or logged), else libpq's own (PGPASSWORD, ~/.pgpass).
"""
from __future__ import annotations

import getpass
import os
import platform
import re
import threading
import uuid
from configparser import ConfigParser
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import quote, urlsplit, urlunsplit

from lessonl_store import open_bank
from lessonl_store.records import Provenance

from . import storewiring  # noqa: F401  (hands the store its language and trust functions)
from .errors import BankError, ConfigError
from .filetypes import language_for

ENV_URL = "LESSONL_BANK_URL"
ID_FILE = "repository-id"

_PASSWORDS: dict[Path, dict[str, str]] = {}  # root -> {bank URL: the editor's password} (memory only)
_PASSWORDS_LOCK = threading.Lock()


def bank_key(url: str) -> tuple[str, str, int, str]:
    """(user, host, port, database) of a PostgreSQL URL: what a password belongs to, as in
    ~/.pgpass. A password is only ever sent to the bank it was given for, so a repository that
    names another server in [bank] url (or .vscode/settings.json) cannot collect it."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port or 5432
    except ValueError:
        port = 5432
    return (parts.username or "", (parts.hostname or "").lower(), port, parts.path.strip("/"))


def give_passwords(root: Path, passwords: Mapping[str, str]) -> None:
    """Keep the editor's bank passwords (bank URL -> password) for the repository at `root`;
    an empty mapping forgets them. Every bank this process opens for that root afterwards uses
    the one given for its URL: the language server's own and those of the jobs it starts, which
    open the bank by themselves."""
    key = Path(root).resolve()
    with _PASSWORDS_LOCK:
        if passwords:
            _PASSWORDS[key] = dict(passwords)
        else:
            _PASSWORDS.pop(key, None)


def given_password(root: Path, url: str) -> str:
    """The password given for the bank at `url` (give_passwords), or ""."""
    with _PASSWORDS_LOCK:
        passwords = dict(_PASSWORDS.get(Path(root).resolve(), {}))
    return password_for(url, passwords)


def password_for(url: str, passwords: Mapping[str, str]) -> str:
    """The password of `passwords` (bank URL -> password) given for the bank at `url`, or ""."""
    wanted = bank_key(url)
    for given, password in passwords.items():
        if password and bank_key(given) == wanted:
            return password
    return ""


def with_password(url: str, password: str) -> str:
    """`url` carrying `password` (percent-encoded), unless it has one already or none is given.
    The result is for connecting only: messages show pg_bank.redact(url)."""
    if not password:
        return url
    parts = urlsplit(url)
    if parts.password is not None:
        return url
    user, at, hosts = parts.netloc.rpartition("@")
    netloc = f"{user}:{quote(password, safe='')}@{hosts}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def bank_folder(root: Path, bank: Any) -> Path:
    """The local bank's folder ([bank] path, relative to the repository's root)."""
    path = Path(getattr(bank, "path", ".lessonl") or ".lessonl")
    return path if path.is_absolute() else Path(root) / path


def bank_target(root: Path, bank: Any, env: Mapping[str, str] = os.environ) -> str | Path:
    """The URL of the shared bank, or the folder of the local one (`bank`: a [bank] config)."""
    url = env.get(ENV_URL, "").strip() or getattr(bank, "url", "")
    if url:
        if not url.startswith(("postgresql://", "postgres://")):
            key = "bank.url" if not env.get(ENV_URL) else None
            raise ConfigError(f"'{url.split('://')[0]}' is not a PostgreSQL URL",
                              key=key, hint=f"write postgresql://USER@HOST:PORT/DATABASE in {ENV_URL} or [bank] url")
        return url
    return bank_folder(root, bank)


def open_repository_bank(root: Path, bank: Any, env: Mapping[str, str] = os.environ, *, migrate: bool = True,
                         password: str | None = None) -> Any:
    """The bank of the repository at `root` (lessonl_store.protocol.Bank); `bank`: its [bank].
    `password`: for a PostgreSQL URL without one; None: the one given for the URL (give_passwords)."""
    target = bank_target(root, bank, env)
    if isinstance(target, Path):
        return open_bank(target)
    secret = given_password(root, target) if password is None else password
    url = with_password(target, secret)
    check_login(url)
    return open_bank(url, repo=repository_id(root, bank), share=bool(getattr(bank, "share", False)),
                     migrate=migrate)


LOGIN_TIMEOUT_S = 10


def check_login(url: str) -> None:
    """One connection first, so that a refused login (no password, a wrong one) is said at once
    in the server's own words: the bank's pool retries a refused connection until its timeout
    and then says only that it timed out."""
    try:
        import psycopg
    except ImportError:
        return  # open_bank names what to install
    from lessonl_store.pg_bank import redact

    try:
        psycopg.connect(url, connect_timeout=LOGIN_TIMEOUT_S).close()
    except psycopg.Error as exc:
        raise BankError(f"cannot connect to the lesson bank at {redact(url)}: {str(exc).strip()}", key="bank.url",
                        hint="check the URL, that the server runs, and its password "
                             "(PGPASSWORD, ~/.pgpass, or the editor's)") from None


def normalise_remote(url: str) -> str:
    """git@github.com:Org/Repo.git, https://user@github.com/org/repo and ssh://git@github.com/org/repo
    all become "github.com/org/repo"."""
    text = url.strip()
    match = re.match(r"^[\w.-]+@([\w.-]+):(.*)$", text)  # scp-like: user@host:path
    if match:
        host, path = match.groups()
    else:
        match = re.match(r"^[a-z+]+://(?:[^@/]*@)?([^/:]+)(?::\d+)?/(.*)$", text, re.I)
        if not match:
            return text.rstrip("/").removesuffix(".git").lower()
        host, path = match.groups()
    return f"{host.lower()}/{path.strip('/').removesuffix('.git').lower()}"


def _git_dir(root: Path) -> Path | None:
    dot = root / ".git"
    if dot.is_dir():
        return dot
    if dot.is_file():  # a worktree or submodule: "gitdir: PATH"
        text = dot.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            found = Path(text[len("gitdir:"):].strip())
            return found if found.is_absolute() else (root / found).resolve()
    return None


def git_remote(root: Path) -> str | None:
    """The URL of `origin` (else the first remote) from .git/config, read as a file (no git)."""
    git = _git_dir(Path(root))
    if git is None:
        return None
    for candidate in (git / "config", git.parent.parent / "config" if git.parent.name == "worktrees" else None):
        if candidate is None or not candidate.is_file():
            continue
        parser = ConfigParser(strict=False, interpolation=None)
        try:
            parser.read(candidate, encoding="utf-8")
        except Exception:  # a config git itself reads but ConfigParser does not: no remote
            return None
        remotes = [s for s in parser.sections() if s.startswith('remote "')]
        remotes.sort(key=lambda s: s != 'remote "origin"')
        for section in remotes:
            url = parser.get(section, "url", fallback="")
            if url:
                return url
    return None


def repository_id(root: Path, bank: Any = None) -> str:
    """[bank] repository, else the normalised git remote, else "local:" + an id kept in the bank folder."""
    configured = getattr(bank, "repository", "") if bank is not None else ""
    if configured:
        return configured
    remote = git_remote(Path(root))
    if remote:
        return normalise_remote(remote)
    id_file = bank_folder(root, bank) / ID_FILE
    try:
        return "local:" + id_file.read_text(encoding="utf-8").strip()
    except OSError:
        pass
    new = uuid.uuid4().hex
    try:
        id_file.parent.mkdir(parents=True, exist_ok=True)
        with open(id_file, "x", encoding="utf-8") as handle:  # "x": two processes at once keep one id
            handle.write(new)
    except FileExistsError:
        return "local:" + id_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"this repository has no git remote and its id cannot be kept in {id_file}: {exc}",
                          key="bank.repository", hint="set [bank] repository = \"a-name-for-this-repository\"") from exc
    return "local:" + new


# -- provenance ----------------------------------------------------------------------------------
def author(env: Mapping[str, str] = os.environ) -> str:
    """The CI job when running in one (GitHub Actions, GitLab CI, or any CI setting CI_JOB_ID),
    else the user's name."""
    if env.get("GITHUB_ACTIONS") == "true":
        return f"ci:github:{env.get('GITHUB_REPOSITORY', '')}#{env.get('GITHUB_RUN_ID', '')}:{env.get('GITHUB_JOB', '')}"
    if env.get("CI_JOB_ID"):
        return f"ci:{env.get('CI_SERVER_HOST', 'ci')}:{env.get('CI_PROJECT_PATH', '')}#{env['CI_JOB_ID']}"
    try:
        return getpass.getuser()
    except Exception:  # no name for this uid (a container)
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def head_commit(root: Path) -> str:
    """The checked-out commit, read from .git (no git process)."""
    git = _git_dir(Path(root))
    if git is None:
        return ""
    try:
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref:"):
            return head
        ref = head[4:].strip()
        common = git
        if (git / "commondir").is_file():
            common = (git / (git / "commondir").read_text(encoding="utf-8").strip()).resolve()
        for base in (git, common):
            if (base / ref).is_file():
                return (base / ref).read_text(encoding="utf-8").strip()
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                if line.endswith(" " + ref):
                    return line.split(" ", 1)[0]
    except OSError:
        pass
    return ""


_COMPILERS: dict[str, str] = {}


async def compiler_version(language: str | None, root: Path, env: Mapping[str, str] = os.environ) -> str:
    """`c++ --version`'s first line for C and C++ ($CXX / $CC when set), `python3 --version` for
    Python; "" when it cannot be run. Cached per process."""
    from .procs import run

    if language in ("c", "cpp"):
        program = env.get("CXX" if language == "cpp" else "CC") or ("c++" if language == "cpp" else "cc")
    elif language == "python":
        program = "python3"
    else:
        return ""
    if program not in _COMPILERS:
        try:
            done = await run([program, "--version"], cwd=root, timeout=10)
            line = (done.stdout or done.stderr).strip().splitlines()
            _COMPILERS[program] = line[0].strip() if done.rc == 0 and line else ""
        except Exception:  # no compiler: the lesson just does not say
            _COMPILERS[program] = ""
    return _COMPILERS[program]


async def provenance(root: Path, file_rel: str, env: Mapping[str, str] = os.environ) -> Provenance:
    """Where lessons about `file_rel` are being learned now."""
    return Provenance(author=author(env), cpu=cpu_model(),
                      compiler=await compiler_version(language_for(file_rel), Path(root), env),
                      commit=head_commit(Path(root)))
