"""Issuing certificates: signed credential and paper QR, once per result (also when issued
twice or concurrently), batch commands, key files and rotation, privacy of the QR."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
from typing import Any

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.utils import timezone

from certification import keys, services
from certification.models import Certificate, IssuingKey, StatusList
from certification.paper_qr import qr_version, verify_qr_payload
from community.models import AuditEvent, Participant
from contest.asynchronous.models import Attempt, Contest, ContestAward
from contest.placement.models import PlacementSession
from question_banks.models import Framework, Level
from tests.contest_fixtures import open_contest, person

CCCD = "001085001234"  # a well-formed citizen ID for someone born in 1985


@pytest.fixture
def issuer(settings, tmp_path) -> IssuingKey:
    """The province's keys, in a key directory of this test's own."""
    settings.CERT_KEY_DIR = tmp_path / "keys"
    return keys.ensure_keys()


def adult(name: str = "Giàng A Lử", **fields: Any) -> Participant:
    return person(name, birth_year=1985, citizen_id=CCCD, **fields)


def finished_session(who: Participant, level_code: str = "TC1", **fields: object):
    framework = Framework.objects.get(code="kns-cb-4")
    level = Level.objects.get(framework=framework, code=level_code)
    values: dict[str, object] = {
        "participant": who,
        "framework": framework,
        "status": PlacementSession.Status.FINISHED,
        "deadline_at": timezone.now() + dt.timedelta(minutes=30),
        "finished_at": timezone.now(),
        "level": level,
        "level_rank": level.rank,
        "confidence": 0.93,
        "certificate_eligible": True,
    }
    values.update(fields)
    return PlacementSession.objects.create(**values)


def award(contest: Contest, who: Participant, kind: str = "participation", **fields: object):
    attempt = Attempt.objects.create(
        contest=contest,
        participant=who,
        number=1,
        status=Attempt.Status.SUBMITTED,
        deadline_at=timezone.now(),
        submitted_at=timezone.now(),
        score=8,
        max_score=10,
    )
    return ContestAward.objects.create(
        contest=contest, participant=who, attempt=attempt, kind=kind, **fields
    )


def qr_claims(cert: Certificate):
    checked = verify_qr_payload(cert.qr_text, keys.trusted_key_for_kid, timezone.now())
    assert checked.claims is not None, checked.reason
    return checked.claims


# --- Signing and verifying ------------------------------------------------------------


@pytest.mark.django_db
def test_a_placement_certificate_is_an_open_badge_signed_by_the_issuing_key(issuer, dave) -> None:
    cert = services.certificate_issue_for_placement(finished_session(adult()), actor=dave)
    vc = cert.credential
    assert cert.serial == f"LC-{timezone.localdate().year}-{cert.pk:06d}"
    assert vc["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["issuer"]["id"] == "did:web:localhost%3A8000"
    assert vc["issuer"]["name"].startswith("Ban Chỉ đạo")
    assert vc["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert vc["proof"]["verificationMethod"] == keys.verification_method(issuer)
    assert vc["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert int(vc["credentialStatus"]["statusListIndex"]) == cert.status_list_index
    assert "validUntil" in vc  # placement levels expire by policy
    achievement = vc["credentialSubject"]["achievement"]
    assert achievement["name"] == "Mức kỹ năng số: Trung cấp 1"
    assert achievement["resultDescriptions"][0]["rubricCriterionLevels"][0]["level"] == "TC1"
    check = services.certificate_verify_vc(vc)
    assert check.status == "valid", check.reason
    assert check.serial == cert.serial and check.level == "Trung cấp 1"


@pytest.mark.django_db
def test_the_paper_qr_round_trips_through_the_verifier(issuer) -> None:
    cert = services.certificate_issue_for_placement(finished_session(adult()), actor=None)
    claims = qr_claims(cert)
    assert (claims.serial, claims.achievement, claims.level) == (cert.serial, "KNS-CB-4-TC1", "TC1")
    assert claims.status_index == cert.status_list_index
    assert claims.status_list == cert.status_list_id
    assert qr_version(cert.qr_text) <= 12  # prints small, scans on cheap phones
    check = services.certificate_verify_qr(cert.qr_text)
    assert check.status == "valid" and check.headline == "HỢP LỆ"
    assert check.holder == "G.A.L 1985"
    assert check.achievement == "Mức kỹ năng số: Trung cấp 1"
    assert check.issuer == settings.ISSUER_NAME
    assert check.issuer == (
        "Ban Chỉ đạo về phát triển khoa học, công nghệ, đổi mới sáng tạo "
        "và chuyển đổi số tỉnh Lào Cai"
    )


@pytest.mark.django_db
def test_contest_awards_give_participation_and_prize_certificates(issuer) -> None:
    contest = open_contest()
    who = adult()
    participation = services.certificate_issue_for_award(award(contest, who), actor=None)
    prize = services.certificate_issue_for_award(
        ContestAward.objects.create(
            contest=contest,
            participant=who,
            attempt=Attempt.objects.get(),
            kind="prize",
            rank=1,
            label="Giải Nhất",
        ),
        actor=None,
    )
    assert participation.kind == "participation" and participation.valid_until is None
    assert prize.kind == "prize" and prize.level_name == "Giải Nhất"
    assert prize.achievement_name == "Giải Nhất — Cuộc thi tìm hiểu kỹ năng số"
    assert {qr_claims(participation).level, qr_claims(prize).level} == {"TG", 1}
    assert services.certificate_verify_qr(prize.qr_text).status == "valid"
    assert IssuingKey.objects.get(pk=issuer.pk).signed_unexpiring


@pytest.mark.django_db
def test_an_ineligible_session_gets_no_certificate(issuer) -> None:
    from django.core.exceptions import ValidationError

    session = finished_session(adult(), certificate_eligible=False)
    with pytest.raises(ValidationError) as error:
        services.certificate_issue_for_placement(session, actor=None)
    assert error.value.code == "not_eligible"
    assert not Certificate.objects.exists()


# --- Once per result ------------------------------------------------------------------


@pytest.mark.django_db
def test_issuing_twice_gives_one_certificate_and_one_audit_entry(issuer, dave) -> None:
    session = finished_session(adult())
    first = services.certificate_issue_for_placement(session, actor=dave)
    second = services.certificate_issue_for_placement(session, actor=dave)
    assert first.pk == second.pk and Certificate.objects.count() == 1
    event = AuditEvent.objects.get(action="certificate.issued")
    assert event.actor == dave and event.target == f"certificate:{first.serial}"
    assert event.detail["source"] == f"placement_session:{session.pk}"


@pytest.mark.django_db
def test_a_new_session_is_a_new_result_and_a_new_certificate(issuer) -> None:
    who = adult()
    services.certificate_issue_for_placement(finished_session(who), actor=None)
    services.certificate_issue_for_placement(finished_session(who, "TC2"), actor=None)
    assert Certificate.objects.filter(participant=who).count() == 2
    assert Certificate.objects.values("status_list_index").distinct().count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (CI uses it)")
def test_concurrent_issuing_gives_one_certificate(issuer) -> None:
    session = finished_session(adult())
    barrier = threading.Barrier(6)
    results: list[object] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(services.certificate_issue_for_placement(session, actor=None).pk)
        except Exception as exc:  # asserted on below
            results.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 6 and len(set(results)) == 1, results
    assert Certificate.objects.count() == 1
    assert AuditEvent.objects.filter(action="certificate.issued").count() == 1


# --- Batch commands -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_contest_batch_issues_every_award_once_with_progress(issuer, dave) -> None:
    contest = open_contest()
    for n in range(3):
        award(contest, person(f"Lò Văn {n}", phone=f"091200010{n}"))
    out = io.StringIO()
    call_command("certificates_issue", "--contest", contest.slug, "--actor", "dave", stdout=out)
    assert "3/3" in out.getvalue() and "3 issued, 0 already issued" in out.getvalue()
    again = io.StringIO()
    call_command("certificates_issue", "--contest", contest.slug, stdout=again)
    assert "0 issued, 3 already issued" in again.getvalue()
    assert Certificate.objects.filter(kind="participation").count() == 3
    issued = AuditEvent.objects.filter(action="certificate.issued")
    assert set(issued.values_list("actor__username", flat=True)) == {"dave"}


@pytest.mark.django_db
def test_the_placement_batch_issues_eligible_finished_sessions_only(issuer) -> None:
    finished_session(adult())
    finished_session(person("Vàng Thị Mai", phone="0912000999"), certificate_eligible=False)
    out = io.StringIO()
    call_command("certificates_issue", "--placement", stdout=out)
    assert "1 issued" in out.getvalue()
    assert Certificate.objects.get().kind == "placement"


# --- Keys -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_private_keys_are_encrypted_files_and_never_in_the_database(issuer, settings) -> None:
    path = keys.key_path(issuer)
    assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert path.stat().st_mode & 0o077 == 0
    assert {f.name for f in IssuingKey._meta.fields} >= {"kid", "public_key_multibase"}
    assert not any("private" in f.name or "secret" in f.name for f in IssuingKey._meta.fields)
    keys._loaded.clear()
    settings.CERT_KEY_PASSPHRASE = "not the passphrase"
    with pytest.raises(keys.KeyFileError):
        keys.private_key(issuer)


@pytest.mark.django_db
def test_keys_init_is_idempotent(issuer) -> None:
    out = io.StringIO()
    call_command("certificates_keys", "init", stdout=out)
    assert f"Issuing key ready: {issuer.kid}" in out.getvalue()
    assert IssuingKey.objects.count() == 2  # one root, one issuing


@pytest.mark.django_db
def test_key_rotation_keeps_old_certificates_valid(issuer) -> None:
    old = services.certificate_issue_for_placement(finished_session(adult()), actor=None)
    out = io.StringIO()
    call_command("certificates_keys", "rotate", stdout=out)
    new_key = keys.active_key()
    assert new_key is not None and new_key.pk != issuer.pk
    assert "retired, published" in out.getvalue()
    new = services.certificate_issue_for_placement(
        finished_session(person("Sùng A Dế", phone="0912000555", birth_year=1990)), actor=None
    )
    assert new.issuing_key == new_key and old.issuing_key == issuer
    for cert in (old, new):
        assert services.certificate_verify_qr(cert.qr_text).status == "valid"
        assert services.certificate_verify_vc(cert.credential).status == "valid"
    methods = keys.did_document()["assertionMethod"]
    assert keys.verification_method(issuer) in methods
    assert keys.verification_method(new_key) in methods


@pytest.mark.django_db
def test_a_retired_key_leaves_the_trust_list_once_its_last_credential_expired(issuer) -> None:
    issued = timezone.now() - dt.timedelta(days=800)
    services.certificate_issue_for_placement(finished_session(adult()), actor=None, now=issued)
    keys.issuing_key_rotate()
    issuer.refresh_from_db()
    assert issuer.not_after is not None and issuer.not_after < timezone.localdate()
    assert issuer not in keys.published_keys()
    assert issuer.kid not in json.dumps(keys.trust_list())


# --- Privacy ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_qr_and_credential_never_carry_a_citizen_id_or_a_full_name(issuer) -> None:
    who = adult("Đặng Thị Hoa")
    cert = services.certificate_issue_for_placement(finished_session(who), actor=None)
    claims = qr_claims(cert)
    assert claims.holder == "Đ.T.H 1985"
    stored = json.dumps(cert.credential, ensure_ascii=False) + cert.qr_text
    for secret in (CCCD, "Đặng Thị Hoa", who.phone):
        assert secret not in stored
        assert secret not in repr(claims)
    subject = cert.credential["credentialSubject"]["identifier"][0]
    assert subject["hashed"] is True and subject["identityHash"].startswith("sha256$")


@pytest.mark.django_db
def test_a_minor_has_no_holder_on_the_qr(issuer) -> None:
    pupil = person("Hoàng Văn Páo", birth_year=timezone.localdate().year - 13, group="student")
    cert = services.certificate_issue_for_placement(finished_session(pupil), actor=None)
    assert qr_claims(cert).holder is None and cert.holder == ""


@pytest.mark.django_db
def test_someone_of_unknown_age_is_treated_like_a_minor(issuer) -> None:
    cert = services.certificate_issue_for_placement(finished_session(person()), actor=None)
    assert qr_claims(cert).holder is None


# --- Revocation and deployment ----------------------------------------------------------


@pytest.mark.django_db
def test_revoking_flips_the_bit_and_is_audit_logged(issuer, dave) -> None:
    cert = services.certificate_issue_for_placement(finished_session(adult()), actor=None)
    services.certificate_revoke(cert, actor=dave, reason="Người khác làm bài hộ")
    services.certificate_revoke(cert, actor=dave, reason="lần hai")  # no change
    status_list = StatusList.objects.get()
    assert status_list.is_set(cert.status_list_index)
    assert sum(bin(b).count("1") for b in status_list.bits) == 1
    event = AuditEvent.objects.get(action="certificate.revoked")
    assert event.actor == dave and event.detail["reason"] == "Người khác làm bài hộ"


@pytest.mark.django_db
def test_revoking_needs_a_reason(issuer) -> None:
    from django.core.exceptions import ValidationError

    cert = services.certificate_issue_for_placement(finished_session(adult()), actor=None)
    with pytest.raises(ValidationError):
        services.certificate_revoke(cert, actor=None, reason="  ")


def test_deploy_check_rejects_the_demo_passphrase(settings) -> None:
    settings.CERT_KEY_PASSPHRASE = settings.DEV_CERT_KEY_PASSPHRASE
    ids = {message.id for message in run_checks(include_deployment_checks=True)}
    assert "certification.E001" in ids
    settings.CERT_KEY_PASSPHRASE = "a-long-random-production-passphrase"
    settings.ISSUER_DOMAIN = "hocvuso.laocai.gov.vn"
    ids = {message.id for message in run_checks(include_deployment_checks=True)}
    assert not {"certification.E001", "certification.E002"} & ids
