"""The compact paper QR: a COSE_Sign1 (RFC 9052) over a CBOR claim map, Base45 in a QR code.

Text in the QR: ``LC1:`` + Base45( COSE or zlib(COSE) ), every character in the QR
alphanumeric set. COSE_Sign1 = tag 18 [protected, {}, payload, signature] with protected
header ``{1: -8 (EdDSA), 4: kid}`` and the Ed25519 signature over the Sig_structure
``["Signature1", protected, h'', payload]``. zlib is used only when it makes the bytes
shorter, which with a 64-byte signature and a short claim set is rare; a verifier recognises
it by the zlib header byte 0x78 (an uncompressed COSE_Sign1 starts with 0xD2).

The claim map (CBOR, deterministic encoding, small integer keys):

== =================== ======================================================= ========
key claim              value                                                   required
== =================== ======================================================= ========
1  serial              text, e.g. "LC-2026-000123456" (at most 24 bytes)       yes
2  issuer              text issuer id, e.g. "LCI" (at most 16 bytes)           yes
3  achievement         text achievement code (at most 24 bytes)                yes
4  level               uint (< 2**16) or text (at most 8 bytes)                yes
5  issued              uint, days since 1970-01-01                             yes
6  valid_until         uint, days since 1970-01-01, last day of validity       no
7  status_index        uint (< 2**32), index in the Bitstring Status List      yes
8  status_list         uint (< 2**32) or text (at most 16 bytes): which list   yes
9  holder              text chosen by the caller, e.g. "N.V.A 1975" (48 bytes) no
10 flags               uint bit set: 1 = assisted, 2 = proctored               no (0)
== =================== ======================================================= ========

Omitted optional claims are absent from the map. Unknown keys make a payload invalid: a new
claim means a new prefix (``LC2:``). Never put a citizen ID number in ``holder``, and no
name for a minor: the caller decides what little goes there.

``verify_qr_payload`` never raises; it returns a status and a short reason code.
"""

from __future__ import annotations

import hashlib
import operator
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import cbor2
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from certification import ed25519
from certification.multikey import public_key_bytes

PREFIX = "LC1:"
COSE_ALG_EDDSA = -8
COSE_HEADER_ALG = 1
COSE_HEADER_KID = 4
COSE_SIGN1_TAG = 0xD2  # tag 18, encoded in one byte
ZLIB_HEADER = 0x78
MAX_KID_BYTES = 8
_COSE_SIGN1_TAG_BYTE = bytes([COSE_SIGN1_TAG])
_ZLIB_HEADER_BYTE = bytes([ZLIB_HEADER])
MAX_TEXT_CHARS = 1000  # far above version 12; refuses oversized input before any work
MAX_COSE_BYTES = 600
CLOCK_SKEW_DAYS = 1  # issuers date in Lào Cai (UTC+7); verifiers compare in UTC

KEY_SERIAL = 1
KEY_ISSUER = 2
KEY_ACHIEVEMENT = 3
KEY_LEVEL = 4
KEY_ISSUED = 5
KEY_VALID_UNTIL = 6
KEY_STATUS_INDEX = 7
KEY_STATUS_LIST = 8
KEY_HOLDER = 9
KEY_FLAGS = 10
FLAG_ASSISTED = 1
FLAG_PROCTORED = 2

_TEXT_LIMITS = {
    KEY_SERIAL: 24,
    KEY_ISSUER: 16,
    KEY_ACHIEVEMENT: 24,
    KEY_LEVEL: 8,
    KEY_STATUS_LIST: 16,
    KEY_HOLDER: 48,
}
_UINT_LIMITS = {
    KEY_LEVEL: 2**16,
    KEY_ISSUED: 2_932_897,  # 9999-12-31 + 1
    KEY_VALID_UNTIL: 2_932_897,
    KEY_STATUS_INDEX: 2**32,
    KEY_STATUS_LIST: 2**32,
    KEY_FLAGS: (FLAG_ASSISTED | FLAG_PROCTORED) + 1,
}
_REQUIRED = frozenset(
    (
        KEY_SERIAL,
        KEY_ISSUER,
        KEY_ACHIEVEMENT,
        KEY_LEVEL,
        KEY_ISSUED,
        KEY_STATUS_INDEX,
        KEY_STATUS_LIST,
    )
)
_KNOWN = _REQUIRED | {KEY_VALID_UNTIL, KEY_HOLDER, KEY_FLAGS}
_EPOCH = date(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH.toordinal()

Status = Literal["valid", "invalid", "expired", "not_yet_valid"]

# Reason codes of QrVerification.
OK = "ok"
NOT_TEXT = "not_text"
TOO_LONG = "too_long"
WRONG_PREFIX = "wrong_prefix"
BAD_BASE45 = "bad_base45"
BAD_ZLIB = "bad_zlib"
BAD_CBOR = "bad_cbor"
BAD_COSE = "bad_cose"
WRONG_ALG = "wrong_alg"
UNKNOWN_KID = "unknown_kid"
BAD_SIGNATURE = "bad_signature"
BAD_CLAIMS = "bad_claims"
EXPIRED = "expired"
NOT_YET_VALID = "not_yet_valid"
INTERNAL_ERROR = "internal_error"


@dataclass(frozen=True, slots=True)
class PaperClaims:
    serial: str
    issuer: str
    achievement: str
    level: int | str
    issued: date
    status_index: int
    status_list: int | str
    valid_until: date | None = None
    holder: str | None = None
    assisted: bool = False
    proctored: bool = False


@dataclass(frozen=True, slots=True)
class QrVerification:
    status: Status
    reason: str
    claims: PaperClaims | None = None
    kid: bytes | None = None

    @property
    def is_valid(self) -> bool:
        return self.status == "valid"


def key_id(public_key: Ed25519PublicKey) -> bytes:
    """The 8-byte kid of an issuing key: the start of SHA-256 over its raw bytes."""
    return hashlib.sha256(public_key_bytes(public_key)).digest()[:MAX_KID_BYTES]


def encode_claims(claims: PaperClaims) -> bytes:
    """Deterministic CBOR of the claim map; ValueError when a claim is out of bounds."""
    mapping: dict[int, int | str] = {
        KEY_SERIAL: claims.serial,
        KEY_ISSUER: claims.issuer,
        KEY_ACHIEVEMENT: claims.achievement,
        KEY_LEVEL: claims.level,
        KEY_ISSUED: _epoch_day(claims.issued),
        KEY_STATUS_INDEX: claims.status_index,
        KEY_STATUS_LIST: claims.status_list,
    }
    if claims.valid_until is not None:
        mapping[KEY_VALID_UNTIL] = _epoch_day(claims.valid_until)
    if claims.holder is not None:
        mapping[KEY_HOLDER] = claims.holder
    flags = (FLAG_ASSISTED if claims.assisted else 0) | (FLAG_PROCTORED if claims.proctored else 0)
    if flags:
        mapping[KEY_FLAGS] = flags
    for key, value in mapping.items():
        _check_claim(key, value)
    return cbor2.dumps(mapping, canonical=True)


def decode_claims(payload: bytes) -> PaperClaims:
    """Inverse of :func:`encode_claims`; ValueError for anything it would not have written."""
    mapping = _decode_cbor(payload)
    if not isinstance(mapping, dict) or not _REQUIRED <= set(mapping) <= _KNOWN:
        raise ValueError("claim map has missing or unknown keys")
    for key, value in mapping.items():
        _check_claim(key, value)
    flags = mapping.get(KEY_FLAGS, 0)
    valid_until = mapping.get(KEY_VALID_UNTIL)
    return PaperClaims(
        serial=mapping[KEY_SERIAL],
        issuer=mapping[KEY_ISSUER],
        achievement=mapping[KEY_ACHIEVEMENT],
        level=mapping[KEY_LEVEL],
        issued=date.fromordinal(_EPOCH_ORDINAL + mapping[KEY_ISSUED]),
        status_index=mapping[KEY_STATUS_INDEX],
        status_list=mapping[KEY_STATUS_LIST],
        valid_until=None if valid_until is None else date.fromordinal(_EPOCH_ORDINAL + valid_until),
        holder=mapping.get(KEY_HOLDER),
        assisted=bool(flags & FLAG_ASSISTED),
        proctored=bool(flags & FLAG_PROCTORED),
    )


def _epoch_day(day: date) -> int:
    if isinstance(day, datetime):
        raise ValueError("dates on the paper QR are calendar days, not datetimes")
    return (day - _EPOCH).days


def _check_claim(key: int, value: Any) -> None:
    if type(value) is str:
        limit = _TEXT_LIMITS.get(key)
        if limit is None or len(value.encode("utf-8")) > limit:
            raise ValueError(f"claim {key}: text not allowed or longer than {limit} bytes")
    elif type(value) is int:
        bound = _UINT_LIMITS.get(key)
        if bound is None or not 0 <= value < bound:
            raise ValueError(f"claim {key}: integer not allowed or out of range")
    else:
        raise ValueError(f"claim {key}: unsupported type {type(value).__name__}")


def sign_qr_payload(claims: PaperClaims, private_key: Ed25519PrivateKey, kid: bytes) -> str:
    """The QR text for ``claims``, signed by ``private_key`` and labelled with ``kid``."""
    if not 1 <= len(kid) <= MAX_KID_BYTES:
        raise ValueError(f"kid must be 1 to {MAX_KID_BYTES} bytes")
    protected = cbor2.dumps({COSE_HEADER_ALG: COSE_ALG_EDDSA, COSE_HEADER_KID: bytes(kid)})
    payload = encode_claims(claims)
    signature = private_key.sign(_sig_structure(protected, payload))
    cose = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))
    compressed = zlib.compress(cose, 9)
    body = compressed if len(compressed) < len(cose) else cose
    return PREFIX + base45_encode(body)


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def verify_qr_payload(
    text: str,
    resolve_key: Callable[[bytes], Ed25519PublicKey | None],
    now: datetime,
) -> QrVerification:
    """Check a scanned QR text; never raises.

    ``resolve_key`` maps a kid to a trusted issuing key (None when unknown or untrusted).
    ``now`` should be timezone-aware; a naive value is taken as UTC.
    """
    try:
        return _verify(text, resolve_key, now)
    except Exception:  # the contract is a status, never an exception
        return _invalid(INTERNAL_ERROR)


def _invalid(reason: str) -> QrVerification:
    return QrVerification("invalid", reason)


def _verify(
    text: Any, resolve_key: Callable[[bytes], Ed25519PublicKey | None], now: datetime
) -> QrVerification:
    if not isinstance(text, str):
        return _invalid(NOT_TEXT)
    if len(text) > MAX_TEXT_CHARS:
        return _invalid(TOO_LONG)
    if not text.startswith(PREFIX):
        return _invalid(WRONG_PREFIX)
    raw = _decode_base45(text[len(PREFIX) :])
    if raw is None:
        return _invalid(BAD_BASE45)
    if raw[:1] == _ZLIB_HEADER_BYTE:
        raw = _inflate(raw)
        if raw is None:
            return _invalid(BAD_ZLIB)
    try:
        parts = _parse_cose_sign1(raw)
    except _CoseError as error:
        return _invalid(error.reason)
    protected, payload, signature, kid = parts
    public_key = _resolve(resolve_key, kid)
    if public_key is None:
        return QrVerification("invalid", UNKNOWN_KID, kid=kid)
    if not ed25519.verify(public_key, signature, _sig_structure(protected, payload)):
        return QrVerification("invalid", BAD_SIGNATURE, kid=kid)
    try:
        claims = decode_claims(payload)
    except (ValueError, OverflowError):
        return QrVerification("invalid", BAD_CLAIMS, kid=kid)
    return _check_dates(claims, kid, now)


def _decode_base45(body: str) -> bytes | None:
    try:
        return base45_decode(body)
    except ValueError:
        return None


# Base45 (RFC 9285) written here rather than taken from the `base45` package: table lookups
# make it three times faster, and decoding refuses anything but the exact alphabet (the
# package forgives a trailing newline).
BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_LOW = [BASE45_ALPHABET[n % 45] + BASE45_ALPHABET[n // 45] for n in range(45 * 45)]
_B45_LOW_VALUE = {pair: n for n, pair in enumerate(_B45_LOW)}
_B45_HIGH_VALUE = {char: n * 45 * 45 for n, char in enumerate(BASE45_ALPHABET)}


def base45_encode(data: bytes) -> str:
    pairs = struct.unpack_from(f">{len(data) // 2}H", data)
    chunks = [_B45_LOW[n % 2025] + BASE45_ALPHABET[n // 2025] for n in pairs]
    if len(data) % 2:
        chunks.append(_B45_LOW[data[-1]])
    return "".join(chunks)


def base45_decode(text: str) -> bytes:
    """Inverse of :func:`base45_encode`; ValueError for any text it would not have written."""
    whole = len(text) - len(text) % 3
    if whole + 1 == len(text):
        raise ValueError("base45 text length leaves one character over")
    try:
        # map() over strided slices keeps the per-character work in C.
        lows = map(_B45_LOW_VALUE.__getitem__, map(operator.add, text[:whole:3], text[1:whole:3]))
        highs = map(_B45_HIGH_VALUE.__getitem__, text[2:whole:3])
        data = struct.pack(f">{whole // 3}H", *map(operator.add, lows, highs))
        if whole < len(text):
            data += bytes([_B45_LOW_VALUE[text[whole:]]])
    except (KeyError, struct.error) as exc:
        raise ValueError("not base45 text") from exc
    return data


def _inflate(compressed: bytes) -> bytes | None:
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(compressed, MAX_COSE_BYTES + 1)
    except zlib.error:
        return None
    if not inflater.eof or inflater.unused_data or len(raw) > MAX_COSE_BYTES:
        return None
    return raw


class _CoseError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _parse_cose_sign1(raw: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    """(protected bytes, payload, signature, kid) of a tagged COSE_Sign1, or _CoseError."""
    if len(raw) > MAX_COSE_BYTES or raw[:1] != _COSE_SIGN1_TAG_BYTE:
        raise _CoseError(BAD_COSE)
    try:
        message = _decode_cbor(raw[1:])
    except ValueError as exc:
        raise _CoseError(BAD_CBOR) from exc
    if not (isinstance(message, list) and len(message) == 4):
        raise _CoseError(BAD_COSE)
    protected, unprotected, payload, signature = message
    if not (
        isinstance(protected, bytes)
        and unprotected == {}
        and isinstance(payload, bytes)
        and isinstance(signature, bytes)
        and len(signature) == 64
    ):
        raise _CoseError(BAD_COSE)
    try:
        header = _decode_cbor(protected)
    except ValueError as exc:
        raise _CoseError(BAD_CBOR) from exc
    if not isinstance(header, dict) or set(header) != {COSE_HEADER_ALG, COSE_HEADER_KID}:
        raise _CoseError(BAD_COSE)
    if header[COSE_HEADER_ALG] != COSE_ALG_EDDSA:
        raise _CoseError(WRONG_ALG)
    kid = header[COSE_HEADER_KID]
    if not isinstance(kid, bytes) or not 1 <= len(kid) <= MAX_KID_BYTES:
        raise _CoseError(BAD_COSE)
    return protected, payload, signature, kid


def _resolve(
    resolve_key: Callable[[bytes], Ed25519PublicKey | None], kid: bytes
) -> Ed25519PublicKey | None:
    try:
        key = resolve_key(kid)
    except Exception:  # a resolver failure means "not trusted"
        return None
    return key if isinstance(key, Ed25519PublicKey) else None


def _check_dates(claims: PaperClaims, kid: bytes, now: datetime) -> QrVerification:
    today = (now.astimezone(UTC) if now.tzinfo else now).date()
    if today < claims.issued - timedelta(days=CLOCK_SKEW_DAYS):
        return QrVerification("not_yet_valid", NOT_YET_VALID, claims, kid)
    if claims.valid_until is not None and today > claims.valid_until:
        return QrVerification("expired", EXPIRED, claims, kid)
    return QrVerification("valid", OK, claims, kid)


def qr_image(text: str) -> segno.QRCode:
    """The QR symbol: alphanumeric mode, error correction M, smallest version that fits."""
    return segno.make_qr(text, error="m", mode="alphanumeric", boost_error=False)


def qr_version(text: str) -> int:
    return int(qr_image(text).version)


# A strict reader for the CBOR subset this format uses: unsigned and negative integers, byte
# and text strings, arrays and maps, all definite-length and in deterministic encoding
# (RFC 8949 section 4.2.1: shortest arguments, map keys in bytewise order, no duplicates).
# Tags, floats and simple values are refused, so no decoder feature is reachable from a QR.

_MAX_DEPTH = 3
_SHORTEST = {1: 24, 2: 1 << 8, 4: 1 << 16, 8: 1 << 32}


def _decode_cbor(data: bytes) -> Any:
    value, end = _cbor_item(data, 0, 0)
    if end != len(data):
        raise ValueError("trailing bytes after the CBOR item")
    return value


def _cbor_item(data: bytes, pos: int, depth: int) -> tuple[Any, int]:
    """The item starting at ``pos`` and the position after it (hot path: kept inline)."""
    length = len(data)
    if pos >= length:
        raise ValueError("CBOR item runs past the end")
    initial = data[pos]
    major, argument = initial >> 5, initial & 0x1F
    pos += 1
    if argument >= 24:
        size = 1 << (argument - 24) if argument <= 27 else 0
        if not size or pos + size > length:
            raise ValueError("indefinite length, reserved argument or truncated CBOR")
        argument = int.from_bytes(data[pos : pos + size], "big")
        if argument < _SHORTEST[size]:
            raise ValueError("CBOR argument not in its shortest form")
        pos += size
    if major == 0:
        return argument, pos
    if major == 1:
        return -1 - argument, pos
    if major == 2 or major == 3:
        end = pos + argument
        if end > length:
            raise ValueError("CBOR string runs past the end")
        chunk = data[pos:end]
        return (chunk if major == 2 else chunk.decode("utf-8")), end
    if depth >= _MAX_DEPTH or argument > length - pos:
        raise ValueError("CBOR nesting too deep or count past the end")
    if major == 4:
        items = []
        for _ in range(argument):
            item, pos = _cbor_item(data, pos, depth + 1)
            items.append(item)
        return items, pos
    if major == 5:
        return _cbor_map(data, pos, depth, argument)
    raise ValueError("CBOR tags, floats and simple values are not allowed here")


def _cbor_map(data: bytes, pos: int, depth: int, count: int) -> tuple[dict[Any, Any], int]:
    result: dict[Any, Any] = {}
    previous = b""
    for _ in range(count):
        start = pos
        key, pos = _cbor_item(data, pos, depth + 1)
        encoded_key = data[start:pos]
        if type(key) not in (int, str) or encoded_key <= previous:
            raise ValueError("CBOR map keys must be integers or text, sorted, unique")
        previous = encoded_key
        result[key], pos = _cbor_item(data, pos, depth + 1)
    return result, pos
