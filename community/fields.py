"""A model field that keeps personal data encrypted in the database row."""

from __future__ import annotations

from typing import Any

from django.db import models

from community.personal_data import decrypt, encrypt


class EncryptedTextField(models.TextField):
    """Plaintext in Python, a Fernet token in the database; empty stays empty."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(str(value))
