"""Start-up code shared by the load benchmarks: a fresh PostgreSQL database with the
starter bank, and several daphne processes on loopback with production-like settings.

    with BenchServer(workers=2) as server:
        server.prepare()                      # drop/create the database, migrate, load
        server.manage_shell("...python...")  # e.g. create a contest
        server.start()                        # daphne on server.ports, waits until they answer
        ...
    # leaving the block stops the workers and drops the database (also on Ctrl-C)

Needs PostgreSQL (trust auth) and Redis; both default to 127.0.0.1 and can be moved with
BENCH_PG_ADMIN_URL (a database to run CREATE/DROP DATABASE from) and BENCH_REDIS_URL.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from types import TracebackType

import psycopg
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.getenv("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.getenv("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
EXCEPTION_LINE = re.compile(r"^[\w.]+(Error|Exception|Timeout)\b.*:")


def log(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BenchServer:
    """A throw-away database and `workers` daphne processes serving it on loopback."""

    def __init__(
        self,
        *,
        workers: int = 2,
        db_name: str = "hocvuso_bench",
        rate_limit_scale: float = 1000.0,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.workers = workers
        self.db_name = db_name
        admin = psycopg.conninfo.conninfo_to_dict(PG_ADMIN_URL)
        host, port, user = admin.get("host"), admin.get("port"), admin.get("user")
        self.database_url = f"postgres://{user}@{host}:{port}/{db_name}"
        self.ports: list[int] = []
        self.processes: list[subprocess.Popen[bytes]] = []
        self.log_dir = Path(tempfile.mkdtemp(prefix="hocvuso-bench-"))
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": Fernet.generate_key().decode() + Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PII_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "PII_HASH_KEY": Fernet.generate_key().decode(),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": REDIS_URL,
            # Our own prefix: rate-limit counters of other runs and of tests never collide.
            "CACHE_PREFIX": f"bench{os.getpid()}",
            "SECURE_SSL_REDIRECT": "0",
            "RATE_LIMIT_SCALE": str(rate_limit_scale),
            "LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
        self._created = False

    # --- context management -------------------------------------------------------

    def __enter__(self) -> BenchServer:
        # SIGTERM behaves like Ctrl-C, so `finally` blocks (and __exit__) run.
        with contextlib.suppress(ValueError):  # not the main thread
            signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.stop()
        self.drop_database()
        shutil.rmtree(self.log_dir, ignore_errors=True)

    # --- the database -------------------------------------------------------------

    def _admin(self, sql: str) -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql)

    def drop_database(self) -> None:
        if not self._created:
            return
        with contextlib.suppress(psycopg.Error):
            self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            log(f"dropped database {self.db_name}")
        self._created = False

    def prepare(self) -> None:
        """Drop and create the database, migrate, and publish the starter bank."""
        self._created = True
        self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.db_name}"')
        # Sessions start in UTC, as Django wants them: no SET TIME ZONE on every connect.
        self._admin(f"ALTER DATABASE \"{self.db_name}\" SET timezone TO 'UTC'")
        log(f"created database {self.db_name}; migrating")
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("starter_bank_load")

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-4000:]}")
        return done.stdout

    def manage_shell(self, code: str) -> str:
        return self.manage("shell", "-c", code)

    def sql(self, query: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with psycopg.connect(self.database_url.replace("postgres://", "postgresql://")) as conn:
            return list(conn.execute(query, params).fetchall())

    # --- the workers -------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> None:
        daphne = VENV_BIN / "daphne"
        for _index in range(self.workers):
            port = free_port()
            out = (self.log_dir / f"daphne-{port}.log").open("wb")
            process = subprocess.Popen(
                [str(daphne), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches us only; we stop them ourselves
            )
            self.ports.append(port)
            self.processes.append(process)
        deadline = time.monotonic() + timeout
        for port, process in zip(self.ports, self.processes, strict=True):
            while not self._answers(port):
                if process.poll() is not None:
                    raise RuntimeError(f"daphne on port {port} exited:\n{self.worker_log(port)}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"daphne on port {port} did not answer in {timeout:.0f} s")
                time.sleep(0.2)
        log(f"{self.workers} daphne worker(s) answering on ports {self.ports}")

    @staticmethod
    def _answers(port: int) -> bool:
        url = f"http://127.0.0.1:{port}/api/v1/attempts/ping/"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # a 404 is an answer
        except OSError:
            return False

    def worker_log(self, port: int) -> str:
        path = self.log_dir / f"daphne-{port}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def worker_exceptions(self) -> Counter[str]:
        """How often each exception line appears in the workers' logs."""
        found: Counter[str] = Counter()
        for path in self.log_dir.glob("daphne-*.log"):
            for line in path.read_text(errors="replace").splitlines():
                if EXCEPTION_LINE.match(line):
                    found[line.strip()] += 1
        return found

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.processes:
            log(f"stopped {len(self.processes)} daphne worker(s)")
        self.processes = []

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
