"""Seed the plan's indicators and targets (9-KH/TU, 22/07/2025) and the provincial
estimates of the denominators, marked as estimates (shared/reference/laocai/README.md)."""

import datetime as dt

from django.db import migrations

PLAN = "Kế hoạch 9-KH/TU ngày 22/07/2025 của Tỉnh ủy Lào Cai"

# code, name, group, kinds, min level, per achievement, measure, denominator, {year: target}
INDICATORS = [
    (
        "nguoi-dan-xac-nhan-ky-nang-so",
        "Người dân trưởng thành được xác nhận đạt kỹ năng số cơ bản",
        "resident",
        ["placement"],
        "CB2",
        False,
        "percent",
        "adults",
        {2025: 40, 2030: 70},
    ),
    (
        "nguoi-dan-co-ky-nang-so-co-ban",
        "Người dân trưởng thành có kiến thức, kỹ năng số cơ bản",
        "resident",
        ["placement"],
        "CB1",
        False,
        "percent",
        "adults",
        {2025: 80, 2030: 100},
    ),
    (
        "hoc-sinh-sinh-vien",
        "Học sinh, sinh viên được trang bị kỹ năng số",
        "student",
        ["placement"],
        "CB2",
        False,
        "percent",
        "pupils",
        {2025: 100, 2030: 100},
    ),
    (
        "can-bo-cong-chuc",
        "Cán bộ, công chức, viên chức có kỹ năng số cơ bản",
        "public_servant",
        ["placement"],
        "CB2",
        False,
        "percent",
        "public_servants",
        {2025: 80, 2030: 100},
    ),
    (
        "nguoi-lao-dong",
        "Người lao động trong doanh nghiệp, hợp tác xã có kỹ năng số cơ bản",
        "worker",
        ["placement"],
        "CB1",
        False,
        "percent",
        "workers",
        {2025: 80, 2030: 100},
    ),
    (
        "luot-tham-gia-cuoc-thi",
        "Lượt tham gia cuộc thi tìm hiểu kỹ năng số",
        None,
        ["participation"],
        "",
        True,
        "count",
        "",
        {},
    ),
    (
        "nguoi-ban-so",
        "Người bản số được công nhận",
        None,
        ["nguoi_ban_so"],
        "",
        False,
        "count",
        "",
        {2027: 2000},
    ),
    (
        "mo-hinh-1-kem-5",
        "Người dân đạt kỹ năng số cơ bản trên một tình nguyện viên (mô hình 1 kèm 5)",
        "resident",
        ["placement"],
        "CB1",
        False,
        "per_volunteer",
        "",
        {2025: 5, 2030: 5},
    ),
]

ESTIMATES = [
    (
        "adults",
        1_245_000,
        dt.date(2025, 7, 1),
        "Ước tính: 68–72% của 1.778.785 dân năm 2025 (điểm giữa ≈ 1,245 triệu); "
        "chưa có số liệu chính thức (shared/reference/laocai/README.md, mục 3)",
    ),
    (
        "pupils",
        193_854,
        dt.date(2025, 9, 4),
        "Ước tính: học sinh THCS 140.143 + THPT 53.711 năm học 2025–2026 (Dân Việt, 4/9/2025); "
        "chưa gồm sinh viên đại học, cao đẳng",
    ),
]


def seed(apps, schema_editor):
    Definition = apps.get_model("indicators", "IndicatorDefinition")
    Target = apps.get_model("indicators", "IndicatorTarget")
    Denominator = apps.get_model("indicators", "Denominator")
    for order, (code, name, group, kinds, level, per_ach, measure, denom, targets) in enumerate(
        INDICATORS, start=1
    ):
        definition, _ = Definition.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "order": order,
                "target_group_id": group,
                "certificate_kinds": kinds,
                "min_level_code": level,
                "per_achievement": per_ach,
                "measure": measure,
                "denominator_kind": denom,
                "description": PLAN,
            },
        )
        for year, value in targets.items():
            Target.objects.update_or_create(
                indicator=definition, year=year, defaults={"value": value, "source": PLAN}
            )
    for kind, value, as_of, source in ESTIMATES:
        Denominator.objects.update_or_create(
            kind=kind,
            commune=None,
            defaults={"value": value, "as_of": as_of, "source": source, "is_estimate": True},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0001_initial"),
        ("community", "0002_seed_reference_data"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
