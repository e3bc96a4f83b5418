"""A resident finding their own certificates: phone number, full name and birth year.

The phone is looked up by its keyed hash (never in plaintext); the name and the birth year
are the second factor, compared with what the person gave when they registered (a record
without a birth year, such as a contest entry, is matched on the name alone). The answer
is the same empty list for a phone that is unknown, a wrong name or year, and a person
with no certificate, so a caller learns nothing about whether a phone is registered.
"""

from __future__ import annotations

import unicodedata

from certification.models import Certificate
from community.models import Participant
from community.personal_data import keyed_hash, normalise_phone


def name_key(name: str) -> str:
    """A name as people type it on a phone keyboard: case, spacing and diacritics aside."""
    decomposed = unicodedata.normalize("NFD", " ".join(name.split()).casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return stripped.replace("đ", "d")


def _birth_year_matches(person: Participant, birth_year: int) -> bool:
    if person.birth_year is not None:
        return person.birth_year == birth_year
    if person.date_of_birth:
        return person.date_of_birth[:4] == str(birth_year)
    return True


def certificates_for_holder(*, phone: str, full_name: str, birth_year: int) -> list[Certificate]:
    """Certificates of the person with this phone, name and birth year (newest first).
    Raises ValidationError only for a phone number that is not a phone number."""
    wanted = name_key(full_name)
    people = [
        person
        for person in Participant.objects.filter(phone_hash=phone_key(phone))
        if name_key(person.full_name) == wanted and _birth_year_matches(person, birth_year)
    ]
    if not people or not wanted:
        return []
    return list(
        Certificate.objects.filter(participant__in=people)
        .select_related("participant")
        .order_by("-issued_at")
    )


def phone_key(phone: str) -> str:
    """The keyed hash of a phone number (ValidationError when it is not one): the look-up
    key, and the rate-limit key, so no phone number is kept in the cache in plaintext."""
    return keyed_hash("phone", normalise_phone(phone))
