"""Reference data every installation needs: target groups and the 99 communes and
wards of Lào Cai with their pre-2025 predecessors. Idempotent; used by a data migration."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"

TARGET_GROUPS = [
    ("resident", "Người dân trưởng thành", "Adult residents"),
    ("student", "Học sinh, sinh viên", "Pupils and students"),
    (
        "worker",
        "Người lao động trong doanh nghiệp, hợp tác xã",
        "Workers in enterprises and cooperatives",
    ),
    ("public_servant", "Cán bộ, công chức, viên chức", "Public-sector staff"),
]


def read_units() -> list[dict[str, str]]:
    with open(DATA_DIR / "laocai-units-enriched.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_former_units() -> list[dict[str, str]]:
    with open(DATA_DIR / "laocai-old-to-new-2025.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def seed(target_group_model: Any, commune_model: Any, former_unit_model: Any) -> None:
    for order, (code, name, name_en) in enumerate(TARGET_GROUPS, start=1):
        target_group_model.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order}
        )
    for row in read_units():
        commune_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "full_name": row["full_name"],
                "name_en": row["name_en"],
                "slug": row["code_name"].replace("_", "-"),
                "unit_type": row["unit_type"],
                "qd19_order": int(row["qd19_2025_order"]),
                "former_districts": row["pre2025_districts"],
                "former_province": row["pre2025_provinces"],
            },
        )
    for row in read_former_units():
        former_unit_model.objects.update_or_create(
            code=row["old_unit_code"],
            defaults={
                "full_name": row["old_unit_name"],
                "district": row["old_district"],
                "province": row["old_province"],
                "change_type": row["change_type_vi"],
                "commune_id": row["new_unit_code"],
            },
        )
