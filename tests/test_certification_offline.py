"""The offline verifier's server side (its page, service worker and bundle) and the
`certificates_export` command: what they publish verifies with nothing but the files."""

from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.templatetags.static import static

from certification import keys, open_badge, services
from certification.data_integrity import verify_proof
from certification.models import Certificate
from certification.multikey import decode_public_multikey
from tests.contest_fixtures import person
from tests.test_certificates_issue import adult, finished_session, issuer  # noqa: F401

pytestmark = pytest.mark.django_db

PAGE = "/xac-minh/ngoai-tuyen/"
FIRST_LOAD_BUDGET = 60 * 1024  # participant pages: ≤ 60 KB compressed on first load


@pytest.fixture
def certs(issuer) -> list[Certificate]:  # noqa: F811
    first = services.certificate_issue_for_placement(finished_session(adult()), actor=None)
    second = services.certificate_issue_for_placement(
        finished_session(person("Lò Thị Mai", phone="0912000002", birth_year=1990), "CB2"),
        actor=None,
    )
    services.certificate_revoke(second, actor=None, reason="Bí mật: người khác làm hộ")
    second.refresh_from_db()
    return [first, second]


def _resolver(did_document: dict):
    """A key resolver that knows only the exported DID document."""
    methods = {m["id"]: m["publicKeyMultibase"] for m in did_document["verificationMethod"]}
    assertion = set(did_document["assertionMethod"])

    def resolve(method: str):
        return decode_public_multikey(methods[method]) if method in assertion else None

    return resolve


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text, re.S)
    assert match is not None, (pattern, text[:500])
    return match[1]


def _bit(status_list: dict, index: int) -> bool:
    bits = open_badge.decode_bitstring(status_list["credentialSubject"]["encodedList"])
    return open_badge.bit_is_set(bits, index)


# --- The bundle and the page -------------------------------------------------------------


def test_the_bundle_holds_the_signed_trust_list_status_lists_and_names(client, certs) -> None:
    response = client.get(f"{PAGE}du-lieu.json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    bundle = response.json()
    assert bundle["type"] == "HocvusoOfflineBundle"
    assert (bundle["qrPrefix"], bundle["qrIssuer"], bundle["utcOffsetMinutes"]) == (
        "LC1:",
        "LCI",
        420,
    )
    root = bundle["trustList"]["rootKey"]["publicKeyMultibase"]
    assert keys.trust_list_verify(bundle["trustList"], root)
    assert [k["kid"] for k in bundle["trustList"]["keys"]] == [certs[0].issuing_key.kid]
    status_list = bundle["statusLists"][str(certs[1].status_list_id)]
    assert verify_proof(status_list, keys.trusted_key_for_method, None).ok
    assert _bit(status_list, certs[1].status_list_index)
    assert not _bit(status_list, certs[0].status_list_index)
    assert bundle["achievements"][certs[0].achievement_code] == {
        "name": "Mức kỹ năng số: Trung cấp 1",
        "level": "Trung cấp 1",
    }
    # Public: no revocation reason, no name, no phone.
    text = response.content.decode()
    for secret in ("Bí mật", "Giàng A Lử", "Lò Thị Mai", "0912000002", "L.T.M"):
        assert secret not in text


def test_the_bundle_says_unavailable_before_keys_exist(client, settings, tmp_path) -> None:
    settings.CERT_KEY_DIR = tmp_path / "none"
    response = client.get(f"{PAGE}du-lieu.json")
    assert response.status_code == 503
    assert response.json() == {"error": "Chưa khởi tạo khóa ký chứng nhận."}


def test_the_page_carries_its_texts_and_falls_back_to_the_online_form(client) -> None:
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    texts = json.loads(found(r'id="verifier-texts"[^>]*>(.*?)</script>', page))
    assert texts["headlines"]["revoked"] == "ĐÃ THU HỒI"
    assert texts["reasons"]["bad_signature"].startswith("chữ ký số không khớp")
    assert texts["reasons"]["unknown_kid"].startswith("chứng nhận được ký bằng khóa")
    assert texts["updated"] == "Dữ liệu cập nhật lúc %(time)s."
    assert 'action="/xac-minh/"' in page and 'data-worker="/xac-minh/ngoai-tuyen/sw.js"' in page
    assert static("certification/offline-verifier.js") in page


def test_the_service_worker_keeps_the_page_script_and_bundle(client) -> None:
    response = client.get(f"{PAGE}sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    assets = json.loads(found(r"const ASSETS = (\[.*?\]);", script))
    assert assets == [
        PAGE,
        f"{PAGE}du-lieu.json",
        static("certification/offline-verifier.js"),
        static("css/site.css"),
    ]
    assert json.loads(found(r"const FRESH = (\[.*?\]);", script)) == assets[:2]
    assert re.search(r'const CACHE = "hocvuso-offline-[0-9a-f]{12}";', script)


def test_the_first_load_stays_within_the_participant_budget(client, certs) -> None:
    from django.contrib.staticfiles import finders

    sizes = {
        "page": client.get(PAGE).content,
        "bundle": client.get(f"{PAGE}du-lieu.json").content,
        "worker": client.get(f"{PAGE}sw.js").content,
    }
    for name in ("certification/offline-verifier.js", "css/site.css"):
        sizes[name] = Path(str(finders.find(name))).read_bytes()
    compressed = {name: len(gzip.compress(body)) for name, body in sizes.items()}
    assert sum(compressed.values()) <= FIRST_LOAD_BUDGET, compressed


# --- certificates_export -------------------------------------------------------------------


def test_the_export_verifies_from_the_files_alone(certs, tmp_path) -> None:
    out = tmp_path / "xuat"
    stdout = io.StringIO()
    call_command("certificates_export", "--out", str(out), "--credentials", stdout=stdout)
    assert "2 credentials written" in stdout.getvalue()

    def load(name: str) -> dict:
        return json.loads((out / name).read_text(encoding="utf-8"))

    did = load(".well-known/did.json")
    trust = load(".well-known/hocvuso-trust-list.json")
    assert keys.trust_list_verify(trust, trust["rootKey"]["publicKeyMultibase"])
    assert trust["rootKey"]["id"] in did["capabilityDelegation"]
    resolve = _resolver(did)
    for cert in certs:
        credential = load(f"credentials/{cert.serial}.json")
        assert verify_proof(credential, resolve, set(open_badge.CREDENTIAL_CONTEXTS)).ok
        entry = credential["credentialStatus"]
        list_id = found(r"/status/(\d+)\.json$", entry["statusListCredential"])
        status_list = load(f"status/{list_id}.json")
        assert verify_proof(status_list, resolve, None).ok
        assert _bit(status_list, int(entry["statusListIndex"])) == cert.is_revoked
    manifest = load("manifest.json")
    assert set(manifest["files"]) == {
        ".well-known/did.json",
        ".well-known/hocvuso-trust-list.json",
        "offline-bundle.json",
        f"status/{certs[0].status_list_id}.json",
        *(f"credentials/{cert.serial}.json" for cert in certs),
    }
    import hashlib

    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name


def test_the_export_leaves_credentials_out_unless_asked(certs, tmp_path) -> None:
    call_command("certificates_export", "--out", str(tmp_path), stdout=io.StringIO())
    assert not (tmp_path / "credentials").exists()
    bundle = json.loads((tmp_path / "offline-bundle.json").read_text(encoding="utf-8"))
    assert set(bundle["statusLists"]) == {str(certs[0].status_list_id)}
    assert not list(tmp_path.rglob("*.tmp"))


def test_the_export_refuses_a_file_and_missing_keys(settings, tmp_path) -> None:
    target = tmp_path / "tep"
    target.write_text("x")
    with pytest.raises(CommandError, match="not a folder"):
        call_command("certificates_export", "--out", str(target))
    settings.CERT_KEY_DIR = tmp_path / "none"
    with pytest.raises(CommandError, match="no root key"):
        call_command("certificates_export", "--out", str(tmp_path / "ra"))
