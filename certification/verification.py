"""Checking a paper QR text or an Open Badges credential: signature against the trust list
(retired keys included while needed), issuer, dates, and the revocation status list.

Both entry points never raise: whatever they are handed, they answer with a
:class:`CertificateCheck` whose ``reason`` is a Vietnamese sentence an official can read
out, and only the minimum about the holder (the paper QR's initials and birth year).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification import data_integrity as di
from certification import keys, open_badge, paper_qr
from certification.models import Certificate, IssuingKey, StatusList

logger = logging.getLogger(__name__)

Status = Literal["valid", "invalid", "revoked", "expired", "not_yet_valid"]
MAX_CREDENTIAL_CHARS = 100_000

FOREIGN_ISSUER = "foreign_issuer"
UNKNOWN_STATUS_LIST = "unknown_status_list"
SIGNED_AFTER_RETIREMENT = "signed_after_retirement"
NOT_JSON = "not_json"
NOT_OPEN_BADGE = "not_open_badge"
BAD_DATES = "bad_dates"
BAD_STATUS = "bad_status"
REVOKED = "revoked"

_CORRUPT = gettext_lazy("mã QR bị hỏng hoặc đã bị sửa đổi, không đọc được nội dung.")
_UNTRUSTED_KEY = gettext_lazy(
    "chứng nhận được ký bằng khóa không có trong danh sách tin cậy của tỉnh."
)
_BAD_PROOF = gettext_lazy("chữ ký số không đúng định dạng được chấp nhận.")
REASONS: dict[str, Promise] = {
    paper_qr.NOT_TEXT: gettext_lazy("không có nội dung mã QR."),
    paper_qr.TOO_LONG: gettext_lazy("nội dung quá dài, không phải mã chứng nhận."),
    paper_qr.WRONG_PREFIX: gettext_lazy(
        "đây không phải mã QR chứng nhận Bình dân học vụ số Lào Cai."
    ),
    paper_qr.BAD_BASE45: _CORRUPT,
    paper_qr.BAD_ZLIB: _CORRUPT,
    paper_qr.BAD_CBOR: _CORRUPT,
    paper_qr.BAD_COSE: _CORRUPT,
    paper_qr.BAD_CLAIMS: _CORRUPT,
    paper_qr.WRONG_ALG: gettext_lazy("mã QR dùng thuật toán chữ ký không được chấp nhận."),
    paper_qr.UNKNOWN_KID: _UNTRUSTED_KEY,
    paper_qr.BAD_SIGNATURE: gettext_lazy(
        "chữ ký số không khớp: nội dung đã bị sửa đổi hoặc đây là mã giả."
    ),
    paper_qr.INTERNAL_ERROR: gettext_lazy("không kiểm tra được mã này."),
    di.MALFORMED_DOCUMENT: gettext_lazy("nội dung không phải một chứng nhận."),
    di.MISSING_PROOF: gettext_lazy("chứng nhận không có chữ ký số."),
    di.PROOF_SET_UNSUPPORTED: _BAD_PROOF,
    di.WRONG_PROOF_TYPE: _BAD_PROOF,
    di.WRONG_CRYPTOSUITE: _BAD_PROOF,
    di.WRONG_PROOF_PURPOSE: _BAD_PROOF,
    di.MALFORMED_PROOF: _BAD_PROOF,
    di.MALFORMED_PROOF_VALUE: _BAD_PROOF,
    di.CONTEXT_NOT_ALLOWED: gettext_lazy(
        "chứng nhận dùng ngữ cảnh (@context) không được chấp nhận."
    ),
    di.CONTEXT_MISMATCH: gettext_lazy("chứng nhận dùng ngữ cảnh (@context) không được chấp nhận."),
    di.UNKNOWN_VERIFICATION_METHOD: _UNTRUSTED_KEY,
    di.NOT_CANONICALIZABLE: gettext_lazy("chứng nhận chứa dữ liệu không hợp lệ."),
    di.INVALID_SIGNATURE: gettext_lazy("chữ ký số không khớp: nội dung đã bị sửa đổi."),
    FOREIGN_ISSUER: gettext_lazy("chứng nhận không do đơn vị cấp này phát hành."),
    UNKNOWN_STATUS_LIST: gettext_lazy("không tìm thấy danh sách trạng thái của chứng nhận."),
    SIGNED_AFTER_RETIREMENT: gettext_lazy(
        "chứng nhận được ký bằng một khóa sau ngày khóa đó ngừng sử dụng."
    ),
    NOT_JSON: gettext_lazy("nội dung không phải một chứng nhận điện tử (JSON)."),
    NOT_OPEN_BADGE: gettext_lazy("nội dung không phải chứng nhận Open Badges."),
    BAD_DATES: gettext_lazy("ngày hiệu lực của chứng nhận không hợp lệ."),
    BAD_STATUS: gettext_lazy("thông tin trạng thái của chứng nhận không hợp lệ."),
}
HEADLINES: dict[str, Promise] = {
    "valid": gettext_lazy("HỢP LỆ"),
    "invalid": gettext_lazy("KHÔNG HỢP LỆ"),
    "revoked": gettext_lazy("ĐÃ THU HỒI"),
    "expired": gettext_lazy("HẾT HẠN"),
    "not_yet_valid": gettext_lazy("CHƯA CÓ HIỆU LỰC"),
}


@dataclass(frozen=True, slots=True)
class CertificateCheck:
    status: Status
    code: str
    reason: str = ""
    serial: str = ""
    holder: str = ""
    achievement: str = ""
    level: str = ""
    issued: dt.date | None = None
    valid_until: dt.date | None = None
    issuer: str = ""
    revoked_at: dt.datetime | None = None

    @property
    def is_valid(self) -> bool:
        return self.status == "valid"

    @property
    def headline(self) -> str:
        return str(HEADLINES[self.status])

    @property
    def has_data(self) -> bool:
        return bool(self.serial or self.achievement)

    def as_dict(self) -> dict[str, Any]:
        data = None
        if self.has_data:
            data = {
                "serial": self.serial,
                "holder": self.holder,
                "achievement": self.achievement,
                "level": self.level,
                "issued": self.issued.isoformat() if self.issued else None,
                "valid_until": self.valid_until.isoformat() if self.valid_until else None,
                "issuer": self.issuer,
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            }
        return {
            "status": self.status,
            "valid": self.is_valid,
            "headline": self.headline,
            "code": self.code,
            "reason": self.reason,
            "certificate": data,
        }


def invalid_check(code: str) -> CertificateCheck:
    return CertificateCheck("invalid", code, str(REASONS.get(code, REASONS[paper_qr.BAD_COSE])))


# --- Paper QR ------------------------------------------------------------------------


def certificate_verify_qr(text: Any, *, now: dt.datetime | None = None) -> CertificateCheck:
    """Check pasted or scanned QR text; never raises."""
    try:
        return _verify_qr(text, now or timezone.now())
    except Exception:  # the contract is an answer, never a server error
        logger.exception("certificate QR verification failed")
        return invalid_check(paper_qr.INTERNAL_ERROR)


def _verify_qr(text: Any, now: dt.datetime) -> CertificateCheck:
    if isinstance(text, str):
        # A space is a Base45 digit, so only line breaks are trimmed at the end.
        text = text.lstrip().rstrip("\r\n\t")
    checked = paper_qr.verify_qr_payload(text, keys.trusted_key_for_kid, now)
    claims = checked.claims
    if claims is None or checked.kid is None:
        return invalid_check(checked.reason)
    if claims.issuer != settings.CERT_QR_ISSUER:
        return invalid_check(FOREIGN_ISSUER)
    key = IssuingKey.objects.filter(kid=checked.kid.hex()).first()
    if key and key.retired_at and claims.issued > timezone.localdate(key.retired_at):
        return invalid_check(SIGNED_AFTER_RETIREMENT)
    if not isinstance(claims.status_list, int):
        return invalid_check(UNKNOWN_STATUS_LIST)
    revoked = _revoked(claims.status_list, claims.status_index)
    if revoked is None:
        return invalid_check(UNKNOWN_STATUS_LIST)
    cert = Certificate.objects.filter(serial=claims.serial).first()
    same = cert is not None and cert.achievement_code == claims.achievement
    facts: dict[str, Any] = {
        "serial": claims.serial,
        "holder": claims.holder or "",
        "achievement": cert.achievement_name if cert and same else claims.achievement,
        "level": cert.level_name if cert and same else str(claims.level),
        "issued": claims.issued,
        "valid_until": claims.valid_until,
        "issuer": settings.ISSUER_NAME,
    }
    if revoked:
        return _revoked_check(cert, facts)
    if checked.status == "expired":
        return _expired_check(claims.valid_until, facts)
    if checked.status == "not_yet_valid":
        return CertificateCheck("not_yet_valid", paper_qr.NOT_YET_VALID, _not_yet(), **facts)
    return CertificateCheck("valid", paper_qr.OK, "", **facts)


def _revoked(list_id: int, index: int) -> bool | None:
    """Whether the bit is set; None when the list or the index does not exist."""
    status_list = StatusList.objects.filter(pk=list_id).first()
    if status_list is None or not 0 <= index < status_list.size:
        return None
    return open_badge.bit_is_set(status_list.bits, index)


def _revoked_check(cert: Certificate | None, facts: dict[str, Any]) -> CertificateCheck:
    reason = (cert.revoke_reason if cert else "") or _("không ghi lý do.")
    revoked_at = cert.revoked_at if cert else None
    return CertificateCheck("revoked", REVOKED, reason, revoked_at=revoked_at, **facts)


def _expired_check(valid_until: dt.date | None, facts: dict[str, Any]) -> CertificateCheck:
    day = formats.date_format(valid_until, "d/m/Y") if valid_until else "—"
    reason = _("chứng nhận chỉ có hiệu lực đến hết ngày %(day)s.") % {"day": day}
    return CertificateCheck("expired", paper_qr.EXPIRED, reason, **facts)


def _not_yet() -> str:
    return _("chứng nhận chưa đến ngày có hiệu lực.")


# --- Open Badges credential ------------------------------------------------------------


def certificate_verify_vc(document: Any, *, now: dt.datetime | None = None) -> CertificateCheck:
    """Check an OpenBadgeCredential (a dict, or its JSON text); never raises."""
    try:
        return _verify_vc(document, now or timezone.now())
    except Exception:  # the contract is an answer, never a server error
        logger.exception("credential verification failed")
        return invalid_check(di.INTERNAL_ERROR)


def _verify_vc(document: Any, now: dt.datetime) -> CertificateCheck:
    if isinstance(document, str):
        if len(document) > MAX_CREDENTIAL_CHARS:
            return invalid_check(NOT_JSON)
        try:
            document = json.loads(document)
        except ValueError:
            return invalid_check(NOT_JSON)
    if not isinstance(document, dict):
        return invalid_check(NOT_JSON)
    types = document.get("type")
    if not isinstance(types, list) or not {"VerifiableCredential", "OpenBadgeCredential"} <= {
        t for t in types if isinstance(t, str)
    }:
        return invalid_check(NOT_OPEN_BADGE)
    issuer = document.get("issuer")
    if (issuer.get("id") if isinstance(issuer, dict) else issuer) != keys.issuer_did():
        return invalid_check(FOREIGN_ISSUER)
    proof = di.verify_proof(
        document, keys.trusted_key_for_method, set(open_badge.CREDENTIAL_CONTEXTS)
    )
    if not proof.ok:
        return invalid_check(proof.reason)
    if _signed_after_retirement(document["proof"]):
        return invalid_check(SIGNED_AFTER_RETIREMENT)
    slot = _status_slot(document.get("credentialStatus"))
    if slot is None:
        return invalid_check(BAD_STATUS)
    valid_from = open_badge.parse_xsd_datetime(document.get("validFrom"))
    valid_until = open_badge.parse_xsd_datetime(document.get("validUntil"))
    if valid_from is None or ("validUntil" in document and valid_until is None):
        return invalid_check(BAD_DATES)
    revoked = _revoked(*slot)
    if revoked is None:
        return invalid_check(UNKNOWN_STATUS_LIST)
    cert = Certificate.objects.filter(status_list_id=slot[0], status_list_index=slot[1]).first()
    if cert is not None and cert.credential.get("id") != document.get("id"):
        cert = None
    facts = _vc_facts(document, cert, valid_from, valid_until)
    if revoked:
        return _revoked_check(cert, facts)
    if now < valid_from - dt.timedelta(minutes=5):
        return CertificateCheck("not_yet_valid", paper_qr.NOT_YET_VALID, _not_yet(), **facts)
    if valid_until is not None and now > valid_until:
        return _expired_check(facts["valid_until"], facts)
    return CertificateCheck("valid", paper_qr.OK, "", **facts)


def _signed_after_retirement(proof: dict[str, Any]) -> bool:
    multikey = str(proof.get("verificationMethod", "")).partition("#")[2]
    key = IssuingKey.objects.filter(public_key_multibase=multikey).first()
    created = open_badge.parse_xsd_datetime(proof.get("created"))
    return bool(key and key.retired_at and created and created > key.retired_at)


_STATUS_URL = re.compile(r"/status/(\d{1,9})\.json")


def _status_slot(entry: Any) -> tuple[int, int] | None:
    """(list id, index) of one of our revocation entries; None for anything else."""
    if not isinstance(entry, dict):
        return None
    if (
        entry.get("type") != open_badge.STATUS_ENTRY_TYPE
        or entry.get("statusPurpose") != open_badge.STATUS_PURPOSE
    ):
        return None
    url, index = entry.get("statusListCredential"), entry.get("statusListIndex")
    site = settings.SITE_ROOT.rstrip("/")
    if not isinstance(url, str) or not url.startswith(site):
        return None
    match = _STATUS_URL.fullmatch(url[len(site) :])
    if not match or not isinstance(index, str) or not index.isdigit() or len(index) > 9:
        return None
    return int(match.group(1)), int(index)


def _vc_facts(
    document: dict[str, Any],
    cert: Certificate | None,
    valid_from: dt.datetime,
    valid_until: dt.datetime | None,
) -> dict[str, Any]:
    subject = document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    achievement = achievement if isinstance(achievement, dict) else {}
    issuer = document.get("issuer")
    return {
        "serial": cert.serial if cert else "",
        "holder": cert.holder if cert else "",
        "achievement": str(achievement.get("name", ""))[:200],
        "level": _level_name(achievement),
        "issued": timezone.localdate(valid_from),
        "valid_until": timezone.localdate(valid_until) if valid_until else None,
        "issuer": str(issuer.get("name", "")) if isinstance(issuer, dict) else str(issuer),
    }


def _level_name(achievement: dict[str, Any]) -> str:
    try:
        return str(achievement["resultDescriptions"][0]["rubricCriterionLevels"][0]["name"])[:80]
    except (KeyError, IndexError, TypeError):
        return ""
