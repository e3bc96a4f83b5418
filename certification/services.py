"""Issuing and revoking certificates.

One certificate per (person, kind, achievement, source result): a second call, or a
concurrent one, returns the row the first one made (the unique constraint decides, and
an IntegrityError means "someone else got there first"). Each new certificate takes a
random free index in a revocation status list, is signed twice with the active issuing
key (the Open Badges 3.0 credential and the paper QR), and is written to the audit log
in the same transaction. Verification lives in certification/verification.py.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certification import data_integrity, keys, open_badge, paper_qr
from certification.models import Certificate, IssuingKey, StatusList
from certification.verification import (
    CertificateCheck,
    certificate_verify_qr,
    certificate_verify_vc,
)
from community.models import AuditEvent, Participant
from contest.asynchronous.models import Contest, ContestAward
from contest.placement.models import PlacementSession

__all__ = [
    "CertificateCheck",
    "certificate_issue_for_award",
    "certificate_issue_for_placement",
    "certificate_revoke",
    "certificate_verify_qr",
    "certificate_verify_vc",
    "certificates_issue_for_contest",
    "certificates_issue_for_placements",
    "status_list_credential",
]

ADULT_AGE = 18
INDEX_ATTEMPTS = 8
ACHIEVEMENT_TYPES = {
    Certificate.Kind.PLACEMENT: "Competency",
    Certificate.Kind.PRIZE: "Award",
    Certificate.Kind.PARTICIPATION: "Achievement",
    Certificate.Kind.NGUOI_BAN_SO: "Certification",
}


@dataclass(frozen=True, slots=True)
class AchievementSpec:
    """What is certified, taken from a source result; the same spec gives the same row."""

    kind: str
    code: str
    name: str
    description: str
    criteria: str
    level_code: str
    level_name: str
    qr_level: int | str
    source_type: str
    source_id: str
    valid_days: int = 0  # 0: never expires
    assisted: bool = False


@dataclass(frozen=True, slots=True)
class BatchSummary:
    created: int
    existing: int
    failed: list[str]


# --- Issuing -------------------------------------------------------------------------


def certificate_issue_for_placement(
    session: PlacementSession, *, actor: User | None, now: dt.datetime | None = None
) -> Certificate:
    """The level certificate of a finished, eligible placement session (idempotent)."""
    return _issue(session.participant, _placement_spec(session), actor=actor, now=now)[0]


def certificate_issue_for_award(
    award: ContestAward, *, actor: User | None, now: dt.datetime | None = None
) -> Certificate:
    """The participation or prize certificate of a recorded contest award (idempotent)."""
    return _issue(award.participant, _award_spec(award), actor=actor, now=now)[0]


def certificates_issue_for_contest(
    contest: Contest,
    *,
    actor: User | None,
    progress: Callable[[int, int], None] | None = None,
) -> BatchSummary:
    """Every award of a contest, one transaction per certificate, so a batch can resume."""
    awards = ContestAward.objects.filter(contest=contest).select_related("contest", "participant")
    return _batch(
        list(awards.order_by("id")),
        lambda award: _issue(award.participant, _award_spec(award), actor=actor),
        progress,
    )


def certificates_issue_for_placements(
    *, actor: User | None, progress: Callable[[int, int], None] | None = None
) -> BatchSummary:
    sessions = PlacementSession.objects.filter(
        status=PlacementSession.Status.FINISHED, certificate_eligible=True, level__isnull=False
    ).select_related("participant", "framework", "level")
    return _batch(
        list(sessions.order_by("id")),
        lambda session: _issue(session.participant, _placement_spec(session), actor=actor),
        progress,
    )


def _batch(
    sources: list[Any],
    issue: Callable[[Any], tuple[Certificate, bool]],
    progress: Callable[[int, int], None] | None,
) -> BatchSummary:
    created = existing = 0
    failed: list[str] = []
    for done, source in enumerate(sources, start=1):
        try:
            _cert, was_created = issue(source)
        except ValidationError as exc:
            failed.append(f"{source._meta.model_name}:{source.pk}: {' '.join(exc.messages)}")
        else:
            created += was_created
            existing += not was_created
        if progress:
            progress(done, len(sources))
    return BatchSummary(created, existing, failed)


def _placement_spec(session: PlacementSession) -> AchievementSpec:
    level = session.level
    if (
        session.status != PlacementSession.Status.FINISHED
        or not session.certificate_eligible
        or level is None
    ):
        raise ValidationError(
            _("Phiên kiểm tra này chưa đủ điều kiện cấp chứng nhận."), code="not_eligible"
        )
    framework = session.framework
    with translation.override("vi"):
        return AchievementSpec(
            kind=Certificate.Kind.PLACEMENT,
            code=f"{framework.code.upper()[: 23 - len(level.code)]}-{level.code}",
            name=_("Mức kỹ năng số: %(level)s") % {"level": level.name},
            description=framework.name,
            criteria=_(
                "Đạt mức %(level)s theo %(framework)s trong bài kiểm tra xếp mức thích ứng, "
                "với xác suất đạt mức ít nhất 75%%, không có người trả lời hộ."
            )
            % {"level": level.name, "framework": framework.name},
            level_code=level.code,
            level_name=level.name,
            qr_level=level.code,
            source_type="placement_session",
            source_id=str(session.pk),
            valid_days=int(settings.CERT_PLACEMENT_VALID_DAYS),
            assisted=session.assisted,
        )


def _award_spec(award: ContestAward) -> AchievementSpec:
    contest = award.contest
    prize = award.kind == ContestAward.Kind.PRIZE
    with translation.override("vi"):
        if prize:
            label = award.label or _("Giải thưởng")
            name = _("%(prize)s — %(contest)s") % {"prize": label, "contest": contest.title}
            criteria = _("Đạt %(prize)s (hạng %(rank)s) trong %(contest)s.") % {
                "prize": label,
                "rank": award.rank or "—",
                "contest": contest.title,
            }
        else:
            label = _("Tham gia")
            name = _("Chứng nhận tham gia %(contest)s") % {"contest": contest.title}
            criteria = _("Hoàn thành bài thi của %(contest)s.") % {"contest": contest.title}
        return AchievementSpec(
            kind=Certificate.Kind.PRIZE if prize else Certificate.Kind.PARTICIPATION,
            code=f"THI-{contest.pk}-{'GIAI' if prize else 'TG'}",
            name=name[:200],
            description=contest.title,
            criteria=criteria,
            level_code=f"G{award.rank or 0}"[:8] if prize else "TG",
            level_name=label[:80],
            qr_level=(award.rank or 0) if prize else "TG",
            source_type="contest_award",
            source_id=str(award.pk),
        )


def _issue(
    participant: Participant,
    spec: AchievementSpec,
    *,
    actor: User | None,
    now: dt.datetime | None = None,
) -> tuple[Certificate, bool]:
    now = now or timezone.now()
    existing = _existing(participant, spec)
    if existing is not None:
        return existing, False
    for _attempt in range(INDEX_ATTEMPTS):
        try:
            with transaction.atomic():
                return _create_signed(participant, spec, actor=actor, now=now), True
        except IntegrityError:
            existing = _existing(participant, spec)
            if existing is not None:
                return existing, False
            # Otherwise another issuer took the same status index a moment ago: draw again.
    raise RuntimeError("no free status list index after several draws")


def _existing(participant: Participant, spec: AchievementSpec) -> Certificate | None:
    return Certificate.objects.filter(
        participant=participant,
        kind=spec.kind,
        achievement_code=spec.code,
        source_type=spec.source_type,
        source_id=spec.source_id,
    ).first()


def _create_signed(
    participant: Participant, spec: AchievementSpec, *, actor: User | None, now: dt.datetime
) -> Certificate:
    key = keys.active_key()
    if key is None:
        raise keys.KeyFileError("no issuing key: run `manage.py certificates_keys init`")
    keys.private_key(key)  # fail before writing anything when the key file is unusable
    status_list, index = _status_slot()
    valid_until = now + dt.timedelta(days=spec.valid_days) if spec.valid_days else None
    cert = Certificate.objects.create(
        serial="T" + uuid.uuid4().hex[:23],  # replaced below, once the row has its id
        kind=spec.kind,
        participant=participant,
        source_type=spec.source_type,
        source_id=spec.source_id,
        achievement_code=spec.code,
        achievement_name=spec.name,
        level_code=spec.level_code,
        level_name=spec.level_name,
        issued_at=now,
        valid_from=now,
        valid_until=valid_until,
        status_list=status_list,
        status_list_index=index,
        issuing_key=key,
        holder=paper_holder(participant, today=timezone.localdate(now)) or "",
        assisted=spec.assisted,
        commune_code=participant.commune_id,
        target_group_code=participant.target_group_id,
        issued_by=actor,
    )
    cert.serial = f"{settings.CERT_SERIAL_PREFIX}-{timezone.localdate(now).year}-{cert.pk:06d}"
    cert.credential = _signed_credential(cert, spec, key, participant)
    cert.qr_text = _signed_qr(cert, spec, key)
    cert.save(update_fields=["serial", "credential", "qr_text"])
    keys.key_record_signature(key, valid_until)
    AuditEvent.objects.create(
        actor=actor,
        action="certificate.issued",
        target=f"certificate:{cert.serial}",
        detail={
            "kind": cert.kind,
            "achievement": cert.achievement_code,
            "source": f"{spec.source_type}:{spec.source_id}",
            "participant": participant.pk,
            "key": key.kid,
        },
    )
    return cert


def _status_slot() -> tuple[StatusList, int]:
    """The current revocation list (a new one once half full) and a random free index."""
    status_list = StatusList.objects.filter(purpose=StatusList.Purpose.REVOCATION).last()
    if (
        status_list is None
        or Certificate.objects.filter(status_list=status_list).count() >= status_list.size // 2
    ):
        status_list = StatusList.objects.create()
    taken = Certificate.objects.filter(status_list=status_list)
    for _attempt in range(64):
        index = secrets.randbelow(status_list.size)
        if not taken.filter(status_list_index=index).exists():
            return status_list, index
    raise RuntimeError("status list unexpectedly full")


def paper_holder(participant: Participant, *, today: dt.date) -> str | None:
    """Initials and birth year of an adult ("G.A.L 1975"); None for a minor or when the
    age is unknown. Never a citizen ID number, never a full name."""
    year = participant.birth_year
    if year is None or today.year - year < ADULT_AGE:
        return None
    initials = ".".join(word[0].upper() for word in participant.full_name.split() if word)
    text = f"{initials} {year}".strip()
    return text if len(text.encode("utf-8")) <= 48 else str(year)


def _signed_credential(
    cert: Certificate, spec: AchievementSpec, key: IssuingKey, participant: Participant
) -> dict[str, Any]:
    salt = secrets.token_hex(8)
    site = settings.SITE_ROOT.rstrip("/")
    fields = open_badge.BadgeFields(
        serial=cert.serial,
        issuer_did=keys.issuer_did(),
        issuer_name=settings.ISSUER_NAME,
        issuer_url=site,
        achievement_id="urn:uuid:"
        + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site}/thanh-tich/{spec.code}")),
        achievement_type=ACHIEVEMENT_TYPES[Certificate.Kind(spec.kind)],
        achievement_name=spec.name,
        achievement_description=spec.description,
        criteria=spec.criteria,
        level_code=spec.level_code,
        level_name=spec.level_name,
        valid_from=cert.valid_from,
        valid_until=cert.valid_until,
        status_list_url=site + cert.status_list.get_absolute_url(),
        status_index=cert.status_list_index,
        holder_name_hash=open_badge.name_hash(participant.full_name, salt),
        holder_salt=salt,
    )
    return data_integrity.add_proof(
        open_badge.open_badge_credential(fields),
        keys.private_key(key),
        keys.verification_method(key),
        open_badge.xsd_datetime(cert.issued_at),
    )


def _signed_qr(cert: Certificate, spec: AchievementSpec, key: IssuingKey) -> str:
    claims = paper_qr.PaperClaims(
        serial=cert.serial,
        issuer=settings.CERT_QR_ISSUER,
        achievement=spec.code,
        level=spec.qr_level,
        issued=timezone.localdate(cert.issued_at),
        status_index=cert.status_list_index,
        status_list=cert.status_list_id,
        valid_until=timezone.localdate(cert.valid_until) if cert.valid_until else None,
        holder=cert.holder or None,
        assisted=spec.assisted,
    )
    return paper_qr.sign_qr_payload(claims, keys.private_key(key), key.kid_bytes)


# --- Revoking ------------------------------------------------------------------------


def certificate_revoke(
    certificate: Certificate, *, actor: User | None, reason: str, now: dt.datetime | None = None
) -> Certificate:
    """Flip the certificate's bit in its status list and log who, when and why.
    Revoking a revoked certificate changes nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Cần ghi rõ lý do thu hồi."), code="reason_required")
    now = now or timezone.now()
    with transaction.atomic():
        cert = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if cert.revoked_at is not None:
            return cert
        status_list = StatusList.objects.select_for_update().get(pk=cert.status_list_id)
        status_list.set_bit(cert.status_list_index)
        status_list.updated_at = now
        status_list.save(update_fields=["bits_gzip", "updated_at"])
        cert.revoked_at = now
        cert.revoke_reason = reason[:300]
        cert.save(update_fields=["revoked_at", "revoke_reason"])
        AuditEvent.objects.create(
            actor=actor,
            action="certificate.revoked",
            target=f"certificate:{cert.serial}",
            detail={"reason": cert.revoke_reason, "status_list": status_list.pk},
        )
    return cert


# --- Publishing ----------------------------------------------------------------------


def status_list_credential(status_list: StatusList) -> dict[str, Any]:
    """The signed BitstringStatusListCredential. Dated by the list's last change (or the
    signing key's start, if later), so the same list always gives the same bytes."""
    key = keys.active_key()
    if key is None:
        raise keys.KeyFileError("no issuing key: run `manage.py certificates_keys init`")
    signed_at = max(status_list.updated_at, key.created_at)
    url = settings.SITE_ROOT.rstrip("/") + status_list.get_absolute_url()
    document = open_badge.status_list_credential(
        url=url, issuer_did=keys.issuer_did(), bits=status_list.bits, valid_from=signed_at
    )
    return data_integrity.add_proof(
        document,
        keys.private_key(key),
        keys.verification_method(key),
        open_badge.xsd_datetime(signed_at),
    )
