"""Dashboards, public ranking, reports and API: who sees what, small counts suppressed,
estimates marked, and the report shaped one row per commune with a totals row."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from community.models import Commune, Volunteer
from community.roles import Role
from indicators import ranking
from indicators.models import Denominator
from tests.indicator_fixtures import cells, certificate, resident, staff

pytestmark = pytest.mark.django_db
LAO_CAI, YEN_BAI = "02647", "04252"


@pytest.fixture
def tinh(db):
    """Tỉnh administers the province."""
    return staff("tinh", Role.PROVINCIAL_ADMIN)


@pytest.fixture
def xa(db):
    """Xã is an official of Phường Lào Cai."""
    return staff("xa", Role.OFFICIAL, commune=LAO_CAI)


@pytest.fixture
def counted(db):
    """Seven residents of Phường Lào Cai and three of Phường Yên Bái at basic level."""
    for i in range(7):
        certificate(resident(f"Người LC {i}", commune=LAO_CAI), level="CB2", issued="2025-08-01")
    for i in range(3):
        certificate(resident(f"Người YB {i}", commune=YEN_BAI), level="CB1", issued="2025-08-01")


def test_anonymous_is_sent_to_login(client) -> None:
    response = client.get(reverse("indicators_overview"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_people_without_an_indicator_role_are_refused(client, eve) -> None:
    client.force_login(eve)
    assert client.get(reverse("indicators_overview")).status_code == 403
    assert client.get(reverse("indicators_commune", args=[LAO_CAI])).status_code == 403


def test_provincial_staff_see_the_overview_with_gap_and_estimates(client, tinh, counted) -> None:
    client.force_login(tinh)
    page = client.get(reverse("indicators_overview"), {"ky": "2025-Q3"}).content.decode()
    assert "Người dân trưởng thành có kiến thức, kỹ năng số cơ bản" in page
    assert "ước tính" in page  # the provincial adult population is an estimate
    assert "Còn thiếu" in page and "80%" in page
    assert "Phường Lào Cai" in page and "Diễn biến theo quý" in page


def test_an_official_sees_their_commune_only(client, xa, counted) -> None:
    client.force_login(xa)
    overview = client.get(reverse("indicators_overview"))
    assert overview.status_code == 302
    assert overview["Location"] == reverse("indicators_commune", args=[LAO_CAI])
    page = client.get(reverse("indicators_commune", args=[LAO_CAI]), {"ky": "2025-Q3"})
    assert page.status_code == 200 and "chưa có mẫu số" in page.content.decode()
    assert client.get(reverse("indicators_commune", args=[YEN_BAI])).status_code == 403


def test_an_unknown_period_is_not_found(client, tinh) -> None:
    client.force_login(tinh)
    assert client.get(reverse("indicators_overview"), {"ky": "2031-Q1"}).status_code == 404


def test_public_ranking_states_its_rule_and_suppresses_small_counts(client, counted) -> None:
    page = client.get(reverse("indicators_ranking"), {"ky": "2025-Q3"}).content.decode()
    assert "Cách xếp hạng" in page and "theo số người đạt" in page
    assert "số từ 1 đến 4 người được ghi là “dưới 5”" in page
    assert cells(page, f'data-commune="{LAO_CAI}"') == ["1", "Phường Lào Cai", "7"]
    # Phường Yên Bái's 3 people are shown as "dưới 5", nowhere as 3.
    assert cells(page, f'data-commune="{YEN_BAI}"') == ["2", "Phường Yên Bái", "dưới 5"]
    other = Commune.objects.exclude(code__in=[LAO_CAI, YEN_BAI]).first()
    assert other is not None
    assert cells(page, f'data-commune="{other.code}"') == ["3", other.full_name, "0"]


def test_ranking_by_share_hides_the_rate_of_a_small_count(client, counted) -> None:
    population = {LAO_CAI: 70, YEN_BAI: 60}
    for code in Commune.objects.values_list("code", flat=True):
        Denominator.objects.create(
            kind="adults",
            commune_id=code,
            value=population.get(code, 1000),
            is_estimate=False,
            source="Cục Thống kê",
            as_of=dt.date(2025, 7, 1),
        )
    page = client.get(reverse("indicators_ranking"), {"ky": "2025-Q3"}).content.decode()
    assert "theo tỷ lệ" in page
    assert cells(page, f'data-commune="{LAO_CAI}"') == ["1", "Phường Lào Cai", "7", "10,0%"]
    # 3 of 60 would be 5.0 % and give the count away: the rate is hidden too.
    assert cells(page, f'data-commune="{YEN_BAI}"') == ["2", "Phường Yên Bái", "dưới 5", "—"]


def test_ranking_ties_share_a_rank_and_suppressed_ones_rank_together() -> None:
    from indicators import selectors

    rows = selectors.commune_rows(selectors.current_period())
    ranked, by_share = ranking.rank_communes(rows)
    assert not by_share and len(ranked) == Commune.objects.count() == 99
    assert {r.rank for r in ranked} == {1}  # everybody at zero


@pytest.mark.parametrize(("count", "shown"), [(0, 0), (1, None), (4, None), (5, 5)])
def test_public_count(count: int, shown: int | None) -> None:
    assert ranking.public_count(count) == shown


def test_quarterly_xlsx_has_one_row_per_commune_and_totals(client, tinh, counted) -> None:
    client.force_login(tinh)
    response = client.get(reverse("indicators_report", args=["2025-Q3", "xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0].startswith("Báo cáo quý")
    assert "Quý 3 năm 2025" in rows[1][0]
    assert rows[2][0].startswith("Lập lúc")
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Mã đơn vị")
    body = rows[header_at + 1 :]
    assert len(body) == 100 and body[-1][1] == "Toàn tỉnh"
    header = rows[header_at]
    basic = header.index("Người dân trưởng thành có kiến thức, kỹ năng số cơ bản — số người")
    by_code = {r[0]: r for r in body}
    assert by_code[LAO_CAI][basic] == 7 and by_code[YEN_BAI][basic] == 3
    assert body[-1][basic] == 10
    assert any("Mẫu số ước tính" in str(r[0]) for r in rows[:header_at])


def test_csv_report_of_an_official_holds_their_commune_only(client, xa, counted) -> None:
    client.force_login(xa)
    response = client.get(reverse("indicators_report", args=["2025-H2", "csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "Mã đơn vị")
    assert [r[0] for r in rows[header_at + 1 :]] == [LAO_CAI]


def test_api_scopes(api_as, tinh, xa, eve, counted) -> None:
    url = reverse("api_indicator_values")
    body = api_as(tinh).get(url, {"ky": "2025-Q3"}).json()
    assert body["period"] == "2025-Q3" and body["period_end"] == "2025-09-30"
    basic = next(i for i in body["indicators"] if i["code"] == "nguoi-dan-co-ky-nang-so-co-ban")
    assert basic["count"] == 10 and basic["denominator"]["is_estimate"] is True
    assert basic["target"] == 80.0 and basic["gap"] > 79
    assert len(body["communes"]) == 99
    mine = api_as(xa).get(url, {"ky": "2025-Q3"}).json()
    assert mine["commune"] == LAO_CAI and "communes" not in mine
    assert api_as(xa).get(url, {"xa": YEN_BAI}).status_code == 403
    assert api_as(eve).get(url).status_code == 403
    assert api_as(None).get(url).status_code in (401, 403)


def test_residents_per_volunteer(api_as, tinh, counted, django_user_model) -> None:
    for i in range(2):
        user = django_user_model.objects.create_user(f"tnv{i}")
        Volunteer.objects.create(user=user, kind=Volunteer.Kind.DIGITAL_NATIVE, commune_id=LAO_CAI)
    body = (
        api_as(tinh).get(reverse("api_indicator_values"), {"ky": "2025-Q3", "xa": LAO_CAI}).json()
    )
    ratio = next(i for i in body["indicators"] if i["code"] == "mo-hinh-1-kem-5")
    assert ratio["count"] == 7 and ratio["value"] == 3.5 and ratio["gap"] == 1.5


def test_annual_and_half_year_reports_take_the_value_at_their_end(client, tinh, counted) -> None:
    from certification import services as cert_services
    from certification.models import Certificate
    from tests.indicator_fixtures import at

    revoked = Certificate.objects.filter(commune_code=LAO_CAI).first()
    assert revoked is not None
    cert_services.certificate_revoke(revoked, actor=None, reason="Cấp nhầm", now=at("2025-11-10"))
    client.force_login(tinh)
    for period, title, label, lao_cai in (
        ("2025-H2", "Báo cáo 6 tháng", "6 tháng cuối năm 2025", 6),
        ("2025", "Báo cáo năm", "Năm 2025", 6),
        ("ALL", "Báo cáo lũy kế", "Lũy kế từ đầu kế hoạch", 7),
    ):
        response = client.get(reverse("indicators_report", args=[period, "csv"]))
        assert response["Content-Disposition"] == f'attachment; filename="chi-tieu-{period}.csv"'
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][0].startswith(title) and label in rows[1][0]
        header_at = next(i for i, r in enumerate(rows) if r and r[0] == "Mã đơn vị")
        header, body = rows[header_at], rows[header_at + 1 :]
        # Two columns per rate indicator (people, rate), one per count indicator.
        assert len(header) == 2 + 2 * 6 + 2
        assert [r[0] for r in body[:-1]] == list(Commune.objects.values_list("code", flat=True))
        basic = header.index("Người dân trưởng thành có kiến thức, kỹ năng số cơ bản — số người")
        by_code = {r[0]: r for r in body}
        assert by_code[LAO_CAI][basic] == str(lao_cai)
        assert body[-1][1] == "Toàn tỉnh" and body[-1][basic] == str(lao_cai + 3)


def test_a_changed_rule_is_marked_on_the_pages_the_api_and_the_report(
    client, api_as, tinh, counted
) -> None:
    from indicators.models import IndicatorDefinition

    workers = IndicatorDefinition.objects.get(code="nguoi-lao-dong")
    workers.min_level_code = "CB2"
    workers.save()
    client.force_login(tinh)
    page = client.get(reverse("indicators_overview"), {"ky": "2025-Q3"}).content.decode()
    assert "chờ tính lại" in cells(page, 'data-indicator="nguoi-lao-dong"')[0]
    assert "chờ tính lại" not in cells(page, 'data-indicator="can-bo-cong-chuc"')[0]
    group = client.get(reverse("indicators_group", args=["worker"])).content.decode()
    assert "chờ tính lại" in group
    body = api_as(tinh).get(reverse("api_indicator_values"), {"ky": "2025-Q3"}).json()
    flags = {i["code"]: i["needs_recount"] for i in body["indicators"]}
    assert flags["nguoi-lao-dong"] and not flags["can-bo-cong-chuc"]
    report = client.get(reverse("indicators_report", args=["2025-Q3", "csv"]))
    assert "đang chờ tính lại theo quy tắc mới" in report.content.decode("utf-8-sig")


@pytest.mark.parametrize(
    "value", [0.0, 0.05, 0.15, 0.25, 2.45, 12.25, 12.35, 99.95, 80.0, 1_245_000.0]
)
def test_rates_are_written_as_floatformat_writes_them(value: float) -> None:
    from django.template.defaultfilters import floatformat

    from indicators.templatetags.indicator_numbers import one_decimal

    assert one_decimal(value) == floatformat(value, 1)
    assert one_decimal(value).count(",") == 1  # the Vietnamese decimal mark
