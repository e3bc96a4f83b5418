"""Bulk issuing (certification/batch.py): the same credentials as the single path, each
result certified once (also against concurrent batches and single issues, on PostgreSQL),
chunks that commit or roll back whole, key rotation, privacy, and indicator roll-ups equal
to those of the same certificates issued one by one."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import random
import secrets
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.utils import timezone

from certification import batch, bulk_signing, keys, services
from certification.models import Certificate, IssuingKey, StatusList
from certification.paper_qr import qr_image
from certification.signals import certificates_bulk_issued
from community.models import AuditEvent, Commune, Participant
from contest.asynchronous.models import ContestAward
from contest.placement.models import PlacementSession
from indicators import counting
from indicators.models import QualificationSegment
from indicators.services import rollups_compute, rollups_snapshot, rollups_verify
from tests.contest_fixtures import open_contest, person
from tests.test_certificates_issue import CCCD, adult, award, finished_session, qr_claims

NOW = dt.datetime(2026, 2, 10, 2, 30, tzinfo=dt.UTC)
PERIODS = [counting.period_parse(code) for code in ("ALL", "2026-Q1", "2027-Q4", "2028-Q1")]
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (CI uses it)"
)


@pytest.fixture
def issuer(settings, tmp_path) -> IssuingKey:
    settings.CERT_KEY_DIR = tmp_path / "keys"
    return keys.ensure_keys()


def people(count: int, **fields: Any) -> list[Participant]:
    return [
        person(f"Lý Thị Người {i}", phone=f"09140{i:05d}", birth_year=1980, **fields)
        for i in range(count)
    ]


def candidate(session: PlacementSession) -> batch.Candidate:
    who = session.participant
    holder = batch.Holder(
        who.pk, who.full_name, who.birth_year, who.commune_id, who.target_group_id
    )
    return batch.Candidate(holder, services.placement_spec(session))


def segments() -> list[tuple[Any, ...]]:
    return sorted(
        QualificationSegment.objects.values_list(
            "indicator_id",
            "participant_id",
            "subject",
            "level_code",
            "commune_code",
            "target_group_code",
            "valid_from",
            "valid_until",
        )
    )


def facts_of(cert: Certificate, session: PlacementSession) -> services.SignedFacts:
    """What the single path signs for this certificate's row."""
    return services.SignedFacts(
        serial=cert.serial,
        spec=services.placement_spec(session),
        issued_at=cert.issued_at,
        valid_until=cert.valid_until,
        status_list_id=cert.status_list_id,
        status_list_url=services.status_list_url(cert.status_list),
        status_index=cert.status_list_index,
        holder=cert.holder,
        holder_name=session.participant.full_name,
    )


def fixed_salt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "token_hex", lambda n=8: "5a" * n)


# --- The same credential --------------------------------------------------------------


@pytest.mark.django_db
def test_a_batch_credential_has_the_bytes_the_single_path_signs(
    issuer, settings, monkeypatch
) -> None:
    """Same facts and salt give the same credential and QR through either path: the batch
    signs through libsodium, whose Ed25519 signatures equal OpenSSL's."""
    fixed_salt(monkeypatch)
    session = finished_session(adult())
    batch.certificates_issue_for_placements(actor=None, now=NOW)
    cert = Certificate.objects.get()
    facts = facts_of(cert, session)
    assert (facts.holder, facts.valid_until) == (
        "G.A.L 1985",
        NOW + dt.timedelta(days=int(settings.CERT_PLACEMENT_VALID_DAYS)),
    )
    openssl = keys.private_key(issuer)
    assert cert.credential == services.signed_credential(facts, issuer, openssl)
    assert cert.qr_text == services.signed_qr(facts, issuer, openssl)
    assert cert.serial == f"LC-2026-{cert.pk:06d}"
    assert (cert.issued_at, cert.valid_from, cert.valid_until) == (NOW, NOW, facts.valid_until)


@pytest.mark.django_db
def test_batch_and_single_credentials_differ_only_where_certificates_differ(
    issuer, monkeypatch
) -> None:
    fixed_salt(monkeypatch)
    who = adult()
    single = services.certificate_issue_for_placement(finished_session(who), actor=None, now=NOW)
    finished_session(who)
    batch.certificates_issue_for_placements(actor=None, now=NOW)
    bulk = Certificate.objects.exclude(pk=single.pk).get()

    def shape(cert: Certificate) -> dict[str, Any]:
        vc = json.loads(json.dumps(cert.credential))
        vc.pop("id")
        vc["proof"].pop("proofValue")
        for field in ("id", "statusListIndex"):
            vc["credentialStatus"].pop(field)
        return vc

    assert shape(bulk) == shape(single)
    assert single.credential["id"] != bulk.credential["id"]
    same_fields = ("kind", "achievement_code", "achievement_name", "level_code", "holder")
    for field in same_fields:
        assert getattr(bulk, field) == getattr(single, field)
    assert qr_claims(bulk).level == qr_claims(single).level == "TC1"


@pytest.mark.django_db
def test_a_batch_certificate_verifies_and_its_qr_reads_back_with_a_real_decoder(issuer) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    image_module = pytest.importorskip("PIL.Image")
    finished_session(adult())
    batch.certificates_issue_for_placements(actor=None)
    cert = Certificate.objects.get()
    check = services.certificate_verify_vc(cert.credential)
    assert check.status == "valid" and check.serial == cert.serial, check.reason
    buffer = io.BytesIO()
    qr_image(cert.qr_text).save(buffer, kind="png", scale=4, border=4)
    buffer.seek(0)
    found = zxingcpp.read_barcodes(image_module.open(buffer).convert("L"))
    assert [barcode.text for barcode in found] == [cert.qr_text]
    checked = services.certificate_verify_qr(found[0].text)
    assert checked.status == "valid" and checked.holder == "G.A.L 1985"


@pytest.mark.django_db
def test_contest_awards_batch_into_participation_and_prize_certificates(issuer, dave) -> None:
    contest = open_contest()
    first, second = adult(), person("Vàng Thị Mai", phone="0912000999", birth_year=1990)
    taken_part = award(contest, first)
    ContestAward.objects.create(
        contest=contest,
        participant=first,
        attempt=taken_part.attempt,
        kind="prize",
        rank=1,
        label="Giải Nhất",
    )
    award(contest, second)
    summary = batch.certificates_issue_for_contest(contest, actor=dave)
    assert (summary.created, summary.existing, summary.failed) == (3, 0, [])
    prize = Certificate.objects.get(kind="prize")
    assert prize.achievement_name == "Giải Nhất — Cuộc thi tìm hiểu kỹ năng số"
    assert qr_claims(prize).level == 1 and prize.valid_until is None
    assert Certificate.objects.filter(kind="participation").count() == 2
    for cert in Certificate.objects.all():
        assert services.certificate_verify_qr(cert.qr_text).status == "valid"
    assert IssuingKey.objects.get(pk=issuer.pk).signed_unexpiring
    again = batch.certificates_issue_for_contest(contest, actor=dave)
    assert (again.created, again.existing) == (0, 3)


@pytest.mark.django_db
def test_forked_signers_sign_what_the_single_path_would(issuer, monkeypatch) -> None:
    fixed_salt(monkeypatch)
    monkeypatch.setattr(batch, "FORK_MIN_SHARE", 1)
    monkeypatch.setattr(batch, "FORK_PART", 2)
    sessions = {str(s.pk): s for s in (finished_session(who) for who in people(5))}
    summary = batch.issue_batch(
        [candidate(s) for s in sessions.values()], actor=None, workers=2, now=NOW
    )
    assert summary.created == 5
    openssl = keys.private_key(issuer)
    for cert in Certificate.objects.all():
        assert cert.credential == services.signed_credential(
            facts_of(cert, sessions[cert.source_id]), issuer, openssl
        )
        assert cert.qr_text == services.signed_qr(
            facts_of(cert, sessions[cert.source_id]), issuer, openssl
        )


@pytest.mark.django_db
def test_a_credential_the_template_cannot_follow_stops_the_batch(issuer, monkeypatch) -> None:
    """Should the credential ever carry something new made from a certificate's own data,
    the template would sign a stale copy: the batch must refuse, not issue it."""
    real = services.open_badge.open_badge_credential

    def with_reversed_serial(fields: Any) -> dict[str, Any]:
        return {**real(fields), "description": fields.serial[::-1]}

    monkeypatch.setattr(services.open_badge, "open_badge_credential", with_reversed_serial)
    finished_session(adult())
    with pytest.raises(bulk_signing.TemplateMismatch):
        batch.certificates_issue_for_placements(actor=None)
    assert not Certificate.objects.exists()
    assert not AuditEvent.objects.filter(action="certificate.issued").exists()


# --- Privacy ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_batch_qrs_carry_no_citizen_id_no_name_and_nothing_for_a_minor(issuer) -> None:
    grown = adult("Đặng Thị Hoa")
    pupil = person(
        "Hoàng Văn Páo",
        phone="0912000777",
        birth_year=timezone.localdate().year - 13,
        group="student",
    )
    finished_session(grown)
    finished_session(pupil)
    batch.certificates_issue_for_placements(actor=None)
    adult_cert = Certificate.objects.get(participant=grown)
    minor_cert = Certificate.objects.get(participant=pupil)
    assert qr_claims(adult_cert).holder == "Đ.T.H 1985"
    assert qr_claims(minor_cert).holder is None and minor_cert.holder == ""
    for cert, who in ((adult_cert, grown), (minor_cert, pupil)):
        stored = json.dumps(cert.credential, ensure_ascii=False) + cert.qr_text
        for secret in (CCCD, who.full_name, who.phone):
            assert secret not in stored


# --- Once per result --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_batch_finds_everything_issued_and_logs_each_issue_once(issuer, dave) -> None:
    sessions = [finished_session(who) for who in people(5)]
    seen: list[tuple[int, int]] = []
    first = batch.issue_batch(
        [candidate(s) for s in sessions],
        actor=dave,
        chunk_size=2,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert (first.created, first.existing) == (5, 0)
    assert seen == [(2, 5), (4, 5), (5, 5)]
    again = batch.certificates_issue_for_placements(actor=dave)
    assert (again.created, again.existing) == (0, 5)
    events = AuditEvent.objects.filter(action="certificate.issued")
    assert events.count() == 5 and {e.actor for e in events} == {dave}
    cert = Certificate.objects.get(source_id=str(sessions[0].pk))
    event = events.get(target=f"certificate:{cert.serial}")
    assert event.detail == {
        "kind": "placement",
        "achievement": "KNS-CB-4-TC1",
        "source": f"placement_session:{sessions[0].pk}",
        "participant": sessions[0].participant_id,
        "key": issuer.kid,
    }


@pytest.mark.django_db
def test_the_command_reports_each_chunk_and_the_totals(issuer) -> None:
    for who in people(3):
        finished_session(who)
    out = io.StringIO()
    call_command("certificates_issue", "--placement", "--workers", "1", stdout=out)
    assert "[##############################] 3/3" in out.getvalue()
    assert "3 issued, 0 already issued, 0 not eligible." in out.getvalue()
    assert Certificate.objects.count() == 3


@pytest.mark.django_db
def test_the_unique_constraint_decides_even_when_the_first_check_misses(
    issuer, monkeypatch
) -> None:
    """Certificates issued between the batch's check and its insert (here: before a check
    that sees nothing) are found by the constraint, counted as existing, never doubled."""
    sessions = [finished_session(who) for who in people(4)]
    singles = [services.certificate_issue_for_placement(s, actor=None) for s in sessions[:2]]
    monkeypatch.setattr(batch, "_not_yet_issued", list)
    summary = batch.issue_batch([candidate(s) for s in sessions], actor=None)
    assert (summary.created, summary.existing) == (2, 2)
    assert Certificate.objects.count() == 4
    assert set(Certificate.objects.values_list("pk", flat=True)) >= {c.pk for c in singles}
    assert AuditEvent.objects.filter(action="certificate.issued").count() == 4


@pytest.mark.django_db
def test_a_status_index_taken_meanwhile_is_drawn_again(issuer, monkeypatch) -> None:
    taken = services.certificate_issue_for_placement(finished_session(adult()), actor=None)
    sessions = [finished_session(who) for who in people(3)]
    real_slots = batch._status_slots

    def colliding(count: int) -> list[tuple[StatusList, int]]:
        slots = real_slots(count)
        slots[0] = (taken.status_list, taken.status_list_index)
        return slots

    monkeypatch.setattr(batch, "_status_slots", colliding)
    summary = batch.issue_batch([candidate(s) for s in sessions], actor=None)
    assert (summary.created, summary.existing) == (3, 0)
    pairs = list(Certificate.objects.values_list("status_list_id", "status_list_index"))
    assert len(pairs) == len(set(pairs)) == 4
    for cert in Certificate.objects.all():
        assert services.certificate_verify_qr(cert.qr_text).status == "valid"


@pytest.mark.django_db
def test_a_half_full_status_list_gives_way_to_a_new_one(issuer) -> None:
    small = StatusList.objects.create(size=16)
    sessions = [finished_session(who) for who in people(10)]
    batch.issue_batch([candidate(s) for s in sessions], actor=None)
    in_small = Certificate.objects.filter(status_list=small)
    assert in_small.count() == 8  # half of 16, the single path's rule
    assert all(0 <= i < 16 for i in in_small.values_list("status_list_index", flat=True))
    newer = StatusList.objects.exclude(pk=small.pk).get()
    assert Certificate.objects.filter(status_list=newer).count() == 2
    for cert in Certificate.objects.all():
        status = cert.credential["credentialStatus"]
        assert status["statusListCredential"].endswith(f"/status/{cert.status_list_id}.json")
        assert qr_claims(cert).status_list == cert.status_list_id


@pytest.mark.django_db
def test_a_failed_chunk_leaves_nothing_and_the_next_run_resumes(issuer, monkeypatch) -> None:
    sessions = [finished_session(who) for who in people(10)]
    real_qr = services.signed_qr
    calls = 0

    def failing(*args: Any) -> str:
        nonlocal calls
        calls += 1
        if calls == 7:
            raise RuntimeError("signer went away")
        return real_qr(*args)

    monkeypatch.setattr(services, "signed_qr", failing)
    with pytest.raises(RuntimeError):
        batch.issue_batch([candidate(s) for s in sessions], actor=None, chunk_size=5)
    assert Certificate.objects.count() == 5
    assert AuditEvent.objects.filter(action="certificate.issued").count() == 5
    monkeypatch.setattr(services, "signed_qr", real_qr)
    summary = batch.issue_batch([candidate(s) for s in sessions], actor=None, chunk_size=5)
    assert (summary.created, summary.existing) == (5, 5)
    assert not rollups_verify(PERIODS)


# --- Keys -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_key_rotated_between_chunks_signs_no_more_and_stays_published(issuer) -> None:
    sessions = [finished_session(who) for who in people(6)]

    def rotate_after_first_chunk(done: int, total: int) -> None:
        if done == 3:
            keys.issuing_key_rotate()

    batch.issue_batch(
        [candidate(s) for s in sessions],
        actor=None,
        chunk_size=3,
        progress=rotate_after_first_chunk,
    )
    new_key = keys.active_key()
    assert new_key is not None and new_key.pk != issuer.pk
    by_key = dict.fromkeys((issuer.pk, new_key.pk), 0)
    for cert in Certificate.objects.all():
        by_key[cert.issuing_key_id] += 1
        assert services.certificate_verify_vc(cert.credential).status == "valid"
        assert services.certificate_verify_qr(cert.qr_text).status == "valid"
    assert by_key == {issuer.pk: 3, new_key.pk: 3}
    issuer.refresh_from_db()
    last_day = max(
        c.valid_until for c in Certificate.objects.filter(issuing_key=issuer) if c.valid_until
    )
    assert issuer.not_after == last_day.astimezone(dt.UTC).date()
    assert issuer in keys.published_keys()


# --- Indicators -------------------------------------------------------------------------


def test_the_indicators_app_follows_bulk_issues() -> None:
    """Bulk inserts send no post_save: the indicators app must receive the batch signal.
    (IndicatorsConfig.ready() imports indicators.batch; this module must not.)"""
    assert certificates_bulk_issued.has_listeners(Certificate)


@pytest.mark.django_db
def test_batch_roll_ups_equal_those_of_the_same_certificates_issued_one_by_one(issuer) -> None:
    communes = list(Commune.objects.order_by("code").values_list("code", flat=True)[:3])
    minor_year = NOW.year - 14
    numbers = itertools.count()

    def someone(name: str, commune: int, group: str = "resident", born: int = 1975):
        phone = f"0915{next(numbers):06d}"
        return person(name, phone=phone, commune=communes[commune], group=group, birth_year=born)

    earlier = NOW - dt.timedelta(days=200)
    upgraded = someone("Người Nâng Mức", 0)
    revoked = someone("Người Bị Thu Hồi", 1)
    old_ok = services.certificate_issue_for_placement(
        finished_session(upgraded, "CB2"), actor=None, now=earlier
    )
    old_bad = services.certificate_issue_for_placement(
        finished_session(revoked, "TC2"), actor=None, now=earlier
    )
    services.certificate_revoke(old_bad, actor=None, reason="Làm bài hộ", now=earlier)
    twice = someone("Người Hai Phiên", 2)
    sessions = [
        finished_session(upgraded, "TC1"),
        finished_session(revoked, "CB2"),
        finished_session(twice, "CB2"),
        finished_session(twice, "TC1"),
        finished_session(someone("Người Dân Một", 0), "TC1"),
        finished_session(someone("Người Dân Hai", 1), "CB1"),
        finished_session(someone("Học Sinh", 0, "student", minor_year), "CB2"),
        finished_session(someone("Công Chức", 2, "public_servant"), "TC2"),
        finished_session(someone("Công Nhân", 1, "worker"), "CB1"),
    ]
    contest = open_contest()
    for who in Participant.objects.order_by("pk")[:4]:
        award(contest, who)
    assert old_ok.pk and Certificate.objects.count() == 2
    before = (rollups_snapshot(), segments())

    # One by one, then undone (the delete receiver recounts back to where we were).
    kept = set(Certificate.objects.values_list("pk", flat=True))
    for session in PlacementSession.objects.order_by("pk"):
        services.certificate_issue_for_placement(session, actor=None, now=NOW)
    for one in ContestAward.objects.order_by("pk"):
        services.certificate_issue_for_award(one, actor=None, now=NOW)
    one_by_one = (rollups_snapshot(), segments())
    assert len(sessions) + 4 == Certificate.objects.count() - 2
    Certificate.objects.exclude(pk__in=kept).delete()
    assert (rollups_snapshot(), segments()) == before

    placements = batch.certificates_issue_for_placements(actor=None, now=NOW)
    awards = batch.certificates_issue_for_contest(contest, actor=None, now=NOW)
    assert (placements.created, placements.existing) == (len(sessions), 2)
    assert (awards.created, awards.existing) == (4, 0)
    bulk = (rollups_snapshot(), segments())
    assert bulk[0] == one_by_one[0]
    assert bulk[1] == one_by_one[1]
    assert bulk[0] != before[0]
    assert not rollups_verify(PERIODS)
    from_scratch, _summary = rollups_compute()
    assert +from_scratch == bulk[0]


# --- Concurrency (PostgreSQL) -----------------------------------------------------------


def run_together(*jobs: Any) -> list[Any]:
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = jobs[i]()
        except Exception as exc:  # asserted on below
            results[i] = exc
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def assert_each_result_once(sessions: list[PlacementSession]) -> None:
    sources = list(Certificate.objects.values_list("source_id", flat=True))
    assert sorted(sources) == sorted(str(s.pk) for s in sessions)
    pairs = list(Certificate.objects.values_list("status_list_id", "status_list_index"))
    assert len(pairs) == len(set(pairs))
    assert AuditEvent.objects.filter(action="certificate.issued").count() == len(sessions)
    assert not rollups_verify(PERIODS)


@pytest.mark.django_db(transaction=True)
@on_postgresql
def test_two_concurrent_batches_over_overlapping_candidates_issue_each_once(issuer) -> None:
    sessions = [finished_session(who) for who in people(30)]
    everyone = [candidate(s) for s in sessions]
    results = run_together(
        lambda: batch.issue_batch(everyone[:20], actor=None, chunk_size=4),
        lambda: batch.issue_batch(everyone[10:], actor=None, chunk_size=4),
    )
    assert all(isinstance(r, services.BatchSummary) for r in results), results
    assert sum(r.created for r in results) == 30
    assert sum(r.existing for r in results) == 10
    assert_each_result_once(sessions)


@pytest.mark.django_db(transaction=True)
@on_postgresql
def test_a_batch_racing_single_issues_of_the_same_results_issues_each_once(issuer) -> None:
    sessions = [finished_session(who) for who in people(24)]
    everyone = [candidate(s) for s in sessions]

    def singles(seed: int) -> int:
        order = random.Random(seed).sample(sessions, len(sessions))
        for session in order:
            services.certificate_issue_for_placement(session, actor=None)
        return len(order)

    results = run_together(
        lambda: batch.issue_batch(everyone, actor=None, chunk_size=6),
        lambda: singles(1),
        lambda: singles(2),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert isinstance(results[0], services.BatchSummary)
    assert results[0].created + results[0].existing == 24
    assert_each_result_once(sessions)
