"""Deployment checks: production must not sign certificates with the demo passphrase."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def check_certificate_keys(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if settings.CERT_KEY_PASSPHRASE == settings.DEV_CERT_KEY_PASSPHRASE:
        errors.append(
            Error(
                "CERT_KEY_PASSPHRASE is the demo passphrase.",
                hint="Set a long random CERT_KEY_PASSPHRASE, then run "
                "`manage.py certificates_keys init` to make keys encrypted with it.",
                id="certification.E001",
            )
        )
    if "localhost" in settings.ISSUER_DOMAIN or "127.0.0.1" in settings.ISSUER_DOMAIN:
        errors.append(
            Error(
                "ISSUER_DOMAIN names a local host, so nobody can resolve the issuer's did:web.",
                hint="Set SITE_ROOT (ISSUER_DOMAIN follows it) or ISSUER_DOMAIN to the public "
                "domain that serves /.well-known/did.json.",
                id="certification.E002",
            )
        )
    return errors
