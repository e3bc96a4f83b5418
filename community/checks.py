"""Deployment checks: production must not run on the demo's keys."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def check_secrets(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if settings.DEV_PII_ENCRYPTION_KEY in settings.PII_ENCRYPTION_KEYS:
        errors.append(
            Error(
                "PII_ENCRYPTION_KEYS still contains the demo key.",
                hint="Generate one with `python manage.py pii_key` and set it in the environment.",
                id="community.E001",
            )
        )
    if settings.PII_HASH_KEY == settings.DEV_PII_HASH_KEY:
        errors.append(
            Error(
                "PII_HASH_KEY is the demo key.",
                hint="Set a long random value.",
                id="community.E002",
            )
        )
    return errors
