"""A real daphne server in a subprocess, for tests that need a process they can kill.

The subprocess reads the same test database and the same personal-data keys as the
test process, so both sides see the same rows. Only the test that starts a server
stops it; `kill()` is SIGKILL (no clean shutdown), `stop()` a polite SIGTERM.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url() -> str:
    """DATABASE_URL of the database this process uses now (the test database in tests)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("a server subprocess shares only a PostgreSQL test database")
    user = quote(str(db.get("USER") or ""), safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{quote(str(db['NAME']), safe='')}"


def server_env(**extra: str) -> dict[str, str]:
    """The environment for a production-like server (DEBUG off) on this test's data."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url(),
        DB_CONN_MAX_AGE="0",
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on the loopback; no TLS proxy in front
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECRET_KEY=settings.SECRET_KEY,
        PII_ENCRYPTION_KEYS=",".join(settings.PII_ENCRYPTION_KEYS),
        PII_HASH_KEY=settings.PII_HASH_KEY,
        # Fresh rate-limit counters for each server family, shared by its restarts.
        CACHE_PREFIX=f"test-{uuid.uuid4().hex[:12]}",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    else:
        env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def daphne_command() -> list[str]:
    script = Path(sys.executable).with_name("daphne")
    return [str(script)] if script.exists() else [sys.executable, "-m", "daphne"]


class DaphneServer:
    """`daphne config.asgi:application` on 127.0.0.1:`port`, restartable on the same port."""

    def __init__(
        self, port: int, env: dict[str, str], log_path: Path, *, proxy_headers: bool = False
    ) -> None:
        self.port = port
        self.env = env
        self.log_path = log_path
        self.proxy_headers = proxy_headers
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, timeout: float = 20.0) -> float:
        """Start and wait until it answers HTTP; returns the seconds that took."""
        assert self.process is None or self.process.poll() is not None, "already running"
        began = time.monotonic()
        command = [*daphne_command(), "-b", "127.0.0.1", "-p", str(self.port)]
        if self.proxy_headers:
            command.append("--proxy-headers")
        command.append("config.asgi:application")
        with self.log_path.open("ab") as log:
            log.write(f"\n=== start {self.starts + 1}: {' '.join(command)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.starts += 1
        while time.monotonic() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited with {self.process.returncode}:\n{self.log()}")
            if self._answers():
                return time.monotonic() - began
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"daphne did not answer within {timeout} s:\n{self.log()}")

    def _answers(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            conn.request("GET", "/api/v1/attempts/no-such-token/")
            return conn.getresponse().status == 404
        except OSError:
            return False
        finally:
            conn.close()

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, in-flight requests die with the process."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""
