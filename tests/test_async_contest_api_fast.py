"""The lean answer-save endpoint (contest/asynchronous/fast_save.py) in front of
Django's ASGI app: it stores the usual save itself, with the same guarantees as the
API view, and passes everything else to Django, which answers as before.

Driven in-process on one event loop, against real PostgreSQL (the endpoint's async
pool needs committed rows, hence transactional tests)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from django.core.handlers.asgi import ASGIHandler
from django.db import connection
from django.utils import timezone

from contest.asynchronous import services
from contest.asynchronous.backpressure import Bounded
from contest.asynchronous.fast_save import (
    AnswerSaveEndpoint,
    _connection_kwargs,
    save_input,
)
from contest.asynchronous.models import Attempt, AttemptAnswer, AttemptQuestion
from tests.contest_fixtures import key_choice, open_contest, person, publish_bank, wrong_choice


def on_postgresql(test: Any) -> Any:
    """The endpoint's own pool reads committed rows: transactional tests on PostgreSQL."""
    test = pytest.mark.django_db(transaction=True)(test)
    return pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the lean endpoint runs on PostgreSQL only"
    )(test)


@dataclass
class Reply:
    status: int
    headers: dict[bytes, bytes]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class Lean:
    """The endpoint in front of Django's ASGI handler, on an event loop of its own;
    `passed` lists the requests it handed to Django."""

    def __init__(self, **options: Any) -> None:
        self.runner = asyncio.Runner()
        self.passed: list[str] = []
        django = ASGIHandler()

        async def django_app(scope: Any, receive: Any, send: Any) -> None:
            self.passed.append(scope["path"])
            await django(scope, receive, send)

        self.endpoint = AnswerSaveEndpoint(django_app, **options)

    async def request(
        self, path: str, payload: Any, *, content_type: str = "application/json", **headers: str
    ) -> Reply:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", headers.pop("host", "testserver").encode()),
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
                *((k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()),
            ],
            "client": ("127.0.0.1", 40000),
            "server": ("testserver", 80),
        }
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await asyncio.sleep(3600)  # the client stays connected
            return {"type": "http.disconnect"}

        sent: list[dict[str, Any]] = []

        async def send(message: Any) -> None:
            sent.append(message)

        await self.endpoint(scope, receive, send)
        start = next(m for m in sent if m["type"] == "http.response.start")
        text = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return Reply(start["status"], dict(start["headers"]), text.decode())

    def post(self, path: str, payload: Any, **kwargs: Any) -> Reply:
        return self.runner.run(self.request(path, payload, **kwargs))

    def save(self, token: str, **payload: Any) -> Reply:
        return self.post(f"/api/v1/attempts/{token}/answers/", payload)

    def close(self) -> None:
        self.runner.run(self.endpoint.close())
        self.runner.close()


@pytest.fixture
def own_rate_limits(settings) -> None:
    """Rate-limit counters live in the cache (Redis in CI, shared): a prefix of our own."""
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"fast-{uuid.uuid4().hex[:12]}"}
        for alias, config in settings.CACHES.items()
    }


@pytest.fixture
def lean(own_rate_limits) -> Iterator[Lean]:
    client = Lean()
    yield client
    client.close()


@pytest.fixture
def attempt() -> Attempt:
    publish_bank(12)
    return services.attempt_start(contest=open_contest(), participant=person())


def question(attempt: Attempt, position: int) -> AttemptQuestion:
    return AttemptQuestion.objects.select_related("version").get(attempt=attempt, position=position)


def stored(attempt: Attempt, position: int) -> AttemptAnswer | None:
    return AttemptAnswer.objects.filter(
        question__attempt=attempt, question__position=position
    ).first()


# --- the usual save never reaches Django ----------------------------------------


@on_postgresql
def test_it_stores_a_save_itself_and_answers_like_the_api(lean, attempt) -> None:
    q1 = question(attempt, 1)
    reply = lean.save(attempt.token, position=1, choice=[q1.option_order[0]], page="p1", seq=1)
    assert reply.status == 200, reply.text
    assert lean.passed == []
    answer = stored(attempt, 1)
    assert answer is not None and answer.choice == [q1.option_order[0]]
    assert (answer.client_page, answer.client_seq, answer.revisions) == ("p1", 1, 1)
    body = reply.json()
    assert set(body) == {"saved", "position", "saved_at", "seconds_left"}
    assert body["saved"] is True and body["position"] == 1
    assert dt.datetime.fromisoformat(body["saved_at"]) == answer.saved_at
    assert body["saved_at"].endswith("Z")  # UTC, as DRF's encoder writes it
    assert 14 * 60 < body["seconds_left"] <= 15 * 60
    assert reply.headers[b"content-type"] == b"application/json"
    assert reply.headers[b"x-content-type-options"] == b"nosniff"

    # Django's API view answers the same shape for the same kind of request.
    django = lean.post(
        f"/api/v1/attempts/{attempt.token}/answers/",
        {"position": 2, "choice": [question(attempt, 2).option_order[0]]},
        content_type="application/json; charset=latin-1",  # not ours: Django's
    )
    assert lean.passed == [f"/api/v1/attempts/{attempt.token}/answers/"]
    assert django.status == 200 and set(django.json()) == set(body)
    assert django.json()["saved_at"].endswith("Z")


@on_postgresql
def test_the_same_answer_again_is_stored_once(lean, attempt) -> None:
    q1 = question(attempt, 1)
    replies = [lean.save(attempt.token, position=1, choice=key_choice(q1)) for _ in range(3)]
    assert [r.status for r in replies] == [200, 200, 200]
    assert len({r.json()["saved_at"] for r in replies}) == 1  # still the first save's time
    assert AttemptAnswer.objects.filter(question__attempt=attempt).count() == 1
    assert stored(attempt, 1).revisions == 1  # type: ignore[union-attr]
    lean.save(attempt.token, position=1, choice=wrong_choice(q1))
    assert stored(attempt, 1).revisions == 2  # type: ignore[union-attr]
    assert lean.passed == []


@on_postgresql
def test_a_late_older_save_from_the_same_page_never_overwrites_a_newer_one(lean, attempt) -> None:
    q1 = question(attempt, 1)
    right, wrong = key_choice(q1), wrong_choice(q1)
    assert lean.save(attempt.token, position=1, choice=right, page="page-a", seq=2).status == 200
    late = lean.save(attempt.token, position=1, choice=wrong, page="page-a", seq=1)
    assert late.status == 200  # acknowledged: the newer save from that page stands
    assert stored(attempt, 1).choice == right  # type: ignore[union-attr]
    # a reload or another device is a new page: its save is the latest action
    assert lean.save(attempt.token, position=1, choice=wrong, page="page-b", seq=1).status == 200
    assert stored(attempt, 1).choice == wrong  # type: ignore[union-attr]
    # a save without a page (another client) always counts, and keeps page-b's counter
    assert lean.save(attempt.token, position=1, choice=right).status == 200
    answer = stored(attempt, 1)
    assert answer is not None
    assert (answer.choice, answer.client_page, answer.client_seq) == (right, "page-b", 1)


# --- what Django decides ----------------------------------------------------------


@on_postgresql
def test_a_save_after_the_deadline_is_refused_and_the_attempt_auto_submitted(lean, attempt) -> None:
    q1, q2 = question(attempt, 1), question(attempt, 2)
    assert lean.save(attempt.token, position=1, choice=key_choice(q1)).status == 200
    # The deadline passes while the endpoint holds the attempt's draw in its cache.
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now())
    late = lean.save(attempt.token, position=2, choice=key_choice(q2))
    assert late.status == 409
    assert late.json()["code"] == "too_late"
    assert "hết giờ" in late.json()["error"]
    assert stored(attempt, 2) is None
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.AUTO_SUBMITTED
    assert attempt.score == 1.0  # the acknowledged answer counts


@on_postgresql
def test_a_deadline_extended_while_cached_is_honoured(lean, attempt) -> None:
    """Accessible time extends a running attempt: nothing about the deadline is cached."""
    q1 = question(attempt, 1)
    assert lean.save(attempt.token, position=1, choice=key_choice(q1)).status == 200
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline_at=attempt.deadline_at + dt.timedelta(minutes=30)
    )
    reply = lean.save(attempt.token, position=1, choice=wrong_choice(q1))
    assert reply.status == 200
    assert reply.json()["seconds_left"] > 40 * 60


@on_postgresql
def test_a_submitted_attempt_takes_no_more_answers(lean, attempt) -> None:
    q1 = question(attempt, 1)
    assert lean.save(attempt.token, position=1, choice=key_choice(q1)).status == 200
    services.attempt_submit(attempt=attempt)
    refused = lean.save(attempt.token, position=1, choice=wrong_choice(q1))
    assert refused.status == 409
    assert refused.json()["code"] == "closed"
    assert "đã được nộp" in refused.json()["error"]
    assert stored(attempt, 1).choice == key_choice(q1)  # type: ignore[union-attr]


@on_postgresql
@pytest.mark.parametrize(
    ("payload", "code", "message"),
    [
        ({"position": 1, "choice": [999999]}, "unknown_option", "không thuộc câu hỏi"),
        ({"position": 1, "choice": []}, "one_option", "đúng một phương án"),
        ({"position": 99, "choice": [1]}, "position", "Không có câu hỏi số 99"),
    ],
)
def test_a_bad_choice_is_explained_in_vietnamese_and_nothing_is_stored(
    lean, attempt, payload, code, message
) -> None:
    reply = lean.save(attempt.token, **payload)
    assert reply.status == 400
    assert reply.json()["code"] == code
    assert message in reply.json()["error"]
    assert not AttemptAnswer.objects.exists()


@on_postgresql
def test_input_the_serializer_would_read_differently_goes_to_django(lean, attempt) -> None:
    option = question(attempt, 1).option_order[0]
    path = f"/api/v1/attempts/{attempt.token}/answers/"
    # Strings where numbers belong: the serializer converts them, so Django stores it.
    assert lean.post(path, {"position": "1", "choice": [str(option)]}).status == 200
    # A blank page field is an error there, in its own words.
    blank = lean.post(path, {"position": 1, "choice": [option], "page": ""})
    assert blank.status == 400 and "page" in blank.json()
    assert lean.post(path, b"not json").status == 400
    assert lean.passed == [path, path, path]
    assert stored(attempt, 1).choice == [option]  # type: ignore[union-attr]


@on_postgresql
def test_an_unknown_token_is_not_found(lean, attempt) -> None:
    assert lean.save("no-such-token", position=1, choice=[1]).status == 404


@on_postgresql
def test_no_save_response_reveals_the_key(lean, attempt) -> None:
    texts = []
    for position in range(1, 6):
        q = question(attempt, position)
        texts.append(lean.save(attempt.token, position=position, choice=wrong_choice(q)).text)
        texts.append(lean.save(attempt.token, position=position, choice=key_choice(q)).text)
    texts.append(lean.save(attempt.token, position=1, choice=[0]).text)
    for text in texts:
        assert "correct" not in text.lower()
        assert "Vì đó là đáp án đúng." not in text
    # a right and a wrong answer get the very same kind of reply
    assert {tuple(json.loads(t)) for t in texts[:-1]} == {
        ("saved", "position", "saved_at", "seconds_left")
    }


@on_postgresql
def test_https_redirects_and_host_checks_stay_with_django(
    own_rate_limits, attempt, settings
) -> None:
    option = question(attempt, 1).option_order[0]
    path = f"/api/v1/attempts/{attempt.token}/answers/"
    settings.SECURE_SSL_REDIRECT = True
    lean = Lean()  # Django's middleware reads its settings when it starts
    try:
        evil = lean.post(path, {"position": 1, "choice": [option]}, host="evil.example")
        assert evil.status == 400
        assert lean.post(path, {"position": 1, "choice": [option]}).status == 301
        assert stored(attempt, 1) is None
        assert lean.passed == [path, path]
        secure = lean.post(path, {"position": 1, "choice": [option]}, x_forwarded_proto="https")
    finally:
        lean.close()
    assert secure.status == 200 and len(lean.passed) == 2
    assert b"strict-transport-security" not in secure.headers  # HSTS is off in tests


# --- rate limits and overload -------------------------------------------------------


@on_postgresql
def test_saves_are_rate_limited_per_attempt_and_counted_once(lean, attempt, settings) -> None:
    settings.RATE_LIMIT_SCALE = 3 / 120  # three saves a minute per attempt
    q1 = question(attempt, 1)
    assert lean.save(attempt.token, position=1, choice=key_choice(q1)).status == 200
    # Passed on to Django after counting here: Django must not count it again.
    assert lean.save(attempt.token, position=1, choice=[0]).status == 400
    assert lean.save(attempt.token, position=1, choice=wrong_choice(q1)).status == 200
    limited = lean.save(attempt.token, position=1, choice=key_choice(q1))
    assert limited.status == 429 and limited.json()["code"] == "rate_limited"
    assert stored(attempt, 1).choice == wrong_choice(q1)  # type: ignore[union-attr]


def _locked(attempt: Attempt) -> psycopg.Connection[Any]:
    """Another connection holding the attempt's row as attempt_submit does."""
    locker = psycopg.connect(**_connection_kwargs())
    locker.execute("SELECT id FROM contest_attempt WHERE id = %s FOR UPDATE", (attempt.pk,))
    return locker


@on_postgresql
def test_an_overloaded_worker_answers_503_with_retry_after(own_rate_limits, attempt) -> None:
    lean = Lean(max_in_flight=1)
    first_choice, second_choice = key_choice(question(attempt, 1)), key_choice(question(attempt, 2))
    locker = _locked(attempt)

    async def scenario() -> tuple[Reply, Reply]:
        first = asyncio.create_task(
            lean.request(
                f"/api/v1/attempts/{attempt.token}/answers/",
                {"position": 1, "choice": first_choice},
            )
        )
        while lean.endpoint.in_flight < 1:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # the first save now waits for the locked row
        second = await lean.request(
            f"/api/v1/attempts/{attempt.token}/answers/",
            {"position": 2, "choice": second_choice},
        )
        await asyncio.to_thread(locker.commit)
        return await first, second

    try:
        first, second = lean.runner.run(scenario())
    finally:
        locker.close()
        lean.close()
    assert second.status == 503
    assert second.headers[b"retry-after"] == b"1"  # a save is small: soon
    assert stored(attempt, 2) is None
    assert first.status == 200  # served once the row was free
    assert stored(attempt, 1).choice == first_choice  # type: ignore[union-attr]


@on_postgresql
def test_a_save_racing_the_submission_is_either_scored_or_refused(lean, attempt) -> None:
    """The save locks the attempt's row: a submission holding it makes the save wait,
    then fail; an acknowledged answer is always one the score saw."""
    choice = key_choice(question(attempt, 1))
    lean.save(attempt.token, position=2, choice=key_choice(question(attempt, 2)))  # warm cache
    locker = _locked(attempt)

    async def scenario() -> Reply:
        save = asyncio.create_task(
            lean.request(
                f"/api/v1/attempts/{attempt.token}/answers/",
                {"position": 1, "choice": choice},
            )
        )
        await asyncio.sleep(0.3)
        assert not save.done()  # waiting for the submission to finish

        def submit() -> None:
            locker.execute(
                "UPDATE contest_attempt SET status = 'submitted', submitted_at = now() "
                "WHERE id = %s",
                (attempt.pk,),
            )
            locker.commit()

        await asyncio.to_thread(submit)
        return await save

    try:
        reply = lean.runner.run(scenario())
    finally:
        locker.close()
    assert reply.status == 409 and reply.json()["code"] == "closed"
    assert stored(attempt, 1) is None


# --- the parser ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"position": 3, "choice": [5, 7]}', (3, [5, 7], None)),
        (b'{"position": 1, "choice": [2], "page": "ab12", "seq": 4}', (1, [2], ("ab12", 4))),
        (b'{"position": 1, "choice": [], "extra": "ignored"}', (1, [], None)),
    ],
)
def test_the_parser_takes_what_the_serializer_takes_as_is(body, expected) -> None:
    found = save_input(body)
    assert found is not None
    assert (found.position, found.choice, found.client) == expected


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b"{",
        b'{"choice": [1]}',
        b'{"position": 0, "choice": [1]}',
        b'{"position": true, "choice": [1]}',
        b'{"position": 1.0, "choice": [1]}',
        b'{"position": "1", "choice": [1]}',
        b'{"position": 1, "choice": ["1"]}',
        b'{"position": 1, "choice": 1}',
        b'{"position": 1, "choice": [1,2,3,4,5,6,7,8,9,10,11]}',
        b'{"position": 1, "choice": [1], "page": ""}',
        b'{"position": 1, "choice": [1], "page": " a "}',
        b'{"position": 1, "choice": [1], "page": "' + b"x" * 25 + b'"}',
        b'{"position": 1, "choice": [1], "page": null}',
        b'{"position": 1, "choice": [1], "page": 7}',
        b'{"position": 1, "choice": [1], "page": "a\\u0000b"}',
        b'\xef\xbb\xbf{"position": 1, "choice": [1]}',
        b'{"position": 1, "choice": [1], "seq": -1}',
        b'{"position": 1, "choice": [1], "seq": 2147483648}',
    ],
)
def test_the_parser_leaves_anything_else_to_django(body) -> None:
    assert save_input(body) is None


# --- the bound on Django's share of a worker ----------------------------------------


async def _call(app: Any, path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "http", "path": path, "method": "GET"}, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], dict(start["headers"]), sent[-1].get("body", b"")


def test_django_runs_a_bounded_number_of_requests_and_sheds_the_excess() -> None:
    inside, most = 0, 0
    release = asyncio.Event()

    async def slow_django(scope: Any, receive: Any, send: Any) -> None:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await release.wait()
        inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    gate = Bounded(slow_django, concurrency=2, max_waiting=3)

    async def scenario() -> list[tuple[int, dict[bytes, bytes], bytes]]:
        admitted = [asyncio.create_task(_call(gate, "/thi/")) for _ in range(5)]
        await asyncio.sleep(0.05)
        assert (inside, gate.waiting) == (2, 3)  # two inside, three waiting their turn
        shed = [await _call(gate, "/thi/"), await _call(gate, "/api/v1/attempts/x/")]
        release.set()
        return [*shed, *await asyncio.gather(*admitted)]

    replies = asyncio.run(scenario())
    assert most == 2
    page, api, *served = replies
    assert [status for status, _h, _b in served] == [200] * 5  # the waiting ones too
    assert page[0] == api[0] == 503
    assert page[1][b"retry-after"] == api[1][b"retry-after"] == b"2"
    assert page[2].decode() == "Hệ thống đang bận. Xin chờ vài giây rồi thử lại."
    assert json.loads(api[2]) == {"error": "busy", "code": "busy"}
