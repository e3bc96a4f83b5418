"""In CI the suite must run on the real PostgreSQL and Redis, never the embedded fallbacks."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.skipif(not os.getenv("CI"), reason="only meaningful in CI")


@pytest.mark.django_db
def test_ci_uses_postgresql() -> None:
    assert connection.vendor == "postgresql"


def test_ci_uses_redis() -> None:
    import redis

    assert settings.REDIS_URL
    assert redis.Redis.from_url(settings.REDIS_URL).ping()
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
