"""Load the competency frameworks and level scales from data/frameworks.json (idempotent)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FRAMEWORKS_FILE = Path(__file__).resolve().parent / "data" / "frameworks.json"


def seed(framework_model: Any, domain_model: Any, competence_model: Any, level_model: Any) -> None:
    data = json.loads(FRAMEWORKS_FILE.read_text(encoding="utf-8"))
    for fw in data["frameworks"]:
        framework, _ = framework_model.objects.update_or_create(
            code=fw["code"],
            defaults={
                key: fw[key]
                for key in ("name", "name_en", "issuer", "issued_on", "description", "is_proposal")
            },
        )
        for order, dom in enumerate(fw["domains"], start=1):
            domain, _ = domain_model.objects.update_or_create(
                framework=framework,
                code=dom["code"],
                defaults={"name": dom["name"], "name_en": dom["name_en"], "order": order},
            )
            for code, name, name_en, digcomp, area in dom["competences"]:
                competence_model.objects.update_or_create(
                    code=code,
                    defaults={
                        "domain": domain,
                        "name": name,
                        "name_en": name_en,
                        "digcomp_code": digcomp,
                        "placement_area": area,
                    },
                )
        for rank, code, name, name_en, cut, *descriptor in fw["levels"]:
            level_model.objects.update_or_create(
                framework=framework,
                rank=rank,
                defaults={
                    "code": code,
                    "name": name,
                    "name_en": name_en,
                    "cut_score": cut,
                    "descriptor": descriptor[0] if descriptor else "",
                },
            )
