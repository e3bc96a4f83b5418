"""Signing many credentials of one achievement quickly, byte for byte as the single path does.

``services.signed_credential`` builds an Open Badges credential, canonicalises it (JCS) and
signs it with ``eddsa-jcs-2022``: about 110 µs, most of it building and canonicalising two
kilobytes of JSON that are the same for every certificate of one achievement issued at one
moment into one status list. A ``CredentialTemplate`` builds that JSON once, through
``services.signed_credential`` itself, with marks in place of what differs per certificate
(the credential id made from the serial, the status index, the holder's name hash and its
salt). Per certificate it puts the real strings into the canonical text, hashes and signs
it: the bytes signed are the ones the single path would sign, so is the signature
(Ed25519 is deterministic).

The first credential of each template is also made by ``services.signed_credential`` with
the same salt, and the two must be equal: if the credential ever depends on a
per-certificate value in another way (a new field, say), the template raises
``TemplateMismatch`` instead of issuing a credential the single path would not have made.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import operator
import re
import secrets
from collections.abc import Hashable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certification import data_integrity, open_badge, services
from certification.models import IssuingKey
from certification.multikey import multibase_encode
from certification.services import SignedFacts

# Stand-ins for what differs per certificate (ASCII, nothing JSON escapes).
SERIAL_MARK = "SERIAL-MARK-5e7a"
SOURCE_MARK = "SOURCE-MARK-5e7a"
HOLDER_MARK = "HOLDER-MARK-5e7a"
NAME_MARK = "NAME-MARK-5e7a"
SALT_MARK = "SALT-MARK-5e7a"
INDEX_MARK = 1_987_654_321


class TemplateMismatch(RuntimeError):
    """A templated credential differs from what services.signed_credential makes."""


# Every field of AchievementSpec but the id of the result it certifies.
_shared_spec = operator.attrgetter(
    *(f.name for f in dataclasses.fields(services.AchievementSpec) if f.name != "source_id")
)


def template_key(facts: SignedFacts) -> Hashable:
    """Certificates with the same key share a template: the same achievement (all of its
    spec but the result's id), issuing moment and status list."""
    return (
        _shared_spec(facts.spec),
        facts.issued_at,
        facts.valid_until,
        facts.status_list_id,
        facts.status_list_url,
    )


class CredentialTemplate:
    def __init__(self, facts: SignedFacts, key: IssuingKey, signer: Ed25519PrivateKey) -> None:
        self.key, self.signer = key, signer
        marked = dataclasses.replace(
            facts,
            serial=SERIAL_MARK,
            spec=dataclasses.replace(facts.spec, source_id=SOURCE_MARK),
            status_index=INDEX_MARK,
            holder=HOLDER_MARK,
            holder_name=NAME_MARK,
        )
        credential = services.signed_credential(marked, key, signer, salt=SALT_MARK)
        proof = dict(credential.pop("proof"))
        proof.pop("proofValue")
        self.issuer_url: str = credential["issuer"]["url"]
        slots = {
            open_badge.credential_id(SERIAL_MARK, self.issuer_url): "id",
            open_badge.name_hash(NAME_MARK, SALT_MARK): "name_hash",
            SALT_MARK: "salt",
            str(INDEX_MARK): "index",
        }
        text = data_integrity.canonicalize(credential).decode("utf-8")
        for unexpected in (SERIAL_MARK, SOURCE_MARK, HOLDER_MARK, NAME_MARK):
            if unexpected in text:
                raise TemplateMismatch(f"the credential shows {unexpected} in an unknown form")
        pattern = re.compile("|".join(re.escape(mark) for mark in slots))
        self.literals = pattern.split(text)
        self.slots = [slots[mark] for mark in pattern.findall(text)]
        # hashData = SHA-256(proof configuration) || SHA-256(document); the first is shared.
        self.proof_hash = hashlib.sha256(data_integrity.canonicalize(proof)).digest()
        proof_json = json.dumps(proof, ensure_ascii=False, separators=(",", ":"))
        self.proof_head = proof_json[:-1] + ',"proofValue":"'
        self.checked = False

    def sign(self, facts: SignedFacts) -> str:
        """The signed credential of ``facts`` as JSON text."""
        salt = secrets.token_hex(8)
        values = {
            "id": open_badge.credential_id(facts.serial, self.issuer_url),
            "name_hash": open_badge.name_hash(facts.holder_name, salt),
            "salt": salt,
            "index": str(facts.status_index),
        }
        parts = [self.literals[0]]
        for slot, literal in zip(self.slots, self.literals[1:], strict=True):
            parts += (values[slot], literal)
        document = "".join(parts)
        signature = self.signer.sign(
            self.proof_hash + hashlib.sha256(document.encode("utf-8")).digest()
        )
        text = f'{document[:-1]},"proof":{self.proof_head}{multibase_encode(signature)}"}}}}'
        if not self.checked:
            self._check(facts, salt, json.loads(text))
        return text

    def _check(self, facts: SignedFacts, salt: str, made: dict[str, Any]) -> None:
        expected = services.signed_credential(facts, self.key, self.signer, salt=salt)
        if made != expected:
            raise TemplateMismatch("a templated credential differs from the single path's")
        self.checked = True
