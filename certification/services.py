"""Issuing and revoking certificates.

One certificate per (person, kind, achievement, source result): a second call, or a
concurrent one, returns the row the first one made (the unique constraint decides, and
an IntegrityError means "someone else got there first"). Each new certificate takes a
random free index in a revocation status list, is signed twice with the active issuing
key (the Open Badges 3.0 credential and the paper QR), and is written to the audit log
in the same transaction. Batches go through certification/batch.py, which builds and
signs with the same functions below. Verification lives in certification/verification.py.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
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
from contest.asynchronous.models import ContestAward
from contest.placement.models import PlacementSession

__all__ = [
    "CertificateCheck",
    "certificate_issue_for_award",
    "certificate_issue_for_placement",
    "certificate_revoke",
    "certificate_verify_qr",
    "certificate_verify_vc",
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


@dataclass(frozen=True, slots=True)
class SignedFacts:
    """Everything the two signed forms of one certificate say, whichever path issues it."""

    serial: str
    spec: AchievementSpec
    issued_at: dt.datetime
    valid_until: dt.datetime | None
    status_list_id: int
    status_list_url: str
    status_index: int
    holder: str  # "" for a minor or an unknown age
    holder_name: str  # only its salted hash goes into the credential


# --- Issuing -------------------------------------------------------------------------


def certificate_issue_for_placement(
    session: PlacementSession, *, actor: User | None, now: dt.datetime | None = None
) -> Certificate:
    """The level certificate of a finished, eligible placement session (idempotent)."""
    return issue_once(session.participant, placement_spec(session), actor=actor, now=now)[0]


def certificate_issue_for_award(
    award: ContestAward, *, actor: User | None, now: dt.datetime | None = None
) -> Certificate:
    """The participation or prize certificate of a recorded contest award (idempotent)."""
    return issue_once(award.participant, award_spec(award), actor=actor, now=now)[0]


def placement_spec(session: PlacementSession) -> AchievementSpec:
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


def award_spec(award: ContestAward) -> AchievementSpec:
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


def issue_once(
    participant: Participant,
    spec: AchievementSpec,
    *,
    actor: User | None,
    now: dt.datetime | None = None,
) -> tuple[Certificate, bool]:
    """The certificate for (participant, spec), made now unless it exists: (row, created)."""
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
    valid_until = certificate_valid_until(spec, now)
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
    cert.serial = certificate_serial(cert.pk, timezone.localdate(now).year)
    facts = SignedFacts(
        serial=cert.serial,
        spec=spec,
        issued_at=now,
        valid_until=valid_until,
        status_list_id=status_list.pk,
        status_list_url=status_list_url(status_list),
        status_index=index,
        holder=cert.holder,
        holder_name=participant.full_name,
    )
    signer = keys.private_key(key)
    cert.credential = signed_credential(facts, key, signer)
    cert.qr_text = signed_qr(facts, key, signer)
    cert.save(update_fields=["serial", "credential", "qr_text"])
    keys.key_record_signature(key, valid_until)
    AuditEvent.objects.create(
        actor=actor,
        action="certificate.issued",
        target=f"certificate:{cert.serial}",
        detail=issued_audit_detail(spec, participant.pk, key),
    )
    return cert


def certificate_valid_until(spec: AchievementSpec, now: dt.datetime) -> dt.datetime | None:
    return now + dt.timedelta(days=spec.valid_days) if spec.valid_days else None


def issued_audit_detail(
    spec: AchievementSpec, participant_id: int, key: IssuingKey
) -> dict[str, Any]:
    return {
        "kind": spec.kind,
        "achievement": spec.code,
        "source": f"{spec.source_type}:{spec.source_id}",
        "participant": participant_id,
        "key": key.kid,
    }


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


def certificate_serial(pk: int, year: int) -> str:
    """The printed number: prefix, local year of issue, row id ("LC-2026-000123")."""
    return f"{settings.CERT_SERIAL_PREFIX}-{year}-{pk:06d}"


def status_list_url(status_list: StatusList) -> str:
    return settings.SITE_ROOT.rstrip("/") + status_list.get_absolute_url()


def paper_holder(participant: Participant, *, today: dt.date) -> str | None:
    """Initials and birth year of an adult ("G.A.L 1975"); None for a minor or when the
    age is unknown. Never a citizen ID number, never a full name."""
    return holder_text(participant.full_name, participant.birth_year, today=today)


def holder_text(full_name: str, birth_year: int | None, *, today: dt.date) -> str | None:
    if birth_year is None or today.year - birth_year < ADULT_AGE:
        return None
    initials = ".".join(word[0].upper() for word in full_name.split() if word)
    text = f"{initials} {birth_year}".strip()
    return text if len(text.encode("utf-8")) <= 48 else str(birth_year)


def signed_credential(
    facts: SignedFacts, key: IssuingKey, signer: Ed25519PrivateKey, *, salt: str | None = None
) -> dict[str, Any]:
    """The Open Badges 3.0 credential with its eddsa-jcs-2022 proof by ``key``; the salt of
    the holder's name hash is random unless given."""
    spec = facts.spec
    salt = salt or secrets.token_hex(8)
    site = settings.SITE_ROOT.rstrip("/")
    fields = open_badge.BadgeFields(
        serial=facts.serial,
        issuer_did=keys.issuer_did(),
        issuer_name=settings.ISSUER_NAME,
        issuer_url=site,
        achievement_id=_achievement_id(site, spec.code),
        achievement_type=ACHIEVEMENT_TYPES[Certificate.Kind(spec.kind)],
        achievement_name=spec.name,
        achievement_description=spec.description,
        criteria=spec.criteria,
        level_code=spec.level_code,
        level_name=spec.level_name,
        valid_from=facts.issued_at,
        valid_until=facts.valid_until,
        status_list_url=facts.status_list_url,
        status_index=facts.status_index,
        holder_name_hash=open_badge.name_hash(facts.holder_name, salt),
        holder_salt=salt,
    )
    return data_integrity.add_proof(
        open_badge.open_badge_credential(fields),
        signer,
        keys.verification_method(key),
        open_badge.xsd_datetime(facts.issued_at),
    )


@lru_cache(maxsize=1024)
def _achievement_id(site: str, code: str) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site}/thanh-tich/{code}"))


def signed_qr(facts: SignedFacts, key: IssuingKey, signer: Ed25519PrivateKey) -> str:
    """The paper QR text (COSE_Sign1, Base45) signed by ``key``."""
    claims = paper_qr.PaperClaims(
        serial=facts.serial,
        issuer=settings.CERT_QR_ISSUER,
        achievement=facts.spec.code,
        level=facts.spec.qr_level,
        issued=timezone.localdate(facts.issued_at),
        status_index=facts.status_index,
        status_list=facts.status_list_id,
        valid_until=timezone.localdate(facts.valid_until) if facts.valid_until else None,
        holder=facts.holder or None,
        assisted=facts.spec.assisted,
    )
    return paper_qr.sign_qr_payload(claims, signer, key.kid_bytes)


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
