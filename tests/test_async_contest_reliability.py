"""A server crash mid-contest loses nothing that was acknowledged.

Twenty simulated participants start attempts through the API and keep saving (and
changing) answers against a real daphne process. The test SIGKILLs that process
while they are answering, starts it again on the same port, and the participants
carry on: a request that failed was not acknowledged, so they send it again, as the
page's script does when the network drops. Then every answer the server
acknowledged with a 200 must be in the database with the acknowledged choice (the
latest per question), and every attempt must resume: the detail API shows it in
progress with its choices, and starting again with the same identity returns it.

Only meaningful on PostgreSQL: the server subprocess must share the test database.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection

from contest.asynchronous.models import Attempt, AttemptAnswer
from tests.contest_fixtures import open_contest, publish_bank
from tests.server_process import DaphneServer, free_port, server_env

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: a server subprocess shares the test database",
    ),
    pytest.mark.slow,
]

PARTICIPANTS = 20
QUESTIONS = 6
SAVE_PAUSE = (0.15, 0.35)  # a person taps every so often; keeps under 120 saves/min
RETRY_PAUSE = 0.15
ANSWER_BEFORE_KILL = 1.5  # seconds of answering before the crash
GIVE_UP_AFTER = 45.0  # the whole simulation, so the test cannot hang


# Server-side errors the environment may cause and a client rightly retries: another
# process holding PostgreSQL's connections. Any other traceback in the log is a bug.
TOLERATED_SERVER_ERRORS = ("too many clients already", "remaining connection slots are reserved")


def server_exceptions(log: str) -> list[str]:
    """The final line of each traceback the server logged, except tolerated ones."""
    found = re.findall(r"^([\w.]+(?:Error|Exception|Exit)\b.*)$", log, flags=re.MULTILINE)
    return [line for line in found if not any(t in line for t in TOLERATED_SERVER_ERRORS)]


class Unacknowledged(Exception):
    """No usable response: connection refused or reset, timeout, or a 5xx."""


@dataclass
class Client:
    port: int
    address: str  # the participant's own IP, passed on as a reverse proxy would
    unexpected: list[str] = field(default_factory=list)
    failures: int = 0
    server_errors: int = 0

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request(
                method,
                path,
                body=json.dumps(body) if body is not None else None,
                headers={"Content-Type": "application/json", "X-Forwarded-For": self.address},
            )
            response = conn.getresponse()
            status, raw = response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.failures += 1
            raise Unacknowledged(repr(exc)) from exc
        finally:
            conn.close()
        if status >= 500:  # not stored, or stored and idempotent: the client sends again
            self.failures += 1
            self.server_errors += 1
            raise Unacknowledged(str(status))
        return status, json.loads(raw) if raw else None


@dataclass
class Participant:
    number: int
    slug: str
    client: Client
    restarted: threading.Event
    deadline: float
    token: str = ""
    starts: int = 0
    options: dict[int, list[int]] = field(default_factory=dict)  # position -> option ids
    acked: dict[int, list[int]] = field(default_factory=dict)  # latest acknowledged
    acked_at: dict[int, float] = field(default_factory=dict)
    saves: int = 0
    error: str = ""

    @property
    def identity(self) -> dict[str, str]:
        return {
            "full_name": f"Người thử {self.number}",
            "phone": f"0913{self.number:06d}",
            "commune": "02647",
            "target_group": "resident",
        }

    def until_acknowledged(
        self, method: str, path: str, body: dict[str, Any] | None
    ) -> tuple[int, Any]:
        while time.monotonic() < self.deadline:
            try:
                return self.client.call(method, path, body)
            except Unacknowledged:
                time.sleep(RETRY_PAUSE)
        raise TimeoutError(f"participant {self.number}: no answer to {method} {path}")

    def start(self) -> None:
        path = f"/api/v1/contests/{self.slug}/attempts/"
        status, data = self.until_acknowledged("POST", path, self.identity)
        self.starts += 1
        if status != 201:
            raise AssertionError(f"start -> {status} {data}")
        self.token = data["token"]
        self.options = {q["position"]: [o["id"] for o in q["options"]] for q in data["questions"]}

    def save(self, position: int, choice: list[int]) -> None:
        """Send until the server acknowledges: a failed send was not stored, or was
        stored and will be stored again (the API is idempotent)."""
        path = f"/api/v1/attempts/{self.token}/answers/"
        status, data = self.until_acknowledged(
            "POST", path, {"position": position, "choice": choice}
        )
        if status != 200 or not data.get("saved"):
            self.client.unexpected.append(f"save -> {status} {data}")
            raise AssertionError(f"save -> {status} {data}")
        self.acked_at[position] = time.monotonic()
        self.acked[position] = choice
        self.saves += 1

    def run(self, delay: float) -> None:
        rng = random.Random(self.number)
        try:
            time.sleep(delay)  # people arrive over a second or so, some around the crash
            self.start()
            # Answering and changing one's mind, until the server has come back...
            while not self.restarted.is_set() and time.monotonic() < self.deadline:
                position = rng.choice(sorted(self.options))
                self.save(position, [rng.choice(self.options[position])])
                time.sleep(rng.uniform(*SAVE_PAUSE))
            # ...then finishing: every question not answered yet, once.
            for position in sorted(set(self.options) - set(self.acked)):
                self.save(position, [rng.choice(self.options[position])])
                time.sleep(rng.uniform(*SAVE_PAUSE) / 4)
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"


@pytest.mark.django_db(transaction=True)
def test_a_killed_server_keeps_every_acknowledged_answer_and_every_attempt_resumes(
    tmp_path,
) -> None:
    publish_bank(16, prefix="crash")
    contest = open_contest(slug="thi-sap-may", questions_per_attempt=QUESTIONS)
    port = free_port()
    server = DaphneServer(port, server_env(), tmp_path / "daphne.log", proxy_headers=True)
    restarted = threading.Event()
    began = time.monotonic()
    deadline = began + GIVE_UP_AFTER
    people = [
        Participant(i, contest.slug, Client(port, f"10.20.0.{i}"), restarted, deadline)
        for i in range(1, PARTICIPANTS + 1)
    ]
    threads = [
        threading.Thread(target=p.run, args=(0.06 * i,), daemon=True) for i, p in enumerate(people)
    ]
    try:
        first_boot = server.start()
        for thread in threads:
            thread.start()
        # Let them answer for a while, until enough is acknowledged to lose.
        t0 = time.monotonic()
        while time.monotonic() - t0 < 6 and (
            time.monotonic() - t0 < ANSWER_BEFORE_KILL
            or sum(len(p.acked) for p in people) < 2 * PARTICIPANTS
        ):
            time.sleep(0.05)
        killed_at = time.monotonic()
        server.kill()
        acked_before_kill = {
            p.number: {
                pos: c
                for pos, c in p.acked.copy().items()
                if p.acked_at.get(pos, killed_at) < killed_at
            }
            for p in people
        }
        started_before_kill = sum(1 for p in people if p.token)
        time.sleep(0.3)  # the participants meet a dead server and keep retrying
        reboot = server.start()
        restarted.set()
        for thread in threads:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
        simulated = time.monotonic() - began

        errors = {p.number: p.error for p in people if p.error}
        assert not errors, f"{errors}\n{server.log()}"
        assert not any(t.is_alive() for t in threads)
        unexpected = [u for p in people for u in p.client.unexpected]
        assert not unexpected, f"{unexpected}\n{server.log()}"
        assert not server_exceptions(server.log(tail=10**7)), server.log()
        failures = sum(p.client.failures for p in people)
        # The crash really happened mid-flight: requests failed and were sent again.
        assert failures > 0
        assert sum(len(a) for a in acked_before_kill.values()) >= PARTICIPANTS

        # Every acknowledged answer is stored with the latest acknowledged choice.
        kept_through_crash = 0
        for p in people:
            assert len(p.acked) == QUESTIONS, p.number  # everyone finished answering
            stored = dict(
                AttemptAnswer.objects.filter(question__attempt__token=p.token).values_list(
                    "question__position", "choice"
                )
            )
            assert stored == p.acked, f"participant {p.number}"
            kept_through_crash += sum(
                stored[pos] == choice for pos, choice in acked_before_kill[p.number].items()
            )

        # One attempt per person, however many start requests were retried.
        attempts = Attempt.objects.filter(contest=contest)
        assert attempts.count() == PARTICIPANTS
        assert {a.token for a in attempts} == {p.token for p in people}
        assert all(a.status == Attempt.Status.IN_PROGRESS for a in attempts)

        # Every attempt resumes, through the server that came back.
        for p in people:
            p.deadline = time.monotonic() + 15
            status, data = p.until_acknowledged("GET", f"/api/v1/attempts/{p.token}/", None)
            assert status == 200
            assert data["status"] == "in_progress"
            assert data["seconds_left"] > 0
            assert {q["position"]: q["chosen"] for q in data["questions"]} == p.acked
            status, again = p.until_acknowledged(
                "POST", f"/api/v1/contests/{contest.slug}/attempts/", p.identity
            )
            assert status == 201, again
            assert again["token"] == p.token
            assert {q["position"]: q["chosen"] for q in again["questions"]} == p.acked
        print(
            f"\nboot {first_boot:.2f}s, reboot after SIGKILL {reboot:.2f}s, simulation "
            f"{simulated:.2f}s; {sum(p.saves for p in people)} acknowledged saves "
            f"({kept_through_crash}/{sum(len(a) for a in acked_before_kill.values())} answers "
            f"held at the crash unchanged since), {failures} failed requests retried "
            f"({sum(p.client.server_errors for p in people)} of them 5xx), "
            f"{started_before_kill}/{PARTICIPANTS} started before the crash"
        )
    finally:
        restarted.set()
        server.kill()
        for p in people:
            p.deadline = 0  # stop retrying
        for thread in threads:
            if thread.is_alive():
                thread.join(timeout=6)
