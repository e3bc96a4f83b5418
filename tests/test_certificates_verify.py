"""Verifying certificates: the /xac-minh/ page and the API say valid, invalid (with the
reason), revoked (with the reason) or expired, never a server error; the published DID
document, trust list and status list verify; the printable certificate is the holder's."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from certification import keys, open_badge, paper_qr, services, views
from certification.data_integrity import verify_proof
from certification.models import Certificate, IssuingKey
from certification.multikey import decode_public_multikey
from tests.test_certificates_issue import adult, finished_session, issuer  # noqa: F401

pytestmark = pytest.mark.django_db

GARBAGE = [
    "",
    "xin chào",
    "LC1:",
    "LC1:!!!!",
    "LC1:" + "A" * 999,
    "LC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEXWK G2EP4J0BGJLFX3R3VHXK.PJ:2DPF6R"
    ":5SVBHABVCNN95SWMPHQUHQN%A0SOE+QQAB-HQ/HQ7IR.SQ:O",
    "LC2:ABC",
    "\x00\x01\x02",
    "ĐÂY KHÔNG PHẢI MÃ",
    "https://example.com/?q=1",
]


@pytest.fixture(autouse=True)
def isolated_rate_limits(settings) -> None:
    """Rate-limit counters live in the cache (Redis in CI, shared with other processes):
    a fresh key prefix gives each test its own counters."""
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"cert-{uuid.uuid4().hex[:12]}"}
        for alias, config in settings.CACHES.items()
    }


@pytest.fixture
def cert(issuer) -> Certificate:  # noqa: F811
    return services.certificate_issue_for_placement(finished_session(adult()), actor=None)


def post_page(client, text: str) -> str:
    response = client.post("/xac-minh/", {"qr": text})
    assert response.status_code == 200
    return response.content.decode()


def post_api(client, body: object) -> dict:
    response = client.post("/api/v1/verify/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def tampered(text: str) -> str:
    """The QR text with one Base45 character changed in the middle of the payload."""
    middle = len(text) // 2
    replacement = "A" if text[middle] != "A" else "B"
    return text[:middle] + replacement + text[middle + 1 :]


# --- The verification page ----------------------------------------------------------------


def test_the_page_shows_valid_and_only_the_minimal_data(client, cert) -> None:
    page = post_page(client, cert.qr_text + "\r\n")
    assert "HỢP LỆ" in page and "KHÔNG HỢP LỆ" not in page
    assert cert.serial in page and "G.A.L 1985" in page
    assert "Mức kỹ năng số: Trung cấp 1" in page and "Trung cấp 1" in page
    assert "Ban Chỉ đạo về phát triển khoa học" in page
    assert "Giàng A Lử" not in page and "0912000001" not in page


def test_the_page_is_a_plain_form_with_an_optional_camera_scanner(client) -> None:
    page = client.get("/xac-minh/").content.decode()
    assert 'name="qr"' in page and "Kiểm tra" in page
    assert 'type="module"' in page and "verify-scan.js" in page


def test_a_revoked_certificate_shows_revoked_with_its_reason(client, cert, dave) -> None:
    services.certificate_revoke(cert, actor=dave, reason="Cấp nhầm người")
    page = post_page(client, cert.qr_text)
    assert "ĐÃ THU HỒI: Cấp nhầm người" in page
    result = post_api(client, {"qr": cert.qr_text})
    assert result["status"] == "revoked" and result["reason"] == "Cấp nhầm người"
    assert result["headline"] == "ĐÃ THU HỒI" and result["valid"] is False
    assert post_api(client, {"credential": cert.credential})["status"] == "revoked"


def test_a_tampered_qr_is_invalid_with_a_reason(client, cert) -> None:
    page = post_page(client, tampered(cert.qr_text))
    assert "KHÔNG HỢP LỆ:" in page
    result = post_api(client, {"qr": tampered(cert.qr_text)})
    assert result["status"] == "invalid" and result["reason"]
    assert result["certificate"] is None


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_is_invalid_never_a_server_error(client, issuer, text) -> None:  # noqa: F811
    page = post_page(client, text)
    assert "KHÔNG HỢP LỆ:" in page
    result = post_api(client, {"qr": text})
    assert result["status"] == "invalid" and result["reason"]


def test_a_qr_signed_with_a_key_outside_the_trust_list_is_invalid(client, cert) -> None:
    forger = Ed25519PrivateKey.generate()
    claims = paper_qr.PaperClaims(
        serial=cert.serial,
        issuer="LCI",
        achievement="KNS-CB-4-NC2",
        level="NC2",
        issued=timezone.localdate(),
        status_index=1,
        status_list=cert.status_list_id,
    )
    text = paper_qr.sign_qr_payload(claims, forger, paper_qr.key_id(forger.public_key()))
    result = post_api(client, {"qr": text})
    assert result["status"] == "invalid" and result["code"] == "unknown_kid"
    assert "danh sách tin cậy" in result["reason"]


def test_an_expired_certificate_shows_expired(cert) -> None:
    later = timezone.now() + dt.timedelta(days=3 * 365)
    assert services.certificate_verify_qr(cert.qr_text, now=later).headline == "HẾT HẠN"
    assert services.certificate_verify_vc(cert.credential, now=later).status == "expired"


def test_the_issue_date_is_no_secret_but_a_future_one_is_not_yet_valid(cert) -> None:
    earlier = timezone.now() - dt.timedelta(days=30)
    assert services.certificate_verify_qr(cert.qr_text, now=earlier).status == "not_yet_valid"


def test_verifying_is_rate_limited_per_address(client, cert, settings) -> None:
    settings.RATE_LIMIT_SCALE = 1 / 60  # one check a minute
    assert client.post("/xac-minh/", {"qr": cert.qr_text}).status_code == 200
    limited = client.post("/xac-minh/", {"qr": cert.qr_text})
    assert limited.status_code == 429 and "quá nhiều lần" in limited.content.decode()
    api = client.post("/api/v1/verify/", {"qr": cert.qr_text}, content_type="application/json")
    assert api.status_code == 429


# --- The API with a credential ---------------------------------------------------------------


def test_the_api_verifies_a_credential(client, cert) -> None:
    result = post_api(client, {"credential": cert.credential})
    assert result["status"] == "valid" and result["certificate"]["serial"] == cert.serial
    as_text = post_api(client, {"credential": json.dumps(cert.credential)})
    assert as_text["status"] == "valid"


@pytest.mark.parametrize(
    "change",
    [
        lambda vc: vc["credentialSubject"]["achievement"].update(name="Chuyên sâu 2"),
        lambda vc: vc.update(validUntil="2099-12-31T00:00:00Z"),
        lambda vc: vc["credentialStatus"].update(statusListIndex="7"),
        lambda vc: vc["issuer"].update(id="did:web:gia-mao.example"),
        lambda vc: vc.pop("proof"),
        lambda vc: vc["@context"].append("https://evil.example/context.json"),
        lambda vc: vc["proof"].update(proofValue="z111"),
    ],
)
def test_a_changed_credential_is_invalid(client, cert, change) -> None:
    forged = copy.deepcopy(cert.credential)
    change(forged)
    result = post_api(client, {"credential": forged})
    assert result["status"] == "invalid" and result["reason"], result


@pytest.mark.parametrize("credential", [[], 5, "không phải JSON", {"type": "x"}, None, "{}"])
def test_non_credentials_are_invalid(client, issuer, credential) -> None:  # noqa: F811
    result = post_api(client, {"credential": credential})
    assert result["status"] == "invalid"


def test_a_body_that_is_not_json_is_an_invalid_answer_not_an_error(client, issuer) -> None:  # noqa: F811
    response = client.post("/api/v1/verify/", "{không", content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "invalid"
    assert client.post("/api/v1/verify/", {}, content_type="application/json").status_code == 400


# --- Published documents -----------------------------------------------------------------------


def test_the_did_document_lists_the_issuing_keys_as_multikey(client, issuer) -> None:  # noqa: F811
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200 and "max-age=300" in response["Cache-Control"]
    did = response.json()
    assert did["id"] == "did:web:localhost%3A8000"
    method = keys.verification_method(issuer)
    assert method in did["assertionMethod"]
    entry = next(m for m in did["verificationMethod"] if m["id"] == method)
    assert entry["type"] == "Multikey" and entry["controller"] == did["id"]
    assert entry["publicKeyMultibase"].startswith("z6Mk")
    root = keys.active_key(IssuingKey.Purpose.ROOT)
    assert root is not None and keys.verification_method(root) not in did["assertionMethod"]


def test_the_trust_list_verifies_against_the_pinned_root_key(client, issuer) -> None:  # noqa: F811
    response = client.get("/.well-known/hocvuso-trust-list.json")
    assert response.status_code == 200 and "max-age=300" in response["Cache-Control"]
    trust = response.json()
    root = keys.active_key(IssuingKey.Purpose.ROOT)
    assert root is not None
    assert keys.trust_list_verify(trust, root.public_key_multibase)
    assert [k["kid"] for k in trust["keys"]] == [issuer.kid]
    trust["keys"].append({**trust["keys"][0], "kid": "ffffffffffffffff"})
    assert not keys.trust_list_verify(trust, root.public_key_multibase)
    assert not keys.trust_list_verify(response.json(), issuer.public_key_multibase)


def test_the_status_list_credential_verifies_and_carries_the_revoked_bit(client, cert) -> None:
    services.certificate_revoke(cert, actor=None, reason="Gian lận")
    url = cert.credential["credentialStatus"]["statusListCredential"]
    response = client.get(url.removeprefix("http://localhost:8000"))
    assert response.status_code == 200 and response["Cache-Control"] == "public, max-age=300"
    status_credential = response.json()
    assert status_credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert status_credential["id"] == url
    trusted = {keys.verification_method(k): keys.public_key(k) for k in keys.published_keys()}
    assert verify_proof(status_credential, trusted.get, {open_badge.VC_CONTEXT}).ok
    bits = open_badge.decode_bitstring(status_credential["credentialSubject"]["encodedList"])
    assert len(bits) * 8 >= 131_072
    assert open_badge.bit_is_set(bits, cert.status_list_index)
    assert sum(bin(b).count("1") for b in bits) == 1


def test_published_documents_say_unavailable_before_keys_exist(client, settings, tmp_path):
    settings.CERT_KEY_DIR = tmp_path
    assert client.get("/.well-known/hocvuso-trust-list.json").status_code == 503
    assert client.get("/.well-known/did.json").json()["assertionMethod"] == []


def test_the_trust_list_root_key_is_a_multikey(issuer) -> None:  # noqa: F811
    root = keys.active_key(IssuingKey.Purpose.ROOT)
    assert root is not None
    assert decode_public_multikey(keys.trust_list()["rootKey"]["publicKeyMultibase"])


# --- The printable certificate ---------------------------------------------------------------


def test_the_printable_certificate_is_for_the_holder_only(client, cert) -> None:
    assert client.get(f"/chung-nhan/{cert.serial}/").status_code == 404
    assert client.get(f"/chung-nhan/{cert.serial}/?ma=gia-mao").status_code == 404
    page = client.get(views.print_url(cert)).content.decode()
    assert "Giàng A Lử" in page and "Mức kỹ năng số: Trung cấp 1" in page
    assert "<svg" in page and "@page" in page and cert.serial in page
    assert "Ban Chỉ đạo về phát triển khoa học, công nghệ" in page


def test_staff_who_may_view_certificates_can_print_any(client, cert, settings) -> None:
    from django.contrib.auth.models import Permission, User

    official = User.objects.create_user("canbo", password="pw")
    official.user_permissions.add(Permission.objects.get(codename="view_certificate"))
    client.force_login(official)
    assert client.get(f"/chung-nhan/{cert.serial}/").status_code == 200
