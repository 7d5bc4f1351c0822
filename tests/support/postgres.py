"""A real, throwaway PostgreSQL server for the shared-bank tests and benchmarks.

`LocalPostgres()` runs Debian's own server binaries (initdb, pg_ctl: package `postgresql`, put
there by dev/setup) on a free loopback port, with its data folder and unix socket in a new
temporary folder, and removes it all on `stop()`. As root the server must run as another user:
`runuser -u postgres` (else nobody) owns the folder. Durability is switched off (fsync,
synchronous_commit): the data is thrown away anyway, and the tests measure LessonL, not the disk.

`postgres_server` is a session-scoped pytest fixture (import it into a conftest): it skips, with
the reason, only where the server binaries are not installed.

`pgvector_server` is the same with the server of the `pgserver` wheel (PostgreSQL 16 built with
pgvector 0.6, a test dependency only): Debian's PostgreSQL 15 here has no vector extension, and
the bank's pgvector path must run against a real one. It skips, with the reason, where the wheel
is not installed or its server cannot start.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

START_TIMEOUT_S = 60


def find_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "initdb").exists() and Path(folder, "pg_ctl").exists():
            return Path(folder)
    return None


def pgserver_binaries() -> Path | None:
    """The bin folder of the `pgserver` wheel's PostgreSQL (with vector.so), or None. Found
    without importing pgserver: only its binaries are used, through LocalPostgres."""
    import importlib.util

    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"
    if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
        return folder
    return None


def pgvector_missing_reason() -> str | None:
    folder = pgserver_binaries()
    if folder is None:
        return "the pgserver wheel (PostgreSQL with pgvector) is not installed: pip install -e '.[test]'"
    if not (folder.parent / "lib" / "postgresql" / "vector.so").exists():
        return f"the PostgreSQL under {folder.parent} has no pgvector (vector.so)"
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError:
        return "psycopg 3 is not installed: pip install -e '.[team]' (dev/setup does)"
    return None


def missing_reason() -> str | None:
    if find_binaries() is None:
        return "PostgreSQL's server binaries (initdb, pg_ctl) are not installed: run dev/setup (Debian: postgresql)"
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError:
        return "psycopg 3 is not installed: pip install -e '.[team]' (dev/setup does)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_user() -> str | None:
    """Who runs the server when we are root (PostgreSQL refuses to run as root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root, and neither a postgres nor a nobody user exists to run the server")


class LocalPostgres:
    def __init__(self, settings: dict[str, str] | None = None, binaries: Path | None = None) -> None:
        self.bin = binaries or find_binaries()
        if self.bin is None:
            raise RuntimeError(missing_reason() or "no PostgreSQL")
        self.settings = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                         "max_connections": "100", **(settings or {})}
        self.folder = Path(tempfile.mkdtemp(prefix="lessonl-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = _free_port()
        self.user = _server_user()
        self.role = "lessonl"
        self.started = False

    def _run(self, *argv: str, timeout: float = START_TIMEOUT_S) -> subprocess.CompletedProcess:
        command = [str(self.bin / argv[0]), *argv[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False,
                              cwd=str(self.folder))

    def start(self) -> "LocalPostgres":
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        done = self._run("initdb", "-D", str(self.data), "-U", self.role, "--auth=trust", "-E", "UTF8",
                         "--no-sync", "--locale=C")
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr or done.stdout}")
        options = " ".join([f"-p {self.port}", f"-k {self.folder}", "-c listen_addresses=127.0.0.1",
                            *(f"-c {k}={v}" for k, v in self.settings.items())])
        done = self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w",
                         "-t", str(START_TIMEOUT_S), "start")
        if done.returncode:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            self.stop()
            raise RuntimeError(f"pg_ctl start failed: {done.stderr or done.stdout}\n{log[-2000:]}")
        self.started = True
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.role}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = name or "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def password_database(self, role: str, password: str) -> str:
        """A role that must give `password` (scram-sha-256; every other role stays on trust) and a
        new database it owns; returns the database's URL without the password."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'")
        url = self.create_database()
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" OWNER TO "{role}"')
        hba = self.data / "pg_hba.conf"  # the first line that matches wins: these go first
        hba.write_text(f"local all {role} scram-sha-256\nhost all {role} 0.0.0.0/0 scram-sha-256\n"
                       f"host all {role} ::/0 scram-sha-256\n" + hba.read_text())
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")
        without = f"postgresql://{role}@127.0.0.1:{self.port}/{name}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:  # the reload is asynchronous: wait until it refuses
            try:
                psycopg.connect(without, connect_timeout=5).close()
            except psycopg.OperationalError:
                return without
            time.sleep(0.05)
        raise RuntimeError(f"pg_hba.conf reload did not take: {role} still connects without a password")

    def stop(self) -> None:
        if self.started:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")
            self.started = False
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "LocalPostgres":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def postgres_server():
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    server = LocalPostgres().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: LocalPostgres) -> str:
    """One database for the session; tests keep apart by repository id (as a team's repositories do)."""
    return postgres_server.create_database("lessonl_tests")


@pytest.fixture(scope="session")
def pgvector_server():
    reason = pgvector_missing_reason()
    if reason:
        pytest.skip(reason)
    try:
        server = LocalPostgres(binaries=pgserver_binaries()).start()
    except RuntimeError as exc:  # a wheel that does not run here (libc, permissions)
        pytest.skip(f"the pgserver wheel's PostgreSQL does not start here: {str(exc)[:300]}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pgvector_url(pgvector_server: LocalPostgres) -> str:
    """One database on the pgvector-enabled server for the session."""
    return pgvector_server.create_database("lessonl_vector_tests")
