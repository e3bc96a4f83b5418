"""Citizen ID, phone and date of birth are encrypted at rest and found by keyed hash."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings

from community.models import Commune, Participant, TargetGroup
from community.personal_data import keyed_hash, normalise_citizen_id, normalise_phone

pytestmark = pytest.mark.django_db

CCCD = "015185001234"  # province 015, century digit 1 (female, 1900s), born 1985
PHONE = "0912345678"


def make_participant(**overrides: object) -> Participant:
    fields: dict[str, object] = {
        "full_name": "Lò Thị Mai",
        "target_group": TargetGroup.objects.get(code="resident"),
        "commune": Commune.objects.get(code="02647"),
        "birth_year": 1985,
        "citizen_id": CCCD,
        "phone": "+84 912 345 678",
        "date_of_birth": "1985-04-02",
    }
    fields.update(overrides)
    participant = Participant(**fields)
    participant.save()
    return participant


def raw_row(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT citizen_id, phone, date_of_birth, citizen_id_hash, phone_hash "
            "FROM community_participant WHERE id = %s",
            [pk],
        )
        return " ".join(str(v) for v in cursor.fetchone())


def test_the_raw_database_row_holds_no_plaintext_personal_data() -> None:
    participant = make_participant()
    row = raw_row(participant.pk)
    for secret in (CCCD, PHONE, "912345678", "1985-04-02", "185001234"):
        assert secret not in row


def test_values_decrypt_when_read_back() -> None:
    participant = Participant.objects.get(pk=make_participant().pk)
    assert participant.citizen_id == CCCD
    assert participant.phone == PHONE  # normalised from +84
    assert participant.date_of_birth == "1985-04-02"
    assert participant.masked_phone == "091****678"


def test_a_person_is_found_by_the_keyed_hash_of_their_phone() -> None:
    participant = make_participant()
    found = Participant.objects.get(phone_hash=keyed_hash("phone", normalise_phone("091 234 5678")))
    assert found.pk == participant.pk


def test_the_same_citizen_id_cannot_register_twice() -> None:
    from django.db import IntegrityError, transaction

    make_participant()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_participant(phone="0987654321")


def test_hash_keys_separate_kinds_of_data() -> None:
    assert keyed_hash("phone", "0912345678") != keyed_hash("cccd", "0912345678")


def test_rotated_keys_still_open_old_values() -> None:
    old_key = Fernet.generate_key().decode()
    new_key = Fernet.generate_key().decode()
    with override_settings(PII_ENCRYPTION_KEYS=[old_key]):
        pk = make_participant().pk
    with override_settings(PII_ENCRYPTION_KEYS=[new_key, old_key]):
        assert Participant.objects.get(pk=pk).citizen_id == CCCD
    with override_settings(PII_ENCRYPTION_KEYS=[new_key]), pytest.raises(ValueError):
        Participant.objects.get(pk=pk)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912345678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0387-654-321", "0387654321"),
    ],
)
def test_phone_numbers_are_normalised(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "0212345678", "09123456789", "abcdefghij"])
def test_invalid_phone_numbers_get_a_vietnamese_error(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalise_phone(raw)
    assert "Số điện thoại không hợp lệ" in caught.value.messages[0]


def test_citizen_id_must_have_12_digits() -> None:
    with pytest.raises(ValidationError, match="12 chữ số"):
        normalise_citizen_id("01518500123")


def test_citizen_id_must_agree_with_the_birth_year() -> None:
    assert normalise_citizen_id(CCCD, birth_year=1985) == CCCD
    assert normalise_citizen_id("015305001234", birth_year=2005) == "015305001234"
    with pytest.raises(ValidationError, match="không khớp với năm sinh"):
        normalise_citizen_id(CCCD, birth_year=1990)


def test_saving_an_invalid_phone_is_refused_and_nothing_is_written() -> None:
    with pytest.raises(ValidationError):
        make_participant(phone="12345")
    assert Participant.objects.count() == 0
