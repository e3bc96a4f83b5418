"""Under ASGI a request runs Django's middleware chain in one thread: each crossing
between the event loop and a thread waits behind the answer saves on that loop."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref import sync
from django.test import AsyncClient

pytestmark = pytest.mark.django_db


async def test_an_api_request_crosses_to_a_thread_only_a_few_times(monkeypatch) -> None:
    crossings = 0
    original = sync.SyncToAsync.__call__

    async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal crossings
        crossings += 1
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counted)
    client = AsyncClient()
    await client.post("/api/v1/attempts/khong-co/submit/", {}, content_type="application/json")
    crossings = 0
    response = await client.post(
        "/api/v1/attempts/khong-co/submit/", {}, content_type="application/json"
    )
    assert response.status_code == 404
    # Without config.sync_middleware_chain at the end of MIDDLEWARE this was 17.
    assert crossings <= 8, crossings


def test_daphnes_content_type_parser_answers_the_same_from_its_cache() -> None:
    from twisted.web import http

    from config import twisted_content_type

    original = twisted_content_type._ORIGINAL
    assert original is not None
    twisted_content_type.install()
    twisted_content_type.install()  # idempotent
    cached = http._parseContentType
    for header in (b"application/json", b"application/json; charset=utf-8", b"text/html"):
        assert cached(header) == original(header)
        assert cached(header) == original(header)
    assert cached.cache_info().hits >= 3  # type: ignore[attr-defined]
