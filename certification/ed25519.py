"""Ed25519 signature checks through libsodium (PyNaCl), with ``cryptography`` keys as the API.

Callers keep handing ``Ed25519PublicKey`` objects around; this module turns a key into its
32 raw bytes and keeps libsodium's ``VerifyKey`` for those bytes in a small cache, so the
conversion is paid once per key, not once per check. Only the key is cached, never the
outcome of a check.

Why: libsodium verifies in about half the time of ``cryptography``'s bundled OpenSSL
(≈ 75 µs against ≈ 160 µs a signature on the benchmark machine), which is most of the cost
of checking a credential or a paper QR.

The two agree on every signature made by a real key (``tests/test_data_integrity_ed25519.py``
checks this with hypothesis). libsodium is the stricter one on degenerate input: it refuses
public keys and signature ``R`` values of small order and non-canonical key encodings, where
OpenSSL accepts, for instance, ``R = identity, S = 0`` on any message under the identity key.

Signing stays on ``cryptography``: libsodium signs faster only with the expanded secret key
kept in memory between calls, and building it per call costs as much as OpenSSL's signature.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

SIGNATURE_LENGTH = 64


def verify(public_key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``data`` by ``public_key``."""
    if len(signature) != SIGNATURE_LENGTH:
        return False
    try:
        _verify_key(public_key.public_bytes_raw()).verify(data, signature)
    except BadSignatureError:
        return False
    return True


@lru_cache(maxsize=256)
def _verify_key(raw: bytes) -> VerifyKey:
    """libsodium's key for 32 raw public key bytes (a trust list holds a handful of keys)."""
    return VerifyKey(raw)
