"""The per-target-group page: people per level and period for each indicator of the
group, the rate against the denominator and the distance to both plan targets (2025 and
2030), with the same permissions as the other dashboards."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from certification import services as cert_services
from community.models import TargetGroup
from community.roles import Role
from indicators import by_group, counting
from indicators.models import Denominator
from tests.indicator_fixtures import at, cells, certificate, resident, staff

pytestmark = pytest.mark.django_db
LAO_CAI, YEN_BAI = "02647", "04252"
BASIC = "nguoi-dan-co-ky-nang-so-co-ban"
CONFIRMED = "nguoi-dan-xac-nhan-ky-nang-so"
PUPILS = "hoc-sinh-sinh-vien"
JULY = dt.date(2025, 7, 1)


@pytest.fixture
def tinh(db):
    return staff("tinh", Role.PROVINCIAL_ADMIN)


@pytest.fixture
def xa(db):
    return staff("xa", Role.OFFICIAL, commune=LAO_CAI)


@pytest.fixture
def counted(db):
    """In Q3 2025: 7 residents of Phường Lào Cai at CB2 (one of whom also holds TC1),
    3 of Phường Yên Bái at CB1, and 2 pupils at CB2. One Lào Cai resident's certificate
    is revoked in November, so Q4 has 9 residents."""
    lao_cai = [resident(f"Người LC {i}", commune=LAO_CAI) for i in range(7)]
    certs = [certificate(p, level="CB2", issued="2025-08-01") for p in lao_cai]
    certificate(lao_cai[0], level="TC1", issued="2025-09-01")
    for i in range(3):
        certificate(resident(f"Người YB {i}", commune=YEN_BAI), level="CB1", issued="2025-08-01")
    for i in range(2):
        pupil = resident(f"Học sinh {i}", commune=LAO_CAI, group="student")
        certificate(pupil, level="CB2", issued="2025-08-15")
    cert_services.certificate_revoke(certs[6], actor=None, reason="Cấp nhầm", now=at("2025-11-10"))


def page_for(client, group: str = "resident", **query: str) -> str:
    response = client.get(reverse("indicators_group", args=[group]), query)
    assert response.status_code == 200
    return response.content.decode()


def test_figures_per_level_and_period_against_both_targets(counted) -> None:
    group = TargetGroup.objects.get(code="resident")
    page = by_group.group_page(group, counting.period_parse("2025-Q4"))
    basic = next(gi for gi in page.indicators if gi.definition.code == BASIC)
    assert [gi.definition.code for gi in page.indicators] == [CONFIRMED, BASIC, "mo-hinh-1-kem-5"]
    assert basic.levels == ["CB1", "CB2", "TC1"]
    assert basic.targets == [(2025, 80.0), (2030, 100.0)]
    rows = {row.period.code: row for row in basic.rows}
    assert list(rows)[-2:] == ["2025-Q3", "2025-Q4"]  # the chosen period comes last
    q3, q4 = rows["2025-Q3"], rows["2025-Q4"]
    assert (q3.by_level, q3.count) == ([3, 6, 1], 10)  # TC1 counts the person once
    assert (q4.by_level, q4.count) == ([3, 5, 1], 9)
    assert rows["2025-Q2"].count == 0
    # 9 of the estimated 1,245,000 adults; both targets still far.
    assert q4.value == round(100 * 9 / 1_245_000, 2)
    assert [(t.year, t.gap) for t in q4.targets] == [(2025, 80.0), (2030, 100.0)]
    assert basic.denominator is not None and basic.denominator.is_estimate


def test_a_half_year_or_a_year_is_shown_after_its_quarters(counted) -> None:
    group = TargetGroup.objects.get(code="resident")
    page = by_group.group_page(group, counting.period_parse("2025"))
    codes = [row.period.code for row in page.indicators[0].rows]
    assert codes[-2:] == ["2025-Q4", "2025"]
    cumulative = by_group.group_page(group, counting.period_parse("ALL"))
    basic = next(gi for gi in cumulative.indicators if gi.definition.code == BASIC)
    assert basic.rows[-1].period.code == "ALL" and basic.rows[-1].count == 10


def test_gaps_reach_zero_when_a_target_is_met(counted) -> None:
    Denominator.objects.create(
        kind="adults", commune_id=LAO_CAI, value=8, is_estimate=False, source="Xã", as_of=JULY
    )
    group = TargetGroup.objects.get(code="resident")
    page = by_group.group_page(group, counting.period_parse("2025-Q3"), commune=LAO_CAI)
    basic = next(gi for gi in page.indicators if gi.definition.code == BASIC)
    q3 = basic.rows[-1]
    assert q3.count == 7 and q3.value == 87.5
    assert [(t.year, t.gap) for t in q3.targets] == [(2025, 0.0), (2030, 12.5)]


def test_the_page_shows_levels_totals_rates_and_both_targets(client, tinh, counted) -> None:
    client.force_login(tinh)
    page = page_for(client, ky="2025-Q3")
    assert "Người dân trưởng thành" in page and "Toàn tỉnh" in page
    header = cells(page, f'data-indicator="{BASIC}"', "<thead")
    assert header[1:6] == ["Mức CB1", "Mức CB2", "Mức TC1", "Tổng số người", "Kết quả"]
    assert header[6:] == ["Còn thiếu so với mục tiêu 2025", "Còn thiếu so với mục tiêu 2030"]
    row = cells(page, f'data-indicator="{BASIC}"', 'data-period="2025-Q3"')
    assert row[1:5] == ["3", "6", "1", "10"]
    assert row[5] == "0,0%" and row[6:] == ["80,0 điểm %", "100,0 điểm %"]
    assert "ước tính" in page
    # The pupils are not residents: they are on the pupils' page.
    pupils = page_for(client, "student", ky="2025-Q3")
    assert cells(pupils, f'data-indicator="{PUPILS}"', 'data-period="2025-Q3"')[1:3] == ["2", "2"]


def test_shared_indicators_show_this_groups_share(client, tinh, counted) -> None:
    lu = resident("Người thi", commune=LAO_CAI)
    for contest in ("THI-1-TG", "THI-2-TG"):
        certificate(lu, kind="participation", level="TG", code=contest, issued="2025-08-03")
    certificate(
        resident("Học sinh thi", group="student"), kind="participation", level="TG", code="THI-1-TG"
    )
    client.force_login(tinh)
    page = page_for(client, ky="2025-Q3")
    row = cells(page, 'data-shared="resident"', 'data-period="2025-Q3"')
    assert row[0] == "Quý 3 năm 2025" and row[1:] == ["2", "0"]  # participations, Người bản số


def test_a_provincial_official_picks_a_commune(client, tinh, counted) -> None:
    client.force_login(tinh)
    page = page_for(client, xa=YEN_BAI, ky="2025-Q3")
    assert "Phường Yên Bái" in page
    assert cells(page, f'data-indicator="{BASIC}"', 'data-period="2025-Q3"')[1:3] == ["3", "3"]


def test_a_commune_official_sees_only_their_commune(client, xa, counted) -> None:
    client.force_login(xa)
    url = reverse("indicators_group", args=["resident"])
    response = client.get(url, {"ky": "2025-Q3"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?xa={LAO_CAI}&ky=2025-Q3"
    page = page_for(client, xa=LAO_CAI, ky="2025-Q3")
    assert cells(page, f'data-indicator="{BASIC}"', 'data-period="2025-Q3"')[1:4] == ["6", "1", "7"]
    assert f'name="xa" value="{LAO_CAI}"' in page  # the period form keeps the commune
    assert client.get(url, {"xa": YEN_BAI}).status_code == 403


def test_people_without_an_indicator_role_cannot_see_it(client, eve) -> None:
    url = reverse("indicators_group", args=["resident"])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(eve)
    assert client.get(url).status_code == 403


def test_unknown_groups_and_communes_are_not_found(client, tinh) -> None:
    client.force_login(tinh)
    assert client.get(reverse("indicators_group", args=["aliens"])).status_code == 404
    url = reverse("indicators_group", args=["worker"])
    assert client.get(url, {"xa": "99999"}).status_code == 404
    assert client.get(url, {"ky": "2024-Q1"}).status_code == 404


def test_the_dashboards_link_to_the_group_pages(client, tinh, xa) -> None:
    client.force_login(tinh)
    overview = client.get(reverse("indicators_overview")).content.decode()
    assert reverse("indicators_group", args=["public_servant"]) in overview
    client.force_login(xa)
    commune = client.get(reverse("indicators_commune", args=[LAO_CAI])).content.decode()
    assert f"{reverse('indicators_group', args=['worker'])}?xa={LAO_CAI}" in commune
