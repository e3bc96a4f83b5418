"""eddsa-jcs-2022 proofs on our own credentials: round trip, tampering, keys and contexts."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from certification import data_integrity as di
from certification.multikey import (
    MultikeyError,
    base58_decode,
    base58_encode,
    decode_public_multikey,
    decode_secret_multikey,
    did_key_verification_method,
    did_web,
    did_web_document_url,
    encode_public_multikey,
    encode_secret_multikey,
    multikey_verification_method,
    public_key_from_did_key,
    verification_method_id,
)

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ALLOWED = {VC_V2, OB_V3}
ISSUER = did_web("hocvuso.laocai.gov.vn")
CREATED = "2026-03-01T08:00:00Z"

# One issuing key for the province, and one nobody trusts.
PROVINCE_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
MALLORY_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
PROVINCE_METHOD = verification_method_id(ISSUER, PROVINCE_KEY.public_key())
TRUSTED = {PROVINCE_METHOD: PROVINCE_KEY.public_key()}


def badge() -> dict[str, Any]:
    return {
        "@context": [VC_V2, OB_V3],
        "id": "urn:uuid:0f0e6c1c-5b43-4c8b-9b8e-7a1b2c3d4e5f",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": ISSUER, "type": ["Profile"], "name": "Sở Giáo dục và Đào tạo Lào Cai"},
        "validFrom": "2026-03-01T08:00:00Z",
        "validUntil": "2031-03-01T08:00:00Z",
        "name": "Kỹ năng số cơ bản",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://hocvuso.laocai.gov.vn/achievements/KNS-CB",
                "type": ["Achievement"],
                "name": "Kỹ năng số cơ bản",
                "criteria": {"narrative": "Đạt bài kiểm tra: ít nhất 16 trên 20 câu đúng"},
            },
            "result": [{"type": ["Result"], "value": "Đạt", "score": 18}],
        },
        "credentialStatus": {
            "id": "https://hocvuso.laocai.gov.vn/status/1#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": "https://hocvuso.laocai.gov.vn/status/1",
        },
    }


def secured_badge() -> dict[str, Any]:
    return di.add_proof(badge(), PROVINCE_KEY, PROVINCE_METHOD, CREATED)


def verify(document: Any, allowed: set[str] | None = ALLOWED) -> di.VerificationResult:
    return di.verify_proof(document, TRUSTED.get, allowed)


def test_a_signed_badge_verifies():
    assert verify(secured_badge()) == di.VerificationResult(True, di.OK)


def test_add_proof_leaves_the_input_untouched_and_copies_the_context_into_the_proof():
    document = badge()
    secured = di.add_proof(document, PROVINCE_KEY, PROVINCE_METHOD, CREATED)

    assert document == badge()
    assert secured["proof"]["@context"] == document["@context"]
    assert secured["proof"]["proofValue"].startswith("z")
    assert {key: value for key, value in secured.items() if key != "proof"} == document


def test_a_document_without_context_gets_a_proof_without_context():
    secured = di.add_proof({"claim": "x"}, PROVINCE_KEY, PROVINCE_METHOD, CREATED)

    assert "@context" not in secured["proof"]
    assert verify(secured, None).ok


def test_add_proof_refuses_a_second_proof_and_a_bad_timestamp():
    with pytest.raises(ValueError, match="already has a proof"):
        di.add_proof(secured_badge(), PROVINCE_KEY, PROVINCE_METHOD, CREATED)
    with pytest.raises(ValueError, match="dateTime"):
        di.add_proof(badge(), PROVINCE_KEY, PROVINCE_METHOD, "2026-03-01")


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _tampered(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, list):
        return [*value, "x"]
    return {**value, "x": "y"}


def _replace(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    result = copy.deepcopy(document)
    parent = result
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return result


def _without(document: Any, path: tuple[Any, ...]) -> Any:
    result = copy.deepcopy(document)
    parent = result
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return result


SECURED = secured_badge()
ALL_PATHS = [path for path in _paths(SECURED) if path]


@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda path: "/".join(map(str, path)))
def test_changing_any_field_breaks_the_proof(path):
    original = SECURED
    for step in path:
        original = original[step]

    result = verify(_replace(SECURED, path, _tampered(original)))

    assert not result.ok
    assert result.reason != di.OK


@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda path: "/".join(map(str, path)))
def test_removing_any_field_breaks_the_proof(path):
    result = verify(_without(SECURED, path))

    assert not result.ok


def test_adding_a_field_anywhere_breaks_the_proof():
    for path in _paths(SECURED):
        target = SECURED
        for step in path:
            target = target[step]
        if isinstance(target, dict):
            assert not verify(_replace(SECURED, path, {**target, "extra": 1})).ok, path


def test_the_document_is_checked_after_a_json_round_trip():
    assert verify(json.loads(json.dumps(SECURED))).ok


def test_an_untrusted_key_is_an_unknown_verification_method():
    forged = di.add_proof(badge(), MALLORY_KEY, PROVINCE_METHOD + "x", CREATED)

    assert verify(forged).reason == di.UNKNOWN_VERIFICATION_METHOD


def test_a_signature_by_another_key_under_our_method_id_is_invalid():
    forged = di.add_proof(badge(), MALLORY_KEY, PROVINCE_METHOD, CREATED)

    assert verify(forged).reason == di.INVALID_SIGNATURE


def test_a_resolver_that_raises_means_unknown_method():
    def broken(method: str) -> None:
        raise RuntimeError("trust list unavailable")

    assert di.verify_proof(SECURED, broken, ALLOWED).reason == di.UNKNOWN_VERIFICATION_METHOD


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("type", "Ed25519Signature2020", di.WRONG_PROOF_TYPE),
        ("cryptosuite", "eddsa-rdfc-2022", di.WRONG_CRYPTOSUITE),
        ("cryptosuite", "ecdsa-jcs-2019", di.WRONG_CRYPTOSUITE),
        ("proofPurpose", "authentication", di.WRONG_PROOF_PURPOSE),
        ("verificationMethod", 42, di.MALFORMED_PROOF),
        ("created", "yesterday", di.MALFORMED_PROOF),
        ("proofValue", "u" + "A" * 86, di.MALFORMED_PROOF_VALUE),
        ("proofValue", "z0OIl", di.MALFORMED_PROOF_VALUE),
        ("proofValue", "z" + base58_encode(bytes(63)), di.MALFORMED_PROOF_VALUE),
        ("proofValue", "z" + base58_encode(bytes(65)), di.MALFORMED_PROOF_VALUE),
        ("proofValue", None, di.MALFORMED_PROOF_VALUE),
        ("proofValue", "z" + base58_encode(bytes(64)), di.INVALID_SIGNATURE),
    ],
)
def test_a_wrong_proof_field_is_refused_with_its_reason(field, value, reason):
    proof = {**SECURED["proof"], field: value}

    assert verify({**SECURED, "proof": proof}) == di.VerificationResult(False, reason)


def test_a_missing_proof_value_and_a_missing_proof_are_named():
    proof = {key: value for key, value in SECURED["proof"].items() if key != "proofValue"}

    assert verify({**SECURED, "proof": proof}).reason == di.MALFORMED_PROOF_VALUE
    assert verify(badge()).reason == di.MISSING_PROOF
    assert verify({**SECURED, "proof": [SECURED["proof"]]}).reason == di.PROOF_SET_UNSUPPORTED


def test_a_context_outside_the_allowed_set_is_refused():
    assert verify(SECURED, {VC_V2}).reason == di.CONTEXT_NOT_ALLOWED
    assert verify(SECURED, None).ok


def test_an_embedded_context_object_is_refused_when_contexts_are_checked():
    document = {**badge(), "@context": [VC_V2, {"Extra": "https://example.org/Extra"}]}
    secured = di.add_proof(document, PROVINCE_KEY, PROVINCE_METHOD, CREATED)

    assert verify(secured).reason == di.CONTEXT_NOT_ALLOWED
    assert verify(secured, None).ok


def test_a_context_appended_after_signing_is_a_mismatch_even_when_allowed():
    document = {**SECURED, "@context": [VC_V2, OB_V3, VC_V2]}

    assert verify(document).reason == di.CONTEXT_MISMATCH


@pytest.mark.parametrize("garbage", [None, 1, "x", [], {}, {"proof": 1}, {"proof": {}}])
def test_garbage_is_refused_without_raising(garbage):
    result = verify(garbage)
    assert not result.ok
    assert result.reason != di.INTERNAL_ERROR


def test_values_json_cannot_carry_are_refused_not_raised():
    document = {**SECURED, "score": float("nan")}

    assert verify(document).reason == di.NOT_CANONICALIZABLE
    assert verify({**SECURED, "big": 2**60}).reason == di.NOT_CANONICALIZABLE
    assert verify({**SECURED, 1: "int key"}).reason == di.NOT_CANONICALIZABLE


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_the_fast_canonicaliser_agrees_with_rfc8785(value):
    try:
        expected = rfc8785.dumps(value)
    except Exception:
        with pytest.raises(Exception):  # noqa: B017 - whatever rfc8785 raises
            di.canonicalize(value)
        return
    assert di.canonicalize(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"\U0001f600": 1, "\ufb33": 2, "a": 3},  # UTF-16 order differs from code point order
        {"ctl": '\x00\x1f\x7f\u2028"\\/'},
        [1.0, 1e21, -0.0, 5e-324],
    ],
)
def test_the_fast_canonicaliser_agrees_on_the_edge_cases(value):
    assert di.canonicalize(value) == rfc8785.dumps(value)


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.integers() | st.text() | st.binary(), st.lists, max_leaves=8))
def test_verify_refuses_random_proof_values_without_an_internal_error(proof_value):
    document = {**SECURED, "proof": {**SECURED["proof"], "proofValue": proof_value}}

    result = verify(document)
    assert not result.ok
    assert result.reason != di.INTERNAL_ERROR


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(SECURED["proof"])), json_values)
def test_verify_refuses_random_values_in_any_proof_field(field, value):
    if value == SECURED["proof"][field]:
        return
    document = {**SECURED, "proof": {**SECURED["proof"], field: value}}

    result = verify(document)
    assert not result.ok
    assert result.reason != di.INTERNAL_ERROR


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_verify_refuses_random_documents(document):
    result = verify(document)
    assert not result.ok
    assert result.reason != di.INTERNAL_ERROR


def test_a_deeply_nested_document_is_not_canonicalizable_rather_than_a_crash():
    nested: list[Any] = []
    for _ in range(100_000):
        nested = [nested]

    assert verify({**SECURED, "deep": nested}).reason == di.NOT_CANONICALIZABLE


def test_base58_matches_the_bitcoin_reference_cases():
    assert base58_encode(b"") == ""
    assert base58_encode(b"\0\0\x01") == "112"
    assert base58_encode(b"Hello World!") == "2NEpo7TZRRrLZSi2U"
    assert base58_decode("2NEpo7TZRRrLZSi2U") == b"Hello World!"
    assert base58_decode("1112") == b"\0\0\0\x01"
    with pytest.raises(MultikeyError):
        base58_decode("0OIl")


@settings(max_examples=300)
@given(st.binary(max_size=80))
def test_base58_round_trips(data):
    assert base58_decode(base58_encode(data)) == data


def test_multikey_helpers_build_did_key_and_did_web_methods():
    public_key = PROVINCE_KEY.public_key()
    multikey = encode_public_multikey(public_key)

    method = did_key_verification_method(public_key)
    assert method == f"did:key:{multikey}#{multikey}"
    assert public_key_from_did_key(method) == public_key
    assert public_key_from_did_key(f"did:key:{multikey}#other") is None
    assert public_key_from_did_key(ISSUER + "#" + multikey) is None
    assert public_key_from_did_key("did:key:z6Mk") is None
    assert ISSUER == "did:web:hocvuso.laocai.gov.vn"
    assert did_web("localhost:8000", "issuers", "lc") == "did:web:localhost%3A8000:issuers:lc"
    assert did_web_document_url(ISSUER) == "https://hocvuso.laocai.gov.vn/.well-known/did.json"
    assert (
        did_web_document_url("did:web:localhost%3A8000:issuers:lc")
        == "https://localhost:8000/issuers/lc/did.json"
    )
    entry = multikey_verification_method(ISSUER, public_key)
    assert entry["id"] == PROVINCE_METHOD
    assert decode_public_multikey(entry["publicKeyMultibase"]) == public_key


def test_a_secret_multikey_is_not_a_public_one():
    secret = encode_secret_multikey(PROVINCE_KEY)
    with pytest.raises(MultikeyError):
        decode_public_multikey(secret)
    with pytest.raises(MultikeyError):
        decode_secret_multikey(encode_public_multikey(PROVINCE_KEY.public_key()))
    assert decode_secret_multikey(secret).sign(b"m") == PROVINCE_KEY.sign(b"m")
