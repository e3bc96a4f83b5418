"""Open Badges 3.0 credentials on VC 2.0, and Bitstring Status List credentials (pure).

No Django here: the service layer hands in plain values and signs what comes out with
``data_integrity.add_proof``. Dates are ``datetime`` values; the caller owns the clock.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
import hashlib
import uuid
import zlib
from dataclasses import dataclass
from typing import Any

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_CONTEXTS = [VC_CONTEXT, OB_CONTEXT]
STATUS_LIST_CONTEXTS = [VC_CONTEXT]
STATUS_ENTRY_TYPE = "BitstringStatusListEntry"
STATUS_PURPOSE = "revocation"
STATUS_LIST_TTL_MS = 300_000
MAX_STATUS_LIST_BYTES = 1 << 20  # a decoded list past 1 MiB is refused (zip bomb guard)


@dataclass(frozen=True, slots=True)
class BadgeFields:
    serial: str
    issuer_did: str
    issuer_name: str
    issuer_url: str
    achievement_id: str
    achievement_type: str
    achievement_name: str
    achievement_description: str
    criteria: str
    level_code: str
    level_name: str
    valid_from: dt.datetime
    valid_until: dt.datetime | None
    status_list_url: str
    status_index: int
    holder_name_hash: str
    holder_salt: str


def xsd_datetime(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_xsd_datetime(text: Any) -> dt.datetime | None:
    """A timezone-aware datetime from an XML Schema dateTimeStamp; None when it is not one."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def credential_id(serial: str, issuer_url: str) -> str:
    """A stable ``urn:uuid`` for a serial (UUID v5 under the issuer's URL)."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{issuer_url}/chung-nhan/{serial}"))


def name_hash(name: str, salt: str) -> str:
    """An OB 3.0 IdentityHash: ``sha256$`` + hex(SHA-256(identity + salt))."""
    return "sha256$" + hashlib.sha256((name + salt).encode("utf-8")).hexdigest()


def open_badge_credential(fields: BadgeFields) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential. The holder appears only as a salted name hash."""
    result_id = f"{fields.achievement_id}#ket-qua"
    level_id = f"{fields.achievement_id}#muc-{fields.level_code or 'khong'}"
    achievement: dict[str, Any] = {
        "id": fields.achievement_id,
        "type": ["Achievement"],
        "achievementType": fields.achievement_type,
        "name": fields.achievement_name,
        "description": fields.achievement_description,
        "criteria": {"narrative": fields.criteria},
        "resultDescriptions": [
            {
                "id": result_id,
                "type": ["ResultDescription"],
                "name": "Mức đạt được",
                "resultType": "RubricCriterionLevel",
                "rubricCriterionLevels": [
                    {
                        "id": level_id,
                        "type": ["RubricCriterionLevel"],
                        "name": fields.level_name,
                        "level": fields.level_code,
                    }
                ],
            }
        ],
    }
    credential: dict[str, Any] = {
        "@context": list(CREDENTIAL_CONTEXTS),
        "id": credential_id(fields.serial, fields.issuer_url),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": fields.achievement_name,
        "issuer": {
            "id": fields.issuer_did,
            "type": ["Profile"],
            "name": fields.issuer_name,
            "url": fields.issuer_url,
        },
        "validFrom": xsd_datetime(fields.valid_from),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "hashed": True,
                    "identityHash": fields.holder_name_hash,
                    "identityType": "name",
                    "salt": fields.holder_salt,
                }
            ],
            "achievement": achievement,
            "result": [
                {"type": ["Result"], "resultDescription": result_id, "achievedLevel": level_id}
            ],
        },
        "credentialStatus": {
            "id": f"{fields.status_list_url}#{fields.status_index}",
            "type": STATUS_ENTRY_TYPE,
            "statusPurpose": STATUS_PURPOSE,
            "statusListIndex": str(fields.status_index),
            "statusListCredential": fields.status_list_url,
        },
    }
    if fields.valid_until is not None:
        credential["validUntil"] = xsd_datetime(fields.valid_until)
    return credential


def status_list_credential(
    *, url: str, issuer_did: str, bits: bytes, valid_from: dt.datetime
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential for a revocation list."""
    return {
        "@context": list(STATUS_LIST_CONTEXTS),
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": STATUS_PURPOSE,
            "encodedList": encode_bitstring(bits),
            "ttl": STATUS_LIST_TTL_MS,
        },
    }


def encode_bitstring(bits: bytes) -> str:
    """Multibase base64url (``u``, no padding) of the GZIP-compressed bitstring."""
    compressed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_bitstring(encoded: str) -> bytes:
    """Inverse of :func:`encode_bitstring`; ValueError for anything else."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj(wbits=31)
        bits = inflater.decompress(compressed, MAX_STATUS_LIST_BYTES + 1)
    except (binascii.Error, zlib.error) as exc:
        raise ValueError("encodedList is not base64url GZIP") from exc
    if len(bits) > MAX_STATUS_LIST_BYTES or not inflater.eof:
        raise ValueError("encodedList is too large or truncated")
    return bits


def bit_is_set(bits: bytes, index: int) -> bool:
    """Bit ``index`` of a Bitstring Status List: index 0 is the left-most bit."""
    return 0 <= index < len(bits) * 8 and bool(bits[index // 8] & (0x80 >> (index % 8)))
