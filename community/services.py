"""Finding and registering participants, shared by contests, live games and placement."""

from __future__ import annotations

import unicodedata

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from community.models import (
    EXTRA_TIME_CHOICES,
    AuditEvent,
    Commune,
    Participant,
    School,
    TargetGroup,
)
from community.personal_data import keyed_hash, normalise_phone

# Where a browser session keeps the participant who identified on it.
PARTICIPANT_SESSION_KEY = "participant_id"


def _name_key(name: str) -> str:
    folded = unicodedata.normalize("NFC", " ".join(name.split())).casefold()
    return folded


@transaction.atomic
def participant_identify(
    *,
    full_name: str,
    phone: str,
    commune_code: str,
    target_group: str,
    school_id: int | None = None,
    class_name: str = "",
    student_code: str = "",
    birth_year: int | None = None,
    phone_required: bool = True,
) -> Participant:
    """Find the person by phone number, or register them. The same phone with a
    different name is refused rather than merged, so no one takes over another's attempt.

    At a kiosk, an elderly resident may have no phone: then (name, birth year,
    commune) finds them, or registers them."""
    full_name = " ".join(full_name.split())
    if len(full_name) < 2:
        raise ValidationError(_("Hãy nhập họ và tên."), code="name")
    normalised = normalise_phone(phone) if phone.strip() or phone_required else ""
    commune = Commune.objects.filter(code=commune_code).first()
    if commune is None:
        raise ValidationError(_("Hãy chọn xã, phường nơi bạn sống."), code="commune")
    group = TargetGroup.objects.filter(code=target_group).first()
    if group is None:
        raise ValidationError(_("Hãy chọn nhóm đối tượng."), code="target_group")
    school = School.objects.filter(pk=school_id).first() if school_id else None
    if normalised:
        existing = (
            Participant.objects.select_for_update()
            .filter(phone_hash=keyed_hash("phone", normalised))
            .first()
        )
    else:
        existing = (
            Participant.objects.select_for_update()
            .filter(
                phone_hash="", birth_year=birth_year, commune=commune, full_name__iexact=full_name
            )
            .first()
        )
    if existing is not None:
        if _name_key(existing.full_name) != _name_key(full_name):
            raise ValidationError(
                _(
                    "Số điện thoại này đã được đăng ký với một họ tên khác. "
                    "Hãy nhập đúng họ tên đã đăng ký, hoặc dùng số điện thoại của bạn."
                ),
                code="phone_name_mismatch",
            )
        participant = existing
    else:
        participant = Participant(full_name=full_name, phone=normalised)
    participant.commune = commune
    participant.target_group = group
    if school is not None:
        participant.school = school
    participant.class_name = class_name.strip() or participant.class_name
    participant.student_code = student_code.strip() or participant.student_code
    participant.birth_year = birth_year or participant.birth_year
    participant.save()
    return participant


@transaction.atomic
def participant_extra_time_set(
    *, participant: Participant, percent: int, actor: User | None
) -> int:
    """Grant (or change) the person's accessible time, audit-logged; returns the share
    they had before. Deadlines already running are the caller's to extend."""
    if percent not in {value for value, _label in EXTRA_TIME_CHOICES}:
        raise ValidationError(_("Mức thời gian thêm không hợp lệ."), code="extra_time")
    before = Participant.objects.select_for_update().get(pk=participant.pk).extra_time_percent
    if before != percent:
        Participant.objects.filter(pk=participant.pk).update(extra_time_percent=percent)
        AuditEvent.objects.create(
            actor=actor,
            action="participant.extra_time",
            target=f"participant:{participant.pk}",
            detail={"from": before, "to": percent},
        )
    participant.extra_time_percent = percent
    return before
