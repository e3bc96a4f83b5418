"""Rebuild the indicator roll-ups from the certificates and prove them right.

    manage.py indicators_rebuild            # recount, compare with what was there, verify
    manage.py indicators_rebuild --check    # compare only, write nothing

Exits with an error when the incremental roll-up differed from the recount (before a
rebuild) or when the roll-up disagrees with raw COUNT(DISTINCT …) queries.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from indicators import counting, selectors, services


class Command(BaseCommand):
    help = "Tính lại bảng tổng hợp chỉ tiêu từ chứng nhận và kiểm tra khớp với số liệu gốc."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="chỉ so sánh, không ghi")
        parser.add_argument(
            "--quarters", type=int, default=4, help="số quý gần nhất đối chiếu với số liệu gốc"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        before = services.rollups_snapshot()
        if options["check"]:
            fresh, summary = services.rollups_compute()
        else:
            summary = services.rollups_rebuild()
            fresh = services.rollups_snapshot()
        self.stdout.write(
            f"{summary.certificates} chứng nhận, {summary.participants} người, "
            f"{summary.segments} đoạn, {summary.cells} ô tổng hợp "
            f"({time.perf_counter() - started:.1f} s)"
        )
        differing = services.rollups_diff(before, fresh)
        for key in differing[:20]:
            self.stdout.write(f"  khác: {key}: đang lưu {before[key]}, tính lại {fresh[key]}")
        periods = [
            *counting.quarters_up_to(selectors.current_period(), options["quarters"]),
            counting.period_parse(counting.CUMULATIVE),
        ]
        mismatches = [] if options["check"] else services.rollups_verify(periods)
        for m in mismatches:
            self.stdout.write(f"  lệch: {m.indicator} {m.period}: tổng hợp {m.rollup}, gốc {m.raw}")
        if differing or mismatches:
            raise CommandError(
                f"{len(differing)} ô khác với bản tính lại, {len(mismatches)} tổng lệch số gốc"
            )
        self.stdout.write(self.style.SUCCESS("Khớp: bảng tổng hợp đúng với chứng nhận."))
