"""The compact paper QR: COSE_Sign1 over CBOR claims, Base45, alphanumeric QR at level M."""

from __future__ import annotations

import io
import zlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certification import paper_qr as qr

PROVINCE_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
MALLORY_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
KID = qr.key_id(PROVINCE_KEY.public_key())
TRUST_LIST = {KID: PROVINCE_KEY.public_key()}
NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)

CERTIFICATE = qr.PaperClaims(
    serial="LC-2026-000123456",
    issuer="LCI",
    achievement="KNS-CB",
    level=2,
    issued=date(2026, 3, 1),
    valid_until=date(2031, 3, 1),
    status_index=131_071,
    status_list=1,
    holder="N.V.A 1975",
    assisted=True,
)
# Every claim at its size limit, in characters zlib cannot shrink much.
LARGEST = qr.PaperClaims(
    serial="LC-2026-000123456-789XYZ",
    issuer="SGDDT-LAOCAI-VN1",
    achievement="KNS-NANGCAO-AI-2026-0042",
    level="NC-3/4.b",
    issued=date(2026, 12, 31),
    valid_until=date(2999, 12, 31),
    status_index=2**32 - 1,
    status_list="LC-STATUS-2026/Q",
    holder="Nguyễn Thị Ánh Hồng Ngọc 1975 Bảo Lan",  # 48 bytes of UTF-8
    assisted=True,
    proctored=True,
)
QR_TEXT = qr.sign_qr_payload(CERTIFICATE, PROVINCE_KEY, KID)


def verify(text: object, now: datetime = NOW) -> qr.QrVerification:
    return qr.verify_qr_payload(text, TRUST_LIST.get, now)  # type: ignore[arg-type]


def cose_bytes(text: str) -> bytes:
    raw = base45.b45decode(text[len(qr.PREFIX) :])
    return zlib.decompress(raw) if raw[0] == 0x78 else raw


def wrap(raw: bytes) -> str:
    return qr.PREFIX + qr.base45_encode(raw)


def sign1(
    payload: bytes,
    *,
    header: dict[int, object] | None = None,
    key: Ed25519PrivateKey = PROVINCE_KEY,
    unprotected: dict[int, object] | None = None,
    tag: int = 18,
) -> str:
    protected = cbor2.dumps(header if header is not None else {1: -8, 4: KID})
    signature = key.sign(cbor2.dumps(["Signature1", protected, b"", payload]))
    message = [protected, unprotected or {}, payload, signature]
    return wrap(cbor2.dumps(cbor2.CBORTag(tag, message)))


def test_a_signed_certificate_round_trips():
    result = verify(QR_TEXT)

    assert result == qr.QrVerification("valid", qr.OK, CERTIFICATE, KID)
    assert result.is_valid
    assert QR_TEXT.startswith("LC1:")


def test_the_optional_claims_may_be_left_out():
    minimal = replace(CERTIFICATE, holder=None, valid_until=None, assisted=False)
    text = qr.sign_qr_payload(minimal, PROVINCE_KEY, KID)

    assert verify(text).claims == minimal
    assert set(cbor2.loads(qr.encode_claims(minimal))) == {1, 2, 3, 4, 5, 7, 8}
    assert len(text) < len(QR_TEXT)


def test_the_claim_map_uses_the_documented_integer_keys():
    claims = cbor2.loads(qr.encode_claims(CERTIFICATE))

    assert claims == {
        1: "LC-2026-000123456",
        2: "LCI",
        3: "KNS-CB",
        4: 2,
        5: (date(2026, 3, 1) - date(1970, 1, 1)).days,
        6: (date(2031, 3, 1) - date(1970, 1, 1)).days,
        7: 131_071,
        8: 1,
        9: "N.V.A 1975",
        10: qr.FLAG_ASSISTED,
    }
    assert qr.decode_claims(qr.encode_claims(CERTIFICATE)) == CERTIFICATE


def test_the_cose_message_has_the_rfc_9052_shape():
    message = cbor2.loads(cose_bytes(QR_TEXT))

    assert message.tag == 18
    protected, unprotected, payload, signature = message.value
    assert cbor2.loads(protected) == {1: -8, 4: KID}
    assert unprotected == {}
    assert payload == qr.encode_claims(CERTIFICATE)
    sig_structure = cbor2.dumps(["Signature1", protected, b"", payload])
    PROVINCE_KEY.public_key().verify(signature, sig_structure)


def test_a_realistic_certificate_fits_version_10_and_the_largest_fits_version_12():
    largest = qr.sign_qr_payload(LARGEST, PROVINCE_KEY, KID)

    assert qr.qr_version(QR_TEXT) <= 10
    assert qr.qr_version(largest) <= 12
    assert verify(largest).claims == LARGEST


def test_the_qr_symbol_is_alphanumeric_at_level_m():
    symbol = qr.qr_image(QR_TEXT)

    assert symbol.error == "M"
    assert symbol.mode == "alphanumeric"
    assert symbol.version == qr.qr_version(QR_TEXT)


def test_a_real_decoder_reads_the_qr_symbol_back():
    zxingcpp = pytest.importorskip("zxingcpp")
    image_module = pytest.importorskip("PIL.Image")
    for text in (QR_TEXT, qr.sign_qr_payload(LARGEST, PROVINCE_KEY, KID)):
        buffer = io.BytesIO()
        qr.qr_image(text).save(buffer, kind="png", scale=4, border=4)
        buffer.seek(0)

        found = zxingcpp.read_barcodes(image_module.open(buffer).convert("L"))

        assert [barcode.text for barcode in found] == [text]


def test_compression_is_used_only_when_shorter_and_is_verified():
    compressed = wrap(zlib.compress(cose_bytes(QR_TEXT), 9))
    repetitive = replace(CERTIFICATE, holder="A" * 48, serial="A" * 24, achievement="A" * 24)

    assert cose_bytes(QR_TEXT)[0] == 0xD2  # a realistic claim set does not shrink
    assert base45.b45decode(qr.sign_qr_payload(repetitive, PROVINCE_KEY, KID)[4:])[0] == 0x78
    assert verify(compressed) == verify(QR_TEXT)
    assert verify(qr.sign_qr_payload(repetitive, PROVINCE_KEY, KID)).claims == repetitive


@pytest.mark.parametrize(
    ("now", "status"),
    [
        (datetime(2026, 2, 28, 0, 0, tzinfo=UTC), "valid"),  # a day of clock skew allowed
        (datetime(2026, 2, 27, 23, 59, tzinfo=UTC), "not_yet_valid"),
        (datetime(2031, 3, 1, 23, 59, tzinfo=UTC), "valid"),  # valid_until is inclusive
        (datetime(2031, 3, 2, 0, 0, tzinfo=UTC), "expired"),
        (datetime(2031, 3, 2, 6, 0, tzinfo=timezone(timedelta(hours=7))), "valid"),
        (datetime(2031, 3, 2, 7, 0), "expired"),  # naive is UTC
    ],
)
def test_the_validity_window_is_checked_against_now(now, status):
    result = verify(QR_TEXT, now)

    assert result.status == status
    assert result.claims == CERTIFICATE  # dates are judged only after the signature holds


def test_an_unknown_kid_is_reported():
    text = qr.sign_qr_payload(CERTIFICATE, MALLORY_KEY, b"mallory!")

    assert verify(text) == qr.QrVerification("invalid", qr.UNKNOWN_KID, kid=b"mallory!")


def test_a_signature_by_another_key_under_our_kid_is_bad():
    text = qr.sign_qr_payload(CERTIFICATE, MALLORY_KEY, KID)

    assert verify(text).reason == qr.BAD_SIGNATURE


def test_a_resolver_that_raises_means_unknown_kid():
    def broken(kid: bytes) -> None:
        raise ConnectionError("trust list unavailable")

    assert qr.verify_qr_payload(QR_TEXT, broken, NOW).reason == qr.UNKNOWN_KID


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (None, qr.NOT_TEXT),
        (b"LC1:", qr.NOT_TEXT),
        ("", qr.WRONG_PREFIX),
        ("HC1:" + QR_TEXT[4:], qr.WRONG_PREFIX),
        ("lc1:" + QR_TEXT[4:], qr.WRONG_PREFIX),
        (QR_TEXT + "\n", qr.BAD_BASE45),
        (QR_TEXT.lower().replace("lc1:", "LC1:"), qr.BAD_BASE45),
        (QR_TEXT[:-1], qr.BAD_BASE45),
        ("LC1:GGW", qr.BAD_BASE45),  # 65536 does not fit two bytes
        ("LC1:" + "A" * 2000, qr.TOO_LONG),
        (wrap(b"\x78\x9c\x00\x01"), qr.BAD_ZLIB),
        (wrap(zlib.compress(b"\xd2" + b"\x00" * 5000)), qr.BAD_ZLIB),  # inflates past the cap
        (wrap(b"\xd2\xff"), qr.BAD_CBOR),
        (wrap(b"\xd2\x84\x40\xa0\x40\x5f"), qr.BAD_CBOR),  # indefinite-length byte string
        (wrap(b"\xd2\x84\x40\xa0\x40\xf9\x00\x00"), qr.BAD_CBOR),  # a float
        (wrap(b"\xd2\x84\x40\xa0\x40\x58\x01\x00"), qr.BAD_CBOR),  # non-shortest length
        (wrap(cose_bytes(QR_TEXT)[1:]), qr.BAD_COSE),  # untagged
        (wrap(cose_bytes(QR_TEXT) + b"\x00"), qr.BAD_CBOR),  # trailing byte
        (wrap(cbor2.dumps(cbor2.CBORTag(18, [b"", {}, b""]))), qr.BAD_COSE),
    ],
)
def test_malformed_input_is_invalid_with_its_reason(text, reason):
    assert verify(text) == qr.QrVerification("invalid", reason)


def test_a_wrong_algorithm_is_reported():
    payload = qr.encode_claims(CERTIFICATE)

    assert verify(sign1(payload, header={1: -7, 4: KID})).reason == qr.WRONG_ALG
    assert verify(sign1(payload, header={1: "EdDSA", 4: KID})).reason == qr.WRONG_ALG


@pytest.mark.parametrize(
    "options",
    [
        {"header": {1: -8}},
        {"header": {1: -8, 4: b""}},
        {"header": {1: -8, 4: b"123456789"}},
        {"header": {1: -8, 4: KID, 3: 0}},
        {"header": {1: -8, 4: "kid"}},
        {"unprotected": {4: KID}},
        {"tag": 98},
    ],
)
def test_a_cose_message_outside_our_profile_is_refused(options):
    result = verify(sign1(qr.encode_claims(CERTIFICATE), **options))

    assert result.status == "invalid"
    assert result.reason in {qr.BAD_COSE, qr.BAD_CBOR}


@pytest.mark.parametrize(
    "claims",
    [
        {1: "S", 2: "I", 3: "A", 4: 1, 5: 1, 7: 1},  # no status list
        {1: "S", 2: "I", 3: "A", 4: 1, 5: 1, 7: 1, 8: 1, 11: 0},  # unknown claim
        {1: "S", 2: "I", 3: "A", 4: 1, 5: 1, 7: -1, 8: 1},
        {1: "S", 2: "I", 3: "A", 4: 1.5, 5: 1, 7: 1, 8: 1},
        {1: "S", 2: "I", 3: "A", 4: 1, 5: "2026-03-01", 7: 1, 8: 1},
        {1: "S", 2: "I", 3: "A", 4: 1, 5: 1, 7: 1, 8: 1, 10: 4},
        {1: "S" * 25, 2: "I", 3: "A", 4: 1, 5: 1, 7: 1, 8: 1},
        [1, 2, 3],
    ],
)
def test_a_signed_but_malformed_claim_set_is_refused(claims):
    text = sign1(cbor2.dumps(claims, canonical=True))

    assert verify(text).reason == qr.BAD_CLAIMS


def test_a_claim_map_out_of_deterministic_order_is_refused():
    unordered = b"\xa7" + b"".join(
        cbor2.dumps(key) + cbor2.dumps(value)
        for key, value in [(2, "I"), (1, "S"), (3, "A"), (4, 1), (5, 1), (7, 1), (8, 1)]
    )

    assert verify(sign1(unordered)).reason == qr.BAD_CLAIMS


def test_encode_refuses_what_the_verifier_would_refuse():
    with pytest.raises(ValueError, match="claim 1"):
        qr.encode_claims(replace(CERTIFICATE, serial="S" * 25))
    with pytest.raises(ValueError, match="claim 9"):
        qr.encode_claims(replace(CERTIFICATE, holder="ệ" * 17))
    with pytest.raises(ValueError, match="claim 7"):
        qr.encode_claims(replace(CERTIFICATE, status_index=2**32))
    with pytest.raises(ValueError, match="calendar days"):
        qr.encode_claims(replace(CERTIFICATE, issued=NOW))
    with pytest.raises(ValueError, match="kid"):
        qr.sign_qr_payload(CERTIFICATE, PROVINCE_KEY, b"123456789")


def test_base45_matches_rfc_9285_and_the_base45_package():
    assert qr.base45_encode(b"AB") == "BB8"
    assert qr.base45_encode(b"Hello!!") == "%69 VD92EX0"
    assert qr.base45_encode(b"ietf!") == "QED8WEX0"
    assert qr.base45_decode("QED8WEX0") == b"ietf!"
    assert qr.base45_encode(cose_bytes(QR_TEXT)) == base45.b45encode(cose_bytes(QR_TEXT)).decode()


def test_changing_any_character_of_the_text_never_verifies():
    for position in range(len(QR_TEXT)):
        for char in qr.BASE45_ALPHABET:
            if char != QR_TEXT[position]:
                text = QR_TEXT[:position] + char + QR_TEXT[position + 1 :]
                assert verify(text).status == "invalid", (position, char)


def test_flipping_any_bit_of_the_cose_bytes_never_verifies():
    raw = cose_bytes(QR_TEXT)
    for position in range(len(raw)):
        for bit in range(8):
            mutated = bytearray(raw)
            mutated[position] ^= 1 << bit
            result = verify(wrap(bytes(mutated)))
            assert result.status == "invalid", (position, bit)
            assert result.reason != qr.INTERNAL_ERROR


def test_a_mutated_compressed_text_never_yields_other_claims():
    # zlib framing is outside the signature: a flip there may leave the signed bytes intact,
    # and then the same claims verify. It must never produce different claims.
    compressed = zlib.compress(cose_bytes(QR_TEXT), 9)
    for position in range(len(compressed)):
        for bit in range(8):
            mutated = bytearray(compressed)
            mutated[position] ^= 1 << bit
            result = verify(wrap(bytes(mutated)))
            assert result.reason != qr.INTERNAL_ERROR
            if result.status != "invalid":
                assert result.claims == CERTIFICATE


def _assert_safe(text: object) -> None:
    result = verify(text)
    assert result.reason != qr.INTERNAL_ERROR, text
    assert result.status == "invalid", text


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text(max_size=400))
def test_fuzz_random_text(text):
    _assert_safe(text)


@FUZZ
@given(st.text(alphabet=qr.BASE45_ALPHABET, max_size=450))
def test_fuzz_random_base45(body):
    _assert_safe(qr.PREFIX + body)


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_random_bytes(raw):
    _assert_safe(wrap(raw))
    _assert_safe(wrap(b"\xd2" + raw))
    _assert_safe(wrap(zlib.compress(b"\xd2" + raw)))


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_random_bytes_under_a_valid_cose_prefix(tail):
    raw = cose_bytes(QR_TEXT)
    _assert_safe(wrap(raw[: len(raw) // 2] + tail))


@FUZZ
@given(st.data())
def test_fuzz_mutations_of_a_valid_payload(data):
    raw = bytearray(cose_bytes(QR_TEXT))
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["flip", "set", "cut", "insert", "delete"]))
        position = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        if kind == "flip" and raw:
            raw[position] ^= 1 << data.draw(st.integers(0, 7))
        elif kind == "set" and raw:
            raw[position] = data.draw(st.integers(0, 255))
        elif kind == "cut":
            del raw[position:]
        elif kind == "insert":
            raw[position:position] = data.draw(st.binary(min_size=1, max_size=4))
        elif raw:
            del raw[position]
    if bytes(raw) != cose_bytes(QR_TEXT):
        _assert_safe(wrap(bytes(raw)))


@FUZZ
@given(st.data())
def test_fuzz_text_truncations_and_edits(data):
    position = data.draw(st.integers(0, len(QR_TEXT) - 1))
    insert = data.draw(st.text(max_size=3))
    cut = data.draw(st.integers(0, 3))
    text = QR_TEXT[:position] + insert + QR_TEXT[position + cut :]
    if text != QR_TEXT:
        _assert_safe(text)
