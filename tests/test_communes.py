"""The 99 communes and wards of Lào Cai, with the official codes of QĐ 19/2025/QĐ-TTg."""

from __future__ import annotations

import pytest

from community.models import Commune, FormerUnit

pytestmark = pytest.mark.django_db


def test_it_has_99_units_10_wards_and_89_communes() -> None:
    assert Commune.objects.count() == 99
    assert Commune.objects.filter(unit_type=Commune.UnitType.WARD).count() == 10
    assert Commune.objects.filter(unit_type=Commune.UnitType.COMMUNE).count() == 89


def test_codes_are_five_digits_and_follow_the_decision_rows_465_to_563() -> None:
    codes = list(Commune.objects.values_list("code", flat=True))
    assert all(len(c) == 5 and c.isdigit() for c in codes)
    orders = sorted(Commune.objects.values_list("qd19_order", flat=True))
    assert orders == list(range(465, 564))


@pytest.mark.parametrize(
    ("code", "full_name"),
    [
        ("04252", "Phường Yên Bái"),  # the provincial seat
        ("02647", "Phường Lào Cai"),
        ("04465", "Xã Khao Mang"),  # first row of the annex (465)
        # Codes that the draft list (and old packages) got wrong:
        ("02671", "Phường Cam Đường"),
        ("02782", "Xã Cao Sơn"),
        ("04309", "Xã Lâm Thượng"),
        ("04342", "Xã Khánh Hòa"),
        ("04606", "Xã Trạm Tấu"),
        ("04681", "Phường Cầu Thia"),
    ],
)
def test_published_codes(code: str, full_name: str) -> None:
    assert Commune.objects.get(code=code).full_name == full_name


def test_wards_are_the_ten_phuong() -> None:
    wards = Commune.objects.filter(unit_type=Commune.UnitType.WARD)
    assert all(w.full_name.startswith("Phường ") for w in wards)
    assert not Commune.objects.filter(unit_type="commune", full_name__startswith="Phường").exists()


def test_every_former_unit_maps_to_a_new_unit() -> None:
    assert FormerUnit.objects.count() == 319
    assert Commune.objects.filter(former_units__isnull=True).count() == 0


def test_old_address_lookup_through_the_api(client) -> None:
    response = client.get("/api/v1/communes/", {"former_code": "02635"})  # Phường Duyên Hải
    assert response.status_code == 200
    assert [c["full_name"] for c in response.json()] == ["Phường Lào Cai"]
