"""A throwaway PostgreSQL server on 127.0.0.1 for tests and benches: a temp data dir, a free port, stopped after.

initdb refuses to run as root, so as root the server runs as the `postgres` user (Debian's package makes it),
else `nobody`. Nothing is left behind: `stop()` (also registered with atexit) stops it and deletes the dir.
The tests' servers keep their data in memory (/dev/shm) when it has room: a session makes and deletes a hundred
databases of a few MB each, which on a busy disk took up to a minute. The benches' stay on disk, as production's.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


class NoPostgres(RuntimeError):
    """No server could be started here; the message says why."""


def find_bindir() -> Path:
    """Where initdb and pg_ctl live: pg_config's answer, Debian's versioned dirs, or the PATH."""
    candidates: list[str] = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        candidates.append(out)
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb") or "").parent))
    for bindir in candidates:
        if bindir and (Path(bindir) / "initdb").exists() and (Path(bindir) / "pg_ctl").exists():
            return Path(bindir)
    raise NoPostgres("no PostgreSQL server binaries (initdb, pg_ctl) found: install the distribution's "
                     "`postgresql` package")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


MEMORY = Path("/dev/shm")
MEMORY_NEEDED = 2 * 1024**3  # bytes free in MEMORY to put a server's data there


def _in_memory() -> str | None:
    """MEMORY if it is a writable folder with MEMORY_NEEDED free, else None (the usual temp folder)."""
    try:
        if os.access(MEMORY, os.W_OK) and shutil.disk_usage(MEMORY).free >= MEMORY_NEEDED:
            return str(MEMORY)
    except OSError:
        pass
    return None


class PostgresServer:
    def __init__(self, in_memory: bool = False) -> None:
        self.bindir = find_bindir()
        self.dir = Path(tempfile.mkdtemp(prefix="coach-pg-", dir=_in_memory() if in_memory else None))
        self.port = _free_port()
        self.user: str | None = None
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    pwd.getpwnam(name)
                except KeyError:
                    continue
                self.user = name
                break
            else:
                raise NoPostgres("running as root and no `postgres` or `nobody` user to run the server as")
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        self.data = self.dir / "data"
        self.started = False
        atexit.register(self.stop)

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL,
                              cwd=self.dir, timeout=120)
        if done.returncode != 0:
            raise NoPostgres(f"{args[0]} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-800:]}")

    def start(self) -> PostgresServer:
        self._run("initdb", "-D", str(self.data), "-U", "coach", "--auth=trust", "-E", "UTF8", "--no-instructions")
        for attempt in range(3):
            try:
                self.resume()
                return self
            except NoPostgres:
                # the free port was taken before the server bound it (another test process starting one): another
                if attempt == 2:
                    raise
                self.port = _free_port()
        return self

    def resume(self) -> None:
        """Start the server on its data dir (again, after `halt`)."""
        # a test server: loopback only, its socket in its own dir, durability traded for speed
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-o", options, "-w",
                  "-t", "60", "start")
        self.started = True

    def halt(self) -> None:
        """Stop the server at once, as a crash would, keeping its data for `resume` (a database outage)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.started = False

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://coach@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A fresh, empty database on this server; returns its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)

    def stop(self) -> None:
        if self.started:
            self.started = False
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except NoPostgres:
                pass  # already gone; the dir is removed below either way
        shutil.rmtree(self.dir, ignore_errors=True)


def start_server(in_memory: bool = False) -> PostgresServer:
    """Start one, or raise NoPostgres saying why not; `in_memory`: its data in /dev/shm if there is room."""
    server = PostgresServer(in_memory)
    try:
        return server.start()
    except BaseException:
        server.stop()
        raise
