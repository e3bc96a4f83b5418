"""Verifying certificates in a real browser (Debian's Chromium): on the online page, then on
the offline verifier with the network cut, where the signature is checked by WebCrypto and
revocation by the status list the service worker cached while online."""

from __future__ import annotations

import pytest

from certification import services
from tests import browser_support
from tests.contest_fixtures import person
from tests.test_certificates_issue import adult, finished_session, issuer  # noqa: F401
from tests.test_certificates_verify import tampered

pytestmark = browser_support.BROWSER_MARKS
chromium = browser_support.chromium  # the fixtures, made visible to pytest
phone = browser_support.phone

PASTE = "Dán nội dung mã QR (bắt đầu bằng LC1:)"


def check(page, text: str) -> None:
    page.get_by_label(PASTE).fill(text)
    page.get_by_role("button", name="Kiểm tra").click()


@pytest.mark.django_db(transaction=True)
def test_a_certificate_verifies_online_and_then_offline(live_server, phone, issuer) -> None:  # noqa: F811
    from playwright.sync_api import Error, expect

    valid = services.certificate_issue_for_placement(finished_session(adult()), actor=None)
    later = services.certificate_issue_for_placement(
        finished_session(person("Lò Thị Mai", phone="0912000002", birth_year=1990)), actor=None
    )
    revoked = services.certificate_revoke(
        services.certificate_issue_for_placement(
            finished_session(person("Vàng Văn Sử", phone="0912000003", birth_year=1979)),
            actor=None,
        ),
        actor=None,
        reason="Kết quả do người khác làm hộ.",
    )
    page = phone.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    # Online: the server checks the pasted text.
    page.goto(f"{live_server.url}/xac-minh/")
    page.get_by_label(PASTE).fill(valid.qr_text)
    with page.expect_navigation():
        page.get_by_role("button", name="Kiểm tra").click()
    expect(page.locator(".verdict h2")).to_have_text("HỢP LỆ")
    expect(page.locator(".verdict")).to_contain_text(valid.serial)

    # The official opens the offline verifier once, with a network.
    page.get_by_role(
        "link", name="Xác minh khi không có mạng (mở trang này một lần khi có mạng)"
    ).click()
    page.wait_for_url(f"{live_server.url}/xac-minh/ngoai-tuyen/")
    expect(page.locator("#offline-ready")).to_have_text("Đã lưu để dùng khi không có mạng.")
    expect(page.locator("#data-state")).to_contain_text("Dữ liệu cập nhật lúc")
    expect(page.locator("#data-stale")).to_be_hidden()

    # The network goes. Meanwhile the province revokes `later`: the verifier cannot know.
    phone.set_offline(True)
    services.certificate_revoke(later, actor=None, reason="Thu hồi khi máy đang ngoại tuyến.")
    with pytest.raises(Error):
        phone.new_page().goto(f"{live_server.url}/xac-minh/")  # nothing reaches the server
    page.reload()
    expect(page.locator("h1")).to_have_text("Xác minh chứng nhận khi không có mạng")
    expect(page.locator("#data-state")).to_contain_text("Dữ liệu cập nhật lúc")
    expect(page.locator("#offline-form")).to_have_attribute("data-ready", "true")

    verdict = page.locator("#verdict")
    check(page, valid.qr_text)
    expect(verdict.locator("h2")).to_have_text("HỢP LỆ")
    expect(verdict).to_have_class("verdict valid")
    expect(verdict.locator('[data-fact="serial"]')).to_have_text(valid.serial)
    expect(verdict.locator('[data-fact="holder"]')).to_have_text("G.A.L 1985")
    expect(verdict.locator('[data-fact="achievement"]')).to_have_text(valid.achievement_name)

    check(page, revoked.qr_text)
    expect(verdict.locator("h2")).to_have_text(
        "ĐÃ THU HỒI: chứng nhận đã bị thu hồi. "
        "Lý do thu hồi chỉ xem được trên trang xác minh trực tuyến."
    )
    expect(verdict.locator('[data-fact="serial"]')).to_have_text(revoked.serial)

    check(page, later.qr_text)  # the cached list, from before the revocation
    expect(verdict.locator("h2")).to_have_text("HỢP LỆ")

    check(page, tampered(valid.qr_text))
    expect(verdict.locator("h2")).to_contain_text("KHÔNG HỢP LỆ: ")
    expect(verdict.locator("dl")).to_be_hidden()
    check(page, "LC1:KHONGHOPLE")
    expect(verdict.locator("h2")).to_have_text(
        "KHÔNG HỢP LỆ: mã QR bị hỏng hoặc đã bị sửa đổi, không đọc được nội dung."
    )
    check(page, "https://example.com/")
    expect(verdict.locator("h2")).to_have_text(
        "KHÔNG HỢP LỆ: đây không phải mã QR chứng nhận Bình dân học vụ số Lào Cai."
    )

    # Back online, the page refreshes its data and knows of the new revocation.
    phone.set_offline(False)
    page.reload()
    expect(page.locator("#offline-form")).to_have_attribute("data-ready", "true")
    check(page, later.qr_text)
    expect(verdict.locator("h2")).to_contain_text("ĐÃ THU HỒI")
    assert not problems, problems


def _signed_text(claims: dict, private_key, kid: bytes, *, alg: int = -8, compress=False) -> str:
    """A paper QR built by hand, to reach the verifier's rarer answers."""
    import zlib

    import cbor2

    from certification import paper_qr

    protected = cbor2.dumps({1: alg, 4: kid})
    payload = cbor2.dumps(claims, canonical=True)
    signature = private_key.sign(cbor2.dumps(["Signature1", protected, b"", payload]))
    cose = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))
    return paper_qr.PREFIX + paper_qr.base45_encode(zlib.compress(cose, 9) if compress else cose)


def _cases(issuer) -> dict[str, str]:  # noqa: F811
    """QR texts covering every answer of the verifier."""
    import datetime as dt

    import cbor2
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from django.utils import timezone

    from certification import keys, paper_qr
    from tests.test_certificates_verify import GARBAGE

    now = timezone.now()
    valid = services.certificate_issue_for_placement(finished_session(adult()), actor=None)
    expired = services.certificate_issue_for_placement(
        finished_session(person("Hầu A Chư", phone="0912000004", birth_year=1970)),
        actor=None,
        now=now - dt.timedelta(days=800),
    )
    future = services.certificate_issue_for_placement(
        finished_session(person("Ly Thị Sa", phone="0912000005", birth_year=1999)),
        actor=None,
        now=now + dt.timedelta(days=10),
    )
    minor = services.certificate_issue_for_placement(
        finished_session(person("Thào Mí Pó", phone="0912000006", birth_year=2014)), actor=None
    )
    revoked = services.certificate_revoke(
        services.certificate_issue_for_placement(
            finished_session(person("Vàng Văn Sử", phone="0912000003", birth_year=1979)),
            actor=None,
        ),
        actor=None,
        reason="Làm hộ.",
    )
    secret = keys.private_key(issuer)
    kid = issuer.kid_bytes
    decoded = paper_qr.verify_qr_payload(valid.qr_text, keys.trusted_key_for_kid, now).claims
    assert decoded is not None
    claims = cbor2.loads(paper_qr.encode_claims(decoded))
    text = valid.qr_text
    cases = {
        "valid": text,
        "valid, zlib": _signed_text(claims, secret, kid, compress=True),
        "minor": minor.qr_text,
        "expired": expired.qr_text,
        "not yet valid": future.qr_text,
        "revoked": revoked.qr_text,
        "line break": text + "\r\n",
        "truncated by one": text[:-1],
        "truncated by three": text[:-3],
        "foreign key": _signed_text(claims, Ed25519PrivateKey.generate(), kid),
        "unknown kid": _signed_text(claims, secret, b"\x01" * 8),
        "wrong alg": _signed_text(claims, secret, kid, alg=-7),
        "foreign issuer": _signed_text({**claims, 2: "XYZ"}, secret, kid),
        "unknown list": _signed_text({**claims, 8: 999}, secret, kid),
        "text list": _signed_text({**claims, 8: "A"}, secret, kid),
        "index past the list": _signed_text({**claims, 7: 2**20}, secret, kid),
        "unknown claim": _signed_text({**claims, 11: 1}, secret, kid),
        "missing claim": _signed_text({k: v for k, v in claims.items() if k != 3}, secret, kid),
        "long holder": _signed_text({**claims, 9: "x" * 49}, secret, kid),
    }
    for position in (5, len(text) // 3, len(text) // 2, len(text) - 2):
        replacement = "A" if text[position] != "A" else "B"
        cases[f"changed at {position}"] = text[:position] + replacement + text[position + 1 :]
    for number, garbage in enumerate(GARBAGE):
        if garbage.strip() and "\x00" not in garbage:
            cases[f"garbage {number}"] = garbage
    return cases


@pytest.mark.django_db(transaction=True)
def test_the_browser_verifier_agrees_with_the_server_on_every_answer(
    live_server,
    phone,
    issuer,  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    from certification.verification import certificate_verify_qr

    cases = _cases(issuer)
    page = phone.new_page()
    page.goto(f"{live_server.url}/xac-minh/ngoai-tuyen/")
    expect(page.locator("#offline-form")).to_have_attribute("data-ready", "true")
    headline = page.locator("#verdict h2")
    statuses = set()
    for name, text in cases.items():
        server = certificate_verify_qr(text)
        statuses.add(server.status)
        page.evaluate("document.querySelector('#verdict h2').textContent = ''")
        check(page, text)
        expect(headline).not_to_have_text("")
        shown = headline.inner_text()
        if server.status == "revoked":  # offline, the reason is not known
            assert shown.startswith("ĐÃ THU HỒI: "), (name, shown)
        else:
            wanted = f"{server.headline}: {server.reason}" if server.reason else server.headline
            assert shown == wanted, (name, shown, server)
        if server.has_data:
            holder = page.locator('[data-fact="holder"]').inner_text()
            assert holder == (
                server.holder or "không ghi trên mã (người chưa thành niên hoặc chưa rõ tuổi)"
            )
            assert page.locator('[data-fact="serial"]').inner_text() == server.serial
    assert statuses == {"valid", "invalid", "revoked", "expired", "not_yet_valid"}


@pytest.mark.django_db(transaction=True)
def test_old_data_is_shown_with_its_age_and_a_warning(live_server, phone, issuer) -> None:  # noqa: F811
    import datetime as dt

    from playwright.sync_api import expect

    cert = services.certificate_issue_for_placement(finished_session(adult()), actor=None)
    phone.clock.install(time=dt.datetime.now(dt.UTC) + dt.timedelta(days=8))
    page = phone.new_page()
    page.goto(f"{live_server.url}/xac-minh/ngoai-tuyen/")
    expect(page.locator("#offline-form")).to_have_attribute("data-ready", "true")
    expect(page.locator("#data-state")).to_contain_text("Dữ liệu cập nhật lúc")
    expect(page.locator("#data-stale")).to_be_visible()
    expect(page.locator("#data-stale")).to_contain_text("Dữ liệu đã cũ hơn 7 ngày")
    check(page, cert.qr_text)
    expect(page.locator("#verdict h2")).to_have_text("HỢP LỆ")
