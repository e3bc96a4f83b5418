"""The W3C vc-di-eddsa test vectors for eddsa-jcs-2022, reproduced byte for byte.

Sources and commits: tests/vectors/eddsa-jcs-2022/README.md.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import rfc8785

from certification.data_integrity import add_proof, canonicalize, hash_data, verify_proof
from certification.multikey import (
    decode_public_multikey,
    decode_secret_multikey,
    encode_public_multikey,
    encode_secret_multikey,
    multibase_decode,
    multibase_encode,
    public_key_from_did_key,
)

VECTORS = Path(__file__).parent / "vectors" / "eddsa-jcs-2022"
CREATED = "2023-02-24T23:36:38Z"
MULTIKEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
DID_KEY_METHOD = f"did:key:{MULTIKEY}#{MULTIKEY}"
HTTPS_METHOD = f"https://vc.example/issuers/5678#{MULTIKEY}"
CONTEXTS = {"https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"}


def text(name: str) -> str:
    return (VECTORS / name).read_text(encoding="utf-8")


def load(name: str) -> Any:
    return json.loads(text(name))


@pytest.fixture
def key_pair() -> dict[str, str]:
    return load("keyPair.json")


@pytest.fixture
def unsigned() -> dict[str, Any]:
    return load("unsigned.json")


def test_it_round_trips_the_published_key_pair(key_pair):
    private_key = decode_secret_multikey(key_pair["privateKeyMultibase"])
    public_key = decode_public_multikey(key_pair["publicKeyMultibase"])

    assert encode_secret_multikey(private_key) == key_pair["privateKeyMultibase"]
    assert encode_public_multikey(private_key.public_key()) == key_pair["publicKeyMultibase"]
    assert encode_public_multikey(public_key) == key_pair["publicKeyMultibase"]
    assert multibase_decode(key_pair["publicKeyMultibase"])[:2] == b"\xed\x01"
    assert multibase_decode(key_pair["privateKeyMultibase"])[:2] == b"\x80\x26"


def test_it_canonicalises_the_document_to_the_published_bytes(unsigned):
    canonical = canonicalize(unsigned)

    assert canonical == text("canonDocJCS.txt").encode("utf-8")
    assert canonical == rfc8785.dumps(unsigned)
    assert hashlib.sha256(canonical).hexdigest() == text("docHashJCS.txt")


def test_it_reproduces_the_recommendation_vector_step_by_step(key_pair, unsigned):
    private_key = decode_secret_multikey(key_pair["privateKeyMultibase"])
    proof_config = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": CREATED,
        "verificationMethod": DID_KEY_METHOD,
        "proofPurpose": "assertionMethod",
        "@context": unsigned["@context"],
    }

    canonical_proof = canonicalize(proof_config)
    data = hash_data(proof_config, unsigned)
    signature = private_key.sign(data)

    assert canonical_proof == text("rec/proofCanonJCS.txt").encode("utf-8")
    assert hashlib.sha256(canonical_proof).hexdigest() == text("rec/proofHashJCS.txt")
    assert data.hex() == text("rec/combinedHashJCS.txt")
    assert signature.hex() == text("rec/sigHexJCS.txt")
    assert multibase_encode(signature) == text("rec/sigBTC58JCS.txt")


def test_add_proof_produces_the_recommendation_signed_credential(key_pair, unsigned):
    private_key = decode_secret_multikey(key_pair["privateKeyMultibase"])

    secured = add_proof(unsigned, private_key, DID_KEY_METHOD, CREATED)

    assert secured == load("rec/signedJCS.json")
    assert json.dumps(secured, indent=2) + "\n" == text("rec/signedJCS.json")
    assert secured["proof"]["proofValue"] == text("rec/sigBTC58JCS.txt")


def test_add_proof_reproduces_the_https_method_revision_file_exactly(key_pair, unsigned):
    private_key = decode_secret_multikey(key_pair["privateKeyMultibase"])
    options = load("rev-369f0f00/proofConfigJCS.json")

    secured = add_proof(unsigned, private_key, options["verificationMethod"], options["created"])

    assert json.dumps(secured, indent=2) == text("rev-369f0f00/signedJCS.json")
    proof_options = {key: value for key, value in secured["proof"].items() if key != "proofValue"}
    assert proof_options == options
    signature = multibase_decode(secured["proof"]["proofValue"])
    assert signature.hex() == text("rev-369f0f00/sigHexJCS.txt")
    assert secured["proof"]["proofValue"] == text("rev-369f0f00/sigBTC58JCS.txt")


@pytest.mark.parametrize(
    ("proof_config_file", "expected_file", "expected_is_hex"),
    [
        ("rev-c3b58d07/proofConfigJCS.json", "rev-c3b58d07/sigHexJCS.txt", True),
        (None, "rev-4ced3573/sigBTC58JCS.txt", False),
    ],
)
def test_it_reproduces_the_revisions_without_a_proof_context(
    key_pair, unsigned, proof_config_file, expected_file, expected_is_hex
):
    private_key = decode_secret_multikey(key_pair["privateKeyMultibase"])
    if proof_config_file:
        proof_config = load(proof_config_file)
    else:
        proof = load("rev-4ced3573/signedJCS.json")["proof"]
        proof_config = {key: value for key, value in proof.items() if key != "proofValue"}

    signature = private_key.sign(hash_data(proof_config, unsigned))

    expected = text(expected_file)
    assert (signature.hex() if expected_is_hex else multibase_encode(signature)) == expected


@pytest.mark.parametrize(
    "signed_file",
    ["rec/signedJCS.json", "rev-369f0f00/signedJCS.json", "rev-4ced3573/signedJCS.json"],
)
def test_it_verifies_every_published_signed_credential(key_pair, signed_file):
    public_key = decode_public_multikey(key_pair["publicKeyMultibase"])
    trusted = {DID_KEY_METHOD: public_key, HTTPS_METHOD: public_key}

    result = verify_proof(load(signed_file), trusted.get, CONTEXTS)

    assert result.ok, result.reason


def test_the_did_key_method_resolves_to_the_published_key(key_pair):
    public_key = public_key_from_did_key(DID_KEY_METHOD)

    assert public_key is not None
    assert encode_public_multikey(public_key) == key_pair["publicKeyMultibase"]
    assert verify_proof(load("rec/signedJCS.json"), public_key_from_did_key, CONTEXTS).ok
