"""The roll-up stays current when certificates are issued and revoked, and the rebuild
command recounts from scratch and proves the roll-up matches the raw certificates."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from certification import keys
from certification import services as cert_services
from indicators import counting, selectors, services
from indicators.models import IndicatorDefinition, IndicatorRollup
from tests.indicator_fixtures import at, certificate, resident

pytestmark = pytest.mark.django_db
BASIC = "nguoi-dan-co-ky-nang-so-co-ban"
CONFIRMED = "nguoi-dan-xac-nhan-ky-nang-so"


def total(code: str, period: str, commune: str | None = None) -> int:
    definition = IndicatorDefinition.objects.get(code=code)
    return selectors.totals(period, commune).get(definition.pk, 0)


def assert_rebuild_matches() -> None:
    out = io.StringIO()
    call_command("indicators_rebuild", "--check", stdout=out)
    assert "Khớp" in out.getvalue()


def test_the_plan_indicators_are_seeded_with_targets() -> None:
    basic = IndicatorDefinition.objects.get(code=BASIC)
    assert basic.target_group_id == "resident" and basic.min_level_code == "CB1"
    assert {t.year: float(t.value) for t in basic.targets.all()} == {2025: 80.0, 2030: 100.0}
    nbs = IndicatorDefinition.objects.get(code="nguoi-ban-so")
    assert {t.year: float(t.value) for t in nbs.targets.all()} == {2027: 2000.0}
    assert IndicatorDefinition.objects.count() == 8


def test_issuing_counts_a_person_once_however_many_certificates() -> None:
    lu = resident()
    certificate(lu, level="CB1", issued="2025-08-01")
    assert total(BASIC, "2025-Q3") == 1 and total(CONFIRMED, "2025-Q3") == 0
    certificate(lu, level="TC1", issued="2025-09-01")
    certificate(lu, level="CB2", issued="2025-09-02")
    assert total(BASIC, "2025-Q3") == 1
    assert total(CONFIRMED, "2025-Q3") == 1
    assert total(BASIC, "2025-Q3", "02647") == 1
    assert_rebuild_matches()


def test_revoking_stops_counting_from_the_revocation() -> None:
    lu, mai = resident("Giàng A Lử"), resident("Lò Thị Mai")
    kept = certificate(lu, issued="2025-08-01")
    revoked = certificate(mai, issued="2025-08-01")
    cert_services.certificate_revoke(revoked, actor=None, reason="Cấp nhầm", now=at("2025-11-10"))
    assert total(BASIC, "2025-Q3") == 2
    assert total(BASIC, "2025-Q4") == 1
    assert total(BASIC, "ALL") == 2
    cert_services.certificate_revoke(kept, actor=None, reason="Cấp nhầm", now=at("2025-12-31", 23))
    assert total(BASIC, "2025-Q4") == 0
    assert_rebuild_matches()


def test_revoking_one_of_two_certificates_keeps_the_person() -> None:
    lu = resident()
    first = certificate(lu, issued="2025-08-01")
    certificate(lu, issued="2025-08-20")
    cert_services.certificate_revoke(first, actor=None, reason="Trùng", now=at("2025-09-01"))
    assert total(BASIC, "2025-Q3") == 1
    assert_rebuild_matches()


def test_a_real_issue_through_certification_updates_the_rollup(settings, tmp_path) -> None:
    from tests.test_certificates_issue import finished_session

    settings.CERT_KEY_DIR = tmp_path / "keys"
    keys.ensure_keys()
    lu = resident()
    cert = cert_services.certificate_issue_for_placement(finished_session(lu, "CB2"), actor=None)
    current = selectors.current_period().code
    assert total(CONFIRMED, current) == 1
    cert_services.certificate_issue_for_placement(  # idempotent: nothing new
        cert_services.PlacementSession.objects.get(pk=cert.source_id), actor=None
    )
    assert total(CONFIRMED, current) == 1
    cert_services.certificate_revoke(cert, actor=None, reason="Thi hộ")
    assert total(CONFIRMED, current) == 0
    assert total(CONFIRMED, "ALL") in (0, 1)  # 1 unless revoked in the same microsecond
    assert_rebuild_matches()


def test_deleting_a_certificate_removes_it_from_the_rollup() -> None:
    cert = certificate(resident())
    cert.delete()
    assert total(BASIC, "2025-Q3") == 0
    assert_rebuild_matches()


def test_rebuild_repairs_a_damaged_rollup_and_reports_it() -> None:
    lu = resident()
    certificate(lu, issued="2025-08-01")
    IndicatorRollup.objects.filter(period="2025-Q3").update(count=7)
    with pytest.raises(CommandError):
        call_command("indicators_rebuild", "--check", stdout=io.StringIO())
    with pytest.raises(CommandError):  # the rebuild reports what it found, then repairs
        call_command("indicators_rebuild", stdout=io.StringIO())
    out = io.StringIO()
    call_command("indicators_rebuild", stdout=out)
    assert "Khớp" in out.getvalue()
    assert total(BASIC, "2025-Q3") == 1


def test_verify_compares_with_raw_counts_across_periods() -> None:
    people = [resident(f"Người {i}", commune=("02647" if i % 2 else "04252")) for i in range(6)]
    for i, who in enumerate(people):
        certificate(
            who,
            level=["CB1", "CB2", "TC1"][i % 3],
            issued=f"2025-0{7 + i % 3}-10",
            until=("2026-02-01" if i == 0 else None),
        )
        certificate(who, level="CB1", issued="2025-12-01")
        for contest in ("THI-1-TG", "THI-2-TG")[: 1 + i % 2]:  # contests count per person
            certificate(who, kind="participation", level="TG", code=contest, issued="2025-07-20")
    periods = [
        counting.period_parse(c) for c in ("2025-Q3", "2025-Q4", "2026-Q1", "2026-H1", "ALL")
    ]
    assert services.rollups_verify(periods) == []
    services.rollups_rebuild()
    assert services.rollups_verify(periods) == []
    assert total(BASIC, "2026-Q1") == 6
    assert total("luot-tham-gia-cuoc-thi", "2025-Q3") == 9
    IndicatorRollup.objects.filter(period="2025-Q3", count__gt=0).update(count=0)
    assert {m.period for m in services.rollups_verify(periods)} == {"2025-Q3"}


def test_switching_an_indicator_off_and_rebuilding_drops_its_counts() -> None:
    certificate(resident())
    IndicatorDefinition.objects.filter(code=CONFIRMED).update(active=False)
    services.rollups_rebuild()
    definition = IndicatorDefinition.objects.get(code=CONFIRMED)
    assert not IndicatorRollup.objects.filter(indicator=definition).exists()


def test_period_boundaries_hold_through_the_database() -> None:
    """Local midnight ends a quarter, also after the timestamps are stored (in UTC on
    PostgreSQL) and compared by the raw COUNT(DISTINCT …) proof."""
    boundary = counting.quarter_boundary(2025, 3)  # 2025-10-01 00:00 in Hà Nội
    certificate(resident("Trễ"), issued=boundary - dt.timedelta(seconds=1))
    certificate(resident("Hôm sau"), issued=boundary)
    gone = certificate(resident("Thu hồi"), issued="2025-08-01")
    cert_services.certificate_revoke(gone, actor=None, reason="Cấp nhầm", now=boundary)
    assert total(BASIC, "2025-Q3") == 2  # the late one and the one revoked at midnight
    assert total(BASIC, "2025-Q4") == 2  # the late one and the next day's
    periods = [counting.period_parse(c) for c in ("2025-Q3", "2025-Q4", "2025", "ALL")]
    assert services.rollups_verify(periods) == []
    assert_rebuild_matches()


def test_a_changed_rule_is_flagged_until_the_rebuild_counts_with_it() -> None:
    certificate(resident(), level="CB1", issued="2025-08-01")
    confirmed = IndicatorDefinition.objects.get(code=CONFIRMED)
    assert not confirmed.needs_recount
    confirmed.min_level_code = "CB1"  # the province decides CB1 is enough
    confirmed.save()
    confirmed.refresh_from_db()
    assert confirmed.needs_recount and total(CONFIRMED, "2025-Q3") == 0  # stale, and said so
    services.rollups_rebuild()
    confirmed.refresh_from_db()
    assert not confirmed.needs_recount and total(CONFIRMED, "2025-Q3") == 1


def test_switching_an_indicator_back_on_needs_a_recount() -> None:
    basic = IndicatorDefinition.objects.get(code=BASIC)
    basic.active = False
    basic.save()
    basic.active = True
    basic.save()
    assert IndicatorDefinition.objects.get(code=BASIC).needs_recount
    services.rollups_rebuild()
    assert not IndicatorDefinition.objects.get(code=BASIC).needs_recount


def test_the_admin_warns_that_a_changed_rule_needs_a_recount(client, django_user_model) -> None:
    admin_user = django_user_model.objects.create_superuser("quantri", password="pw")
    client.force_login(admin_user)
    workers = IndicatorDefinition.objects.get(code="nguoi-lao-dong")
    url = reverse("admin:indicators_indicatordefinition_change", args=[workers.pk])
    targets = list(workers.targets.all())
    data = {
        "code": workers.code,
        "name": workers.name,
        "description": workers.description,
        "order": workers.order,
        "active": "on",
        "target_group": workers.target_group_id,
        "certificate_kinds": json.dumps(workers.certificate_kinds),
        "achievement_prefix": "",
        "min_level_code": "CB2",
        "measure": workers.measure,
        "denominator_kind": workers.denominator_kind,
        "targets-TOTAL_FORMS": len(targets),
        "targets-INITIAL_FORMS": len(targets),
        "targets-MIN_NUM_FORMS": 0,
        "targets-MAX_NUM_FORMS": 1000,
    }
    for i, t in enumerate(targets):
        data |= {
            f"targets-{i}-id": t.pk,
            f"targets-{i}-indicator": workers.pk,
            f"targets-{i}-year": t.year,
            f"targets-{i}-value": t.value,
            f"targets-{i}-source": t.source,
        }
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "đã thay đổi" in response.content.decode()
    assert "indicators_rebuild" in response.content.decode()
    assert IndicatorDefinition.objects.get(pk=workers.pk).min_level_code == "CB2"


def test_a_new_indicator_or_a_reseeded_one_is_flagged_when_it_needs_a_count() -> None:
    fresh = IndicatorDefinition.objects.create(
        code="cong-chuc-trung-cap", name="Công chức mức trung cấp", min_level_code="TC1"
    )
    assert fresh.needs_recount  # nothing counted for it yet
    # A row seeded without a recorded rule was counted with the rule it stores.
    IndicatorDefinition.objects.filter(code=BASIC).update(counted_rule={})
    basic = IndicatorDefinition.objects.get(code=BASIC)
    assert not basic.needs_recount
    basic.min_level_code = "CB2"
    basic.save()
    assert IndicatorDefinition.objects.get(code=BASIC).needs_recount
    services.rollups_rebuild()
    assert not IndicatorDefinition.objects.get(pk=fresh.pk).needs_recount
