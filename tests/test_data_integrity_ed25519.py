"""The libsodium (PyNaCl) Ed25519 check agrees with `cryptography`'s, and is the stricter one."""

from __future__ import annotations

from datetime import UTC, date, datetime

import cbor2
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from certification import data_integrity as di
from certification import ed25519
from certification import paper_qr as qr
from certification.multikey import multibase_encode

# Order of the Ed25519 base point: S + L is the classic malleated signature.
GROUP_ORDER = 2**252 + 27742317777372353535851937790883648493
# The identity point (y = 1) and a non-canonical encoding of it (y = p + 1).
IDENTITY = bytes([1]) + bytes(31)
IDENTITY_NON_CANONICAL = (2**255 - 19 + 1).to_bytes(32, "little")


def cryptography_verify(public_key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def flip_bit(data: bytes, bit: int) -> bytes:
    position = bit % (8 * len(data))
    changed = bytearray(data)
    changed[position // 8] ^= 1 << (position % 8)
    return bytes(changed)


def malleate(signature: bytes) -> bytes:
    s = int.from_bytes(signature[32:], "little") + GROUP_ORDER
    return signature[:32] + (s % 2**256).to_bytes(32, "little")


seeds = st.binary(min_size=32, max_size=32)
messages = st.binary(max_size=300)
tamperings = st.sampled_from(
    ["none", "signature_bit", "message_bit", "other_key", "random_signature", "malleated"]
)


@settings(max_examples=300, deadline=None)
@given(seeds, seeds, messages, tamperings, st.integers(min_value=0), st.binary(min_size=64))
def test_both_paths_agree_on_valid_and_tampered_signatures(
    seed, other_seed, message, tampering, bit, noise
):
    key = Ed25519PrivateKey.from_private_bytes(seed)
    public_key = key.public_key()
    signature = key.sign(message)
    if tampering == "signature_bit":
        signature = flip_bit(signature, bit)
    elif tampering == "message_bit":
        assume(message)
        message = flip_bit(message, bit)
    elif tampering == "other_key":
        assume(other_seed != seed)
        public_key = Ed25519PrivateKey.from_private_bytes(other_seed).public_key()
    elif tampering == "random_signature":
        signature = noise[:64]
    elif tampering == "malleated":
        signature = malleate(signature)

    expected = cryptography_verify(public_key, signature, message)
    assert ed25519.verify(public_key, signature, message) is expected
    if tampering == "none":
        assert expected


# Encodings of points of small order (identity, order 2, order 4), canonical or not: the
# inputs on which OpenSSL and libsodium are allowed to differ.
SMALL_ORDER = [
    IDENTITY,
    IDENTITY_NON_CANONICAL,
    (2**255 - 20).to_bytes(32, "little"),  # y = -1, order 2
    bytes(32),  # y = 0, order 4
    bytes(31) + b"\x80",  # y = 0, other sign
]
points = st.sampled_from(SMALL_ORDER) | st.binary(min_size=32, max_size=32)
scalars = st.sampled_from([bytes(32)]) | st.binary(min_size=32, max_size=32)


def load(raw_key: bytes) -> Ed25519PublicKey | None:
    try:
        return Ed25519PublicKey.from_public_bytes(raw_key)
    except ValueError:
        return None  # not a key `cryptography` holds: nothing to compare


@settings(max_examples=300, deadline=None)
@given(points, points, scalars, messages)
def test_libsodium_never_accepts_what_openssl_refuses(raw_key, r, s, message):
    public_key = load(raw_key)
    if public_key is not None and ed25519.verify(public_key, r + s, message):
        assert cryptography_verify(public_key, r + s, message)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=64, max_size=64), messages)
def test_both_paths_agree_on_arbitrary_bytes_away_from_small_order_points(
    raw_key, signature, message
):
    public_key = load(raw_key)
    if public_key is None or raw_key in SMALL_ORDER or signature[:32] in SMALL_ORDER:
        return  # the small-order inputs are the test above's
    expected = cryptography_verify(public_key, signature, message)
    assert ed25519.verify(public_key, signature, message) is expected


@pytest.mark.parametrize("length", [0, 63, 65, 128])
def test_a_signature_of_the_wrong_length_is_refused(length):
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    signature = (key.sign(b"m") * 3)[:length]
    assert not ed25519.verify(key.public_key(), signature, b"m")


@pytest.mark.parametrize("raw_key", [IDENTITY, IDENTITY_NON_CANONICAL])
def test_the_identity_key_forgery_openssl_accepts_is_refused(raw_key):
    """R = identity, S = 0 "signs" every message under the identity key as OpenSSL checks it;
    libsodium refuses small-order and non-canonical keys."""
    public_key = Ed25519PublicKey.from_public_bytes(raw_key)
    forged = IDENTITY + bytes(32)
    assert cryptography_verify(public_key, forged, b"any message at all")
    assert not ed25519.verify(public_key, forged, b"any message at all")


def test_verify_proof_refuses_the_identity_key_forgery():
    document = {"@context": ["https://www.w3.org/ns/credentials/v2"], "name": "forged"}
    proof = {
        "type": di.PROOF_TYPE,
        "cryptosuite": di.CRYPTOSUITE,
        "created": "2026-03-01T08:00:00Z",
        "verificationMethod": "did:example:evil#key",
        "proofPurpose": "assertionMethod",
        "@context": document["@context"],
        "proofValue": multibase_encode(IDENTITY + bytes(32)),
    }
    identity_key = Ed25519PublicKey.from_public_bytes(IDENTITY)
    result = di.verify_proof({**document, "proof": proof}, lambda _: identity_key, None)
    assert result == di.VerificationResult(False, di.INVALID_SIGNATURE)


def test_verify_qr_payload_refuses_the_identity_key_forgery():
    claims = qr.PaperClaims(
        serial="LC-2026-000000001",
        issuer="LCI",
        achievement="KNS-CB",
        level=1,
        issued=date(2026, 3, 1),
        status_index=1,
        status_list=1,
    )
    protected = cbor2.dumps({qr.COSE_HEADER_ALG: qr.COSE_ALG_EDDSA, qr.COSE_HEADER_KID: b"k"})
    payload = qr.encode_claims(claims)
    cose = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, IDENTITY + bytes(32)]))
    text = qr.PREFIX + qr.base45_encode(cose)
    identity_key = Ed25519PublicKey.from_public_bytes(IDENTITY)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    result = qr.verify_qr_payload(text, lambda _: identity_key, now)
    assert (result.status, result.reason) == ("invalid", qr.BAD_SIGNATURE)


def test_the_cached_key_follows_the_key_bytes_not_the_first_caller():
    first = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    second = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
    for key, other in ((first, second), (second, first), (first, second)):
        signature = key.sign(b"m")
        assert ed25519.verify(key.public_key(), signature, b"m")
        assert not ed25519.verify(other.public_key(), signature, b"m")
