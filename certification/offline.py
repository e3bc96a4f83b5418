"""The offline bundle: everything a verifier needs to check paper QR codes with no network.

One JSON document holds the root-signed trust list (issuing keys, retired ones included
while needed), every signed revocation status list, and the names of the achievements
certified so far. The offline verifier page caches it; ``certificates_export`` writes it
to disk beside the separate documents (``export_files``). Revocation reasons are left out
on purpose: the bundle is public, and a reason is shown only to someone who holds the
certificate's QR (on the online page).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from certification import keys, open_badge, paper_qr, services
from certification.models import Certificate, StatusList

BUNDLE_TYPE = "HocvusoOfflineBundle"
BUNDLE_VERSION = 1
# After this, the verifier warns that revocations made since may be missing.
STALE_AFTER = dt.timedelta(days=7)


def offline_bundle(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """The bundle as of ``now``. Raises keys.KeyFileError before keys exist."""
    now = now or timezone.now()
    return {
        "type": BUNDLE_TYPE,
        "version": BUNDLE_VERSION,
        "generated": open_badge.xsd_datetime(now),
        "staleAfterSeconds": int(STALE_AFTER.total_seconds()),
        "qrPrefix": paper_qr.PREFIX,
        "qrIssuer": settings.CERT_QR_ISSUER,
        # The issuer dates key retirement in its own time zone (Lào Cai, UTC+7).
        "utcOffsetMinutes": _utc_offset_minutes(now),
        "issuer": {"id": keys.issuer_did(), "name": settings.ISSUER_NAME},
        "trustList": keys.trust_list(now=now),
        "statusLists": {
            str(status_list.pk): services.status_list_credential(status_list)
            for status_list in StatusList.objects.filter(purpose=StatusList.Purpose.REVOCATION)
        },
        "achievements": achievement_names(),
    }


def _utc_offset_minutes(now: dt.datetime) -> int:
    offset = timezone.localtime(now).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def achievement_names() -> dict[str, dict[str, str]]:
    """Achievement code → its name, and its level's name when the code has only one
    (a placement level, participation), so a verifier can show words, not codes."""
    found: dict[str, dict[str, Any]] = {}
    rows = (
        Certificate.objects.order_by("achievement_code")
        .values_list("achievement_code", "achievement_name", "level_name")
        .distinct()
    )
    for code, name, level in rows:
        entry = found.setdefault(code, {"name": name, "levels": set()})
        entry["levels"].add(level)
    return {
        code: {"name": entry["name"], "level": next(iter(entry["levels"]))}
        if len(entry["levels"]) == 1
        else {"name": entry["name"], "level": ""}
        for code, entry in found.items()
    }


def export_files(out: Path, *, credentials: bool = False) -> dict[str, str]:
    """Write the verification material under ``out`` as a web site would publish it, so a
    static server of the folder can stand in for the issuer's site (did:web resolves to
    ``/.well-known/did.json``). Returns each written path with its SHA-256, which also goes
    to ``manifest.json``.

    ``credentials`` adds every signed credential. Off by default: a credential carries its
    holder's salted name hash with the salt, so whoever holds them all can confirm guessed
    names; they go only to a third party entitled to them.
    """
    now = timezone.now()
    bundle = offline_bundle(now=now)
    documents: dict[str, Any] = {
        ".well-known/did.json": keys.did_document(),
        ".well-known/hocvuso-trust-list.json": bundle["trustList"],
        "offline-bundle.json": bundle,
    }
    for list_id, document in bundle["statusLists"].items():
        documents[f"status/{list_id}.json"] = document
    written = {name: _write_json(out / name, document) for name, document in documents.items()}
    if credentials:
        rows = Certificate.objects.order_by("pk").values_list("serial", "credential")
        for serial, credential in rows.iterator(chunk_size=2000):
            name = f"credentials/{serial}.json"
            written[name] = _write_json(out / name, credential)
    manifest = {
        "type": "HocvusoExportManifest",
        "generated": bundle["generated"],
        "issuer": bundle["issuer"],
        "files": written,
    }
    _write_json(out / "manifest.json", manifest)
    return written


def _write_json(path: Path, document: Any) -> str:
    data = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_bytes(data)
    partial.replace(path)  # a reader never sees half a file
    return hashlib.sha256(data).hexdigest()
