"""Signing keys: encrypted private key files, their public rows, rotation, the trust list
and the issuer's DID document.

Private keys are PKCS#8 PEM files in ``settings.CERT_KEY_DIR`` encrypted with
``settings.CERT_KEY_PASSPHRASE``; the database only ever sees public keys. The root key
signs the trust list (the issuing keys a verifier should accept); issuing keys sign
credentials, paper QRs and status lists. Rotating retires the active issuing key: it
signs nothing more but stays in the trust list and the DID document until the last
credential it signed expires (forever, if it signed one without an expiry).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    load_pem_private_key,
)
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from certification import data_integrity
from certification.models import IssuingKey
from certification.multikey import decode_public_multikey, encode_public_multikey
from certification.open_badge import xsd_datetime
from certification.paper_qr import key_id

TRUST_LIST_TYPE = "HocvusoTrustList"
TRUST_LIST_PURPOSE = "capabilityDelegation"  # the root delegates issuing to the keys it lists
DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


class KeyFileError(RuntimeError):
    """A key row exists but its private key file is missing or cannot be opened."""


def issuer_did() -> str:
    return "did:web:" + settings.ISSUER_DOMAIN


def verification_method(key: IssuingKey) -> str:
    return f"{issuer_did()}#{key.public_key_multibase}"


# --- Private key files -----------------------------------------------------------


def key_path(key: IssuingKey) -> Path:
    return Path(settings.CERT_KEY_DIR) / f"{key.purpose}-{key.kid}.pem"


def _passphrase() -> bytes:
    return str(settings.CERT_KEY_PASSPHRASE).encode("utf-8")


def _write_private_key(private_key: Ed25519PrivateKey, path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = private_key.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(_passphrase())
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)


_loaded: dict[tuple[str, int], Ed25519PrivateKey] = {}


def private_key(key: IssuingKey) -> Ed25519PrivateKey:
    """The private half of ``key`` from its encrypted file (kept in memory once opened)."""
    path = key_path(key)
    try:
        cache_key = (str(path), path.stat().st_mtime_ns)
    except OSError as exc:
        raise KeyFileError(f"private key file {path} is missing") from exc
    if cache_key not in _loaded:
        try:
            loaded = load_pem_private_key(path.read_bytes(), _passphrase())
        except (OSError, ValueError, TypeError) as exc:
            raise KeyFileError(f"cannot open {path}: wrong passphrase or damaged") from exc
        if not isinstance(loaded, Ed25519PrivateKey):
            raise KeyFileError(f"{path} is not an Ed25519 key")
        if encode_public_multikey(loaded.public_key()) != key.public_key_multibase:
            raise KeyFileError(f"{path} does not hold the key {key.kid}")
        _loaded[cache_key] = loaded
    return _loaded[cache_key]


def public_key(key: IssuingKey) -> Ed25519PublicKey:
    return decode_public_multikey(key.public_key_multibase)


# --- Generation, rotation ----------------------------------------------------------


def key_generate(purpose: str) -> IssuingKey:
    """A new key of ``purpose``: the file is written first, then the public row."""
    secret = Ed25519PrivateKey.generate()
    public = secret.public_key()
    key = IssuingKey(
        kid=key_id(public).hex(),
        purpose=purpose,
        public_key_multibase=encode_public_multikey(public),
    )
    _write_private_key(secret, key_path(key))
    key.save()
    return key


def active_key(purpose: str = IssuingKey.Purpose.ISSUING) -> IssuingKey | None:
    return IssuingKey.objects.filter(purpose=purpose, retired_at__isnull=True).first()


def ensure_keys() -> IssuingKey:
    """Create the root key and an issuing key when missing; return the active issuing key.

    Idempotent, for the demo and first installs. Raises KeyFileError when a key is in the
    database but its file is not in CERT_KEY_DIR (restore the file, or rotate)."""
    with transaction.atomic():
        root = active_key(IssuingKey.Purpose.ROOT) or key_generate(IssuingKey.Purpose.ROOT)
        issuing = active_key() or key_generate(IssuingKey.Purpose.ISSUING)
    private_key(root)
    private_key(issuing)
    return issuing


@transaction.atomic
def issuing_key_rotate(*, now: dt.datetime | None = None) -> IssuingKey:
    """Retire the active issuing key and start a new one."""
    now = now or timezone.now()
    IssuingKey.objects.select_for_update().filter(
        purpose=IssuingKey.Purpose.ISSUING, retired_at__isnull=True
    ).update(retired_at=now)
    return key_generate(IssuingKey.Purpose.ISSUING)


def key_record_signature(key: IssuingKey, valid_until: dt.datetime | None) -> None:
    """Remember how long ``key`` must stay published for a credential it just signed.
    Conditional updates, so concurrent issuers never move ``not_after`` backwards."""
    rows = IssuingKey.objects.filter(pk=key.pk)
    if valid_until is None:
        rows.filter(signed_unexpiring=False).update(signed_unexpiring=True)
        return
    last_day = valid_until.astimezone(dt.UTC).date()
    rows.filter(Q(not_after__isnull=True) | Q(not_after__lt=last_day)).update(not_after=last_day)


def published_keys(today: dt.date | None = None) -> list[IssuingKey]:
    """Issuing keys a verifier should accept today: the active one and the retired ones
    whose credentials may still be valid."""
    today = today or timezone.now().astimezone(dt.UTC).date()
    keys = IssuingKey.objects.filter(purpose=IssuingKey.Purpose.ISSUING).order_by("created_at")
    return [key for key in keys if key.is_published(today)]


def trusted_key_for_kid(kid: bytes) -> Ed25519PublicKey | None:
    for key in published_keys():
        if key.kid_bytes == kid:
            return public_key(key)
    return None


def trusted_key_for_method(method: str) -> Ed25519PublicKey | None:
    for key in published_keys():
        if verification_method(key) == method:
            return public_key(key)
    return None


# --- Published documents -------------------------------------------------------------


def did_document() -> dict[str, Any]:
    """The issuer's DID document: published issuing keys as assertion methods, the root
    key for capability delegation (it signs the trust list)."""
    did = issuer_did()
    keys = published_keys()
    root = active_key(IssuingKey.Purpose.ROOT)
    methods = [_method_entry(did, key) for key in ([root] if root else []) + keys]
    return {
        "@context": DID_CONTEXTS,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [verification_method(key) for key in keys],
        "capabilityDelegation": [verification_method(root)] if root else [],
    }


def _method_entry(did: str, key: IssuingKey) -> dict[str, Any]:
    return {
        "id": verification_method(key),
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": key.public_key_multibase,
    }


def trust_list(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """The trust list, signed by the root key with eddsa-jcs-2022."""
    now = now or timezone.now()
    root = active_key(IssuingKey.Purpose.ROOT)
    if root is None:
        raise KeyFileError("no root key: run `manage.py certificates_keys init`")
    document = {
        "type": TRUST_LIST_TYPE,
        "version": 1,
        "issuer": {"id": issuer_did(), "name": settings.ISSUER_NAME},
        "updated": xsd_datetime(now),
        "rootKey": _method_entry(issuer_did(), root),
        "keys": [_trust_entry(key) for key in published_keys(now.astimezone(dt.UTC).date())],
    }
    return data_integrity.add_proof(
        document,
        private_key(root),
        verification_method(root),
        xsd_datetime(now),
        proof_purpose=TRUST_LIST_PURPOSE,
    )


def _trust_entry(key: IssuingKey) -> dict[str, Any]:
    entry: dict[str, Any] = {
        **_method_entry(issuer_did(), key),
        "kid": key.kid,
        "validFrom": xsd_datetime(key.created_at),
    }
    if key.retired_at:
        entry["retiredAt"] = xsd_datetime(key.retired_at)
        if not key.signed_unexpiring and key.not_after:
            entry["publishedUntil"] = key.not_after.isoformat()
    return entry


def trust_list_verify(document: Any, root_multikey: str) -> bool:
    """Check a trust list against a root key obtained out of band (pinned by a verifier)."""
    try:
        root = decode_public_multikey(root_multikey)
    except ValueError:
        return False
    method = f"{issuer_did()}#{root_multikey}"
    result = data_integrity.verify_proof(
        document,
        lambda vm: root if vm == method else None,
        None,
        expected_proof_purpose=TRUST_LIST_PURPOSE,
    )
    return result.ok and isinstance(document, dict) and document.get("type") == TRUST_LIST_TYPE
