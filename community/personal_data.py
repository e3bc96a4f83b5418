"""Encryption and keyed hashing of personal data (citizen ID, phone, date of birth).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under keys from
the environment; MultiFernet decrypts with any listed key and encrypts with the
first, so keys rotate without a flag day. Look-ups and de-duplication use an
HMAC-SHA256 of the normalised value under a separate key, so the database
never needs the plaintext to find a person.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(plaintext: str) -> str:
    return _cipher(tuple(settings.PII_ENCRYPTION_KEYS)).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _cipher(tuple(settings.PII_ENCRYPTION_KEYS)).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        # A token no configured key opens means a lost or misconfigured key:
        # fail loudly rather than show garbage or an empty value.
        raise ValueError("personal data cannot be decrypted with the configured keys") from exc


def keyed_hash(kind: str, normalised_value: str) -> str:
    """A stable, non-reversible look-up key; `kind` keeps phone and ID hashes apart."""
    message = f"{kind}:{normalised_value}".encode()
    return hmac.new(settings.PII_HASH_KEY.encode(), message, hashlib.sha256).hexdigest()


_PHONE_PREFIXES = ("03", "05", "07", "08", "09")


def normalise_phone(raw: str) -> str:
    """Return a Vietnamese mobile number as ten digits starting with 0.

    Accepts spaces, dots, dashes and the +84 / 84 country prefix, as people type them.
    """
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not re.fullmatch(r"\d{10}", digits) or not digits.startswith(_PHONE_PREFIXES):
        raise ValidationError(
            _("Số điện thoại không hợp lệ: cần 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09."),
            code="invalid_phone",
        )
    return digits


def normalise_citizen_id(raw: str, *, birth_year: int | None = None) -> str:
    """Validate a 12-digit CCCD number.

    Digit 4 encodes sex and century (0/1: 1900s, 2/3: 2000s, 4/5: 2100s) and digits
    5-6 the last two digits of the birth year; when the birth year is known they must agree.
    """
    digits = re.sub(r"\s", "", raw or "")
    if not re.fullmatch(r"\d{12}", digits):
        raise ValidationError(
            _("Số căn cước công dân phải gồm đúng 12 chữ số."), code="invalid_citizen_id"
        )
    if birth_year is not None:
        century_digit = int(digits[3])
        century = 1900 + 100 * (century_digit // 2)
        if century_digit > 5 or century + int(digits[4:6]) != birth_year:
            raise ValidationError(
                _("Số căn cước công dân không khớp với năm sinh."), code="citizen_id_birth_year"
            )
    return digits
