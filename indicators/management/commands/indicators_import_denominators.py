"""Import denominators (population, enrolment, staff per commune) from CSV or XLSX.

manage.py indicators_import_denominators FILE --source "Niên giám thống kê 2025" --as-of 2025-12-31
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from indicators.denominators import denominators_import


class Command(BaseCommand):
    help = "Nhập mẫu số (dân số, học sinh, cán bộ theo xã, phường) từ tệp CSV hoặc XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True)
        parser.add_argument("--as-of", required=True, type=dt.date.fromisoformat)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            batch = denominators_import(
                file_name=path.name,
                content=path.read_bytes(),
                source=options["source"],
                as_of=options["as_of"],
                actor=None,
            )
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Đã nhập {batch.rows} dòng từ {batch.file_name}."))
