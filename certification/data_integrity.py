"""W3C Data Integrity proofs with the ``eddsa-jcs-2022`` cryptosuite (vc-di-eddsa, section 3.3).

One proof per document (no proof sets or chains). The algorithm, as the spec gives it:

1. proof configuration = the proof options (``type``, ``cryptosuite``, ``created``,
   ``verificationMethod``, ``proofPurpose``), plus the document's ``@context`` when it has one;
2. canonicalise the proof configuration and the unsecured document with JCS (RFC 8785);
3. hashData = SHA-256(canonical proof configuration) || SHA-256(canonical document);
4. proofValue = multibase base58btc of the Ed25519 signature over hashData.

``verify_proof`` returns a :class:`VerificationResult` with a short reason code and never
raises, whatever it is handed.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from certification import ed25519
from certification.multikey import MultikeyError, multibase_decode, multibase_encode

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
SIGNATURE_LENGTH = 64

# XML Schema dateTimeStamp as Data Integrity requires for "created" / "expires".
_DATETIME = re.compile(
    r"-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?"
    r"(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))"
)
_MAX_SAFE_INTEGER = 2**53 - 1

# Reason codes of VerificationResult.
OK = "ok"
MALFORMED_DOCUMENT = "malformed_document"
MISSING_PROOF = "missing_proof"
PROOF_SET_UNSUPPORTED = "proof_set_unsupported"
WRONG_PROOF_TYPE = "wrong_proof_type"
WRONG_CRYPTOSUITE = "wrong_cryptosuite"
WRONG_PROOF_PURPOSE = "wrong_proof_purpose"
MALFORMED_PROOF = "malformed_proof"
MALFORMED_PROOF_VALUE = "malformed_proof_value"
CONTEXT_NOT_ALLOWED = "context_not_allowed"
CONTEXT_MISMATCH = "context_mismatch"
UNKNOWN_VERIFICATION_METHOD = "unknown_verification_method"
NOT_CANONICALIZABLE = "not_canonicalizable"
INVALID_SIGNATURE = "invalid_signature"
INTERNAL_ERROR = "internal_error"


@dataclass(frozen=True, slots=True)
class VerificationResult:
    ok: bool
    reason: str


def add_proof(
    document: dict[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: str,
    proof_purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """Return a shallow copy of ``document`` with an eddsa-jcs-2022 ``proof`` added.

    ``created`` is an XML Schema dateTime such as ``2026-03-01T08:00:00Z``; the caller owns
    the clock. Raises ValueError for a document that already has a proof or cannot be
    canonicalised (floats outside IEEE-754, integers past 2**53, non-string keys).
    """
    if "proof" in document:
        raise ValueError("document already has a proof; proof sets are not supported")
    if not _DATETIME.fullmatch(created):
        raise ValueError("created must be an XML Schema dateTime with a time zone")
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if "@context" in document:
        proof["@context"] = copy.deepcopy(document["@context"])
    signature = private_key.sign(hash_data(proof, document))
    return {**document, "proof": {**proof, "proofValue": multibase_encode(signature)}}


def verify_proof(
    secured: dict[str, Any],
    resolve_public_key: Callable[[str], Ed25519PublicKey | None],
    allowed_contexts: set[str] | None,
    *,
    expected_proof_purpose: str = "assertionMethod",
) -> VerificationResult:
    """Check the eddsa-jcs-2022 proof of ``secured``; never raises.

    ``resolve_public_key`` maps a verification method id to a trusted key, or None when the
    caller does not trust it. ``allowed_contexts`` lists the only ``@context`` URLs accepted
    (embedded context objects are never accepted then); None skips that check.
    """
    try:
        return _verify(secured, resolve_public_key, allowed_contexts, expected_proof_purpose)
    except Exception:  # the contract is a reason code, never an exception
        return VerificationResult(False, INTERNAL_ERROR)


def _verify(
    secured: Any,
    resolve_public_key: Callable[[str], Ed25519PublicKey | None],
    allowed_contexts: set[str] | None,
    expected_proof_purpose: str,
) -> VerificationResult:
    if not isinstance(secured, dict):
        return _fail(MALFORMED_DOCUMENT)
    proof = secured.get("proof")
    if proof is None:
        return _fail(MISSING_PROOF)
    if isinstance(proof, list):
        return _fail(PROOF_SET_UNSUPPORTED)
    if not isinstance(proof, dict):
        return _fail(MALFORMED_PROOF)
    problem = _check_proof_fields(proof, expected_proof_purpose)
    if problem:
        return _fail(problem)
    signature = _decode_proof_value(proof["proofValue"])
    if signature is None:
        return _fail(MALFORMED_PROOF_VALUE)
    document = {key: value for key, value in secured.items() if key != "proof"}
    proof_options = {key: value for key, value in proof.items() if key != "proofValue"}
    problem = _check_contexts(document, proof_options, allowed_contexts)
    if problem:
        return _fail(problem)
    public_key = _resolve(resolve_public_key, proof["verificationMethod"])
    if public_key is None:
        return _fail(UNKNOWN_VERIFICATION_METHOD)
    try:
        data = hash_data(proof_options, document)
    except (ValueError, TypeError, RecursionError, rfc8785.CanonicalizationError):
        return _fail(NOT_CANONICALIZABLE)
    if not ed25519.verify(public_key, signature, data):
        return _fail(INVALID_SIGNATURE)
    return VerificationResult(True, OK)


def _fail(reason: str) -> VerificationResult:
    return VerificationResult(False, reason)


def _check_proof_fields(proof: dict[str, Any], expected_purpose: str) -> str | None:
    if proof.get("type") != PROOF_TYPE:
        return WRONG_PROOF_TYPE
    if proof.get("cryptosuite") != CRYPTOSUITE:
        return WRONG_CRYPTOSUITE
    if not isinstance(proof.get("verificationMethod"), str):
        return MALFORMED_PROOF
    if proof.get("proofPurpose") != expected_purpose:
        return WRONG_PROOF_PURPOSE
    for stamp in ("created", "expires"):
        if stamp in proof and not (
            isinstance(proof[stamp], str) and _DATETIME.fullmatch(proof[stamp])
        ):
            return MALFORMED_PROOF
    if "proofValue" not in proof:
        return MALFORMED_PROOF_VALUE
    return None


def _decode_proof_value(value: Any) -> bytes | None:
    try:
        signature = multibase_decode(value)
    except MultikeyError:
        return None
    return signature if len(signature) == SIGNATURE_LENGTH else None


def _check_contexts(
    document: dict[str, Any], proof_options: dict[str, Any], allowed: set[str] | None
) -> str | None:
    # vc-di-eddsa only asks that the document's context *start with* the proof's; we ask
    # for equality, so a context appended after signing is refused rather than ignored.
    if "@context" in proof_options and document.get("@context") != proof_options["@context"]:
        return CONTEXT_MISMATCH
    if allowed is not None:
        for entry in _context_list(document.get("@context")):
            if not isinstance(entry, str) or entry not in allowed:
                return CONTEXT_NOT_ALLOWED
    return None


def _context_list(context: Any) -> list[Any]:
    if context is None:
        return []
    return list(context) if isinstance(context, list) else [context]


def _resolve(
    resolve_public_key: Callable[[str], Ed25519PublicKey | None], verification_method: str
) -> Ed25519PublicKey | None:
    try:
        key = resolve_public_key(verification_method)
    except Exception:  # a resolver failure means "not trusted"
        return None
    return key if isinstance(key, Ed25519PublicKey) else None


def hash_data(proof_config: dict[str, Any], document: dict[str, Any]) -> bytes:
    """SHA-256(JCS(proof configuration)) || SHA-256(JCS(unsecured document))."""
    return (
        hashlib.sha256(canonicalize(proof_config)).digest()
        + hashlib.sha256(canonicalize(document)).digest()
    )


def canonicalize(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes of a JSON value.

    For values made only of strings, safe integers, booleans, null, lists and string-keyed
    objects, JCS is exactly what the C JSON encoder writes with sorted keys and no
    whitespace: same escapes (short forms, lowercase ``\\u00xx``), same integer digits. Key
    order agrees as long as no character lies outside the Basic Multilingual Plane (JCS
    sorts UTF-16 code units, Python code points). Anything else goes to ``rfc8785``, which
    is about four times slower.
    """
    if _is_plain(value):
        text = _JSON.encode(value)
        if text.isascii():
            return text.encode("ascii")
        try:
            encoded = text.encode("utf-8")
        except UnicodeEncodeError:
            encoded = None  # a lone surrogate: let rfc8785 decide
        # In UTF-8 only the lead byte of a character outside the BMP is 0xF0 or above.
        if encoded is not None and not encoded.translate(None, _BELOW_ASTRAL_LEAD):
            return encoded
    return rfc8785.dumps(value)


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)
_BELOW_ASTRAL_LEAD = bytes(range(0xF0))


def _is_plain(value: Any) -> bool:
    kind = type(value)
    if kind is str:
        return True
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (type(item) is not str and not _is_plain(item)):
                return False
        return True
    if kind is list:
        return all(type(item) is str or _is_plain(item) for item in value)
    if kind is int:
        return bool(-_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER)
    return kind is bool or value is None
