"""Ed25519 keys as W3C Multikey strings, and the DID verification methods built on them.

A Multikey is ``multibase(base58btc, multicodec-header || raw key)``: the ``z`` prefix names
base58btc, and the two header bytes name the key type (``0xed 0x01`` for an Ed25519 public
key, ``0x80 0x26`` for an Ed25519 secret key). See the W3C Controlled Identifiers spec,
section "Multikey", and vc-di-eddsa section 2.1.1.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
MULTIBASE_BASE58BTC = "z"
ED25519_PUBLIC_HEADER = b"\xed\x01"
ED25519_SECRET_HEADER = b"\x80\x26"
ED25519_KEY_LENGTH = 32

_DIGIT = {char: value for value, char in enumerate(BASE58_ALPHABET)}
# Two digits per big-integer division halves the slow part of encoding a signature.
_PAIRS = [first + second for first in BASE58_ALPHABET for second in BASE58_ALPHABET]
_PAIR_BASE = 58 * 58


class MultikeyError(ValueError):
    """A string is not a well-formed multibase / Multikey value."""


def base58_encode(data: bytes) -> str:
    """Bitcoin base58 (no checksum); leading zero bytes become leading ``1`` characters."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    pairs: list[str] = []
    while number:
        number, pair = divmod(number, _PAIR_BASE)
        pairs.append(_PAIRS[pair])
    return "1" * zeros + "".join(reversed(pairs)).lstrip("1")


def base58_decode(text: str) -> bytes:
    """Inverse of :func:`base58_encode`; raises :class:`MultikeyError` on a foreign character."""
    zeros = len(text) - len(text.lstrip("1"))
    number = 0
    try:
        for char in text:
            number = number * 58 + _DIGIT[char]
    except KeyError as exc:
        raise MultikeyError("not a base58 string") from exc
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_encode(data: bytes) -> str:
    return MULTIBASE_BASE58BTC + base58_encode(data)


def multibase_decode(text: str) -> bytes:
    """Decode a base58btc multibase string (the only base this project reads)."""
    if not isinstance(text, str) or not text.startswith(MULTIBASE_BASE58BTC):
        raise MultikeyError("not a base58btc multibase string")
    return base58_decode(text[1:])


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def encode_public_multikey(key: Ed25519PublicKey) -> str:
    return multibase_encode(ED25519_PUBLIC_HEADER + public_key_bytes(key))


def decode_public_multikey(text: str) -> Ed25519PublicKey:
    raw = _strip_header(multibase_decode(text), ED25519_PUBLIC_HEADER)
    return Ed25519PublicKey.from_public_bytes(raw)


def encode_secret_multikey(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return multibase_encode(ED25519_SECRET_HEADER + raw)


def decode_secret_multikey(text: str) -> Ed25519PrivateKey:
    raw = _strip_header(multibase_decode(text), ED25519_SECRET_HEADER)
    return Ed25519PrivateKey.from_private_bytes(raw)


def _strip_header(decoded: bytes, header: bytes) -> bytes:
    if not decoded.startswith(header) or len(decoded) != len(header) + ED25519_KEY_LENGTH:
        raise MultikeyError("not an Ed25519 Multikey of the expected kind")
    return decoded[len(header) :]


def did_key(key: Ed25519PublicKey) -> str:
    """``did:key:z6Mk…`` for an Ed25519 public key."""
    return "did:key:" + encode_public_multikey(key)


def did_key_verification_method(key: Ed25519PublicKey) -> str:
    """The one verification method of a did:key: ``did:key:<multikey>#<multikey>``."""
    multikey = encode_public_multikey(key)
    return f"did:key:{multikey}#{multikey}"


def public_key_from_did_key(verification_method: str) -> Ed25519PublicKey | None:
    """Resolve a did:key verification method offline; None when it is anything else.

    The key comes from the identifier itself, so this says nothing about whom to trust:
    callers still check the key against their trust list.
    """
    prefix = "did:key:"
    if not isinstance(verification_method, str) or not verification_method.startswith(prefix):
        return None
    did, _, fragment = verification_method.partition("#")
    multikey = did[len(prefix) :]
    if fragment and fragment != multikey:
        return None
    try:
        return decode_public_multikey(multikey)
    except ValueError:
        return None


def did_web(host: str, *path: str) -> str:
    """``did:web`` for a host (a port's colon percent-encoded) and optional path segments."""
    if not host or any(not segment or ":" in segment for segment in path):
        raise ValueError("did:web needs a host and non-empty path segments without ':'")
    return ":".join(["did:web", host.replace(":", "%3A"), *path])


def did_web_document_url(did: str) -> str:
    """Where a did:web document is published (did:web method spec, section 3.2)."""
    if not did.startswith("did:web:"):
        raise ValueError("not a did:web identifier")
    host, *path = did[len("did:web:") :].split(":")
    host = host.replace("%3A", ":")
    if not path:
        return f"https://{host}/.well-known/did.json"
    return f"https://{host}/{'/'.join(path)}/did.json"


def verification_method_id(controller: str, key: Ed25519PublicKey) -> str:
    """``<controller>#<multikey>``: the fragment names the key, so rotation adds a new id."""
    return f"{controller}#{encode_public_multikey(key)}"


def multikey_verification_method(controller: str, key: Ed25519PublicKey) -> dict[str, Any]:
    """A Multikey verification method entry for a controller (DID) document."""
    return {
        "id": verification_method_id(controller, key),
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": encode_public_multikey(key),
    }
