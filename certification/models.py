"""Issued certificates, the public half of the signing keys, and revocation status lists.

Private keys never reach the database: see certification/keys.py.
"""

from __future__ import annotations

import datetime as dt
import gzip
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Participant

STATUS_LIST_SIZE = 131_072  # the W3C minimum, so one index says little about its holder


class IssuingKey(models.Model):
    """An Ed25519 key's public half. The root key signs the trust list; issuing keys sign
    credentials. A retired issuing key stays published while a credential it signed is valid."""

    class Purpose(models.TextChoices):
        ROOT = "root", _("Khóa gốc (ký danh sách tin cậy)")
        ISSUING = "issuing", _("Khóa cấp chứng nhận")

    kid = models.CharField(_("mã khóa"), max_length=16, unique=True)  # hex of paper_qr.key_id
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.ISSUING)
    public_key_multibase = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(_("ngừng ký lúc"), null=True, blank=True)
    not_after = models.DateField(
        _("hạn muộn nhất của chứng nhận đã ký"), null=True, blank=True, editable=False
    )
    signed_unexpiring = models.BooleanField(
        _("đã ký chứng nhận không thời hạn"), default=False, editable=False
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose"],
                condition=models.Q(retired_at__isnull=True),
                name="one_active_key_per_purpose",
            )
        ]
        verbose_name = _("khóa ký")
        verbose_name_plural = _("khóa ký")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.kid}"

    @property
    def kid_bytes(self) -> bytes:
        return bytes.fromhex(self.kid)

    def is_published(self, today: dt.date) -> bool:
        """Active, or retired but still needed to check a credential that is not expired."""
        if self.retired_at is None or self.signed_unexpiring:
            return True
        return self.not_after is not None and self.not_after >= today


class StatusList(models.Model):
    """A W3C Bitstring Status List for revocation. Bit i (left-most first) set = revoked."""

    class Purpose(models.TextChoices):
        REVOCATION = "revocation", _("Thu hồi")

    purpose = models.CharField(max_length=12, choices=Purpose.choices, default=Purpose.REVOCATION)
    size = models.PositiveIntegerField(default=STATUS_LIST_SIZE)
    bits_gzip = models.BinaryField(editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("danh sách trạng thái")
        verbose_name_plural = _("danh sách trạng thái")

    def __str__(self) -> str:
        return f"{self.purpose} #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.bits_gzip:
            self.bits = bytes(self.size // 8)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("certificate_status_list", args=[self.pk])

    @property
    def bits(self) -> bytes:
        return gzip.decompress(bytes(self.bits_gzip))

    @bits.setter
    def bits(self, raw: bytes) -> None:
        self.bits_gzip = gzip.compress(raw, mtime=0)

    def is_set(self, index: int) -> bool:
        raw = self.bits
        return 0 <= index < self.size and bool(raw[index // 8] & (0x80 >> (index % 8)))

    def set_bit(self, index: int) -> None:
        raw = bytearray(self.bits)
        raw[index // 8] |= 0x80 >> (index % 8)
        self.bits = bytes(raw)


class Certificate(models.Model):
    """One signed credential for one person's achievement from one source result."""

    class Kind(models.TextChoices):
        PLACEMENT = "placement", _("Chứng nhận mức kỹ năng số")
        PRIZE = "prize", _("Giải thưởng")
        PARTICIPATION = "participation", _("Chứng nhận tham gia")
        NGUOI_BAN_SO = "nguoi_ban_so", _("Công nhận Người bản số")

    serial = models.CharField(_("số hiệu"), max_length=24, unique=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="certificates"
    )
    source_type = models.CharField(max_length=40)  # e.g. "placement_session", "contest_award"
    source_id = models.CharField(max_length=40)
    achievement_code = models.CharField(_("mã thành tích"), max_length=24)
    achievement_name = models.CharField(_("thành tích"), max_length=200)
    level_code = models.CharField(_("mã mức"), max_length=8, blank=True)
    level_name = models.CharField(_("mức"), max_length=80, blank=True)
    issued_at = models.DateTimeField(_("cấp lúc"), default=timezone.now)
    valid_from = models.DateTimeField(_("hiệu lực từ"), default=timezone.now)
    valid_until = models.DateTimeField(_("hiệu lực đến"), null=True, blank=True)
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="+")
    status_list_index = models.PositiveIntegerField()
    issuing_key = models.ForeignKey(IssuingKey, on_delete=models.PROTECT, related_name="+")
    credential = models.JSONField(default=dict, editable=False)
    qr_text = models.TextField(editable=False, blank=True)
    # What the paper QR says about the holder: initials and birth year of an adult,
    # nothing for a minor or an unknown age. Never a citizen ID number.
    holder = models.CharField(_("người nhận (trên mã QR)"), max_length=48, blank=True)
    assisted = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoke_reason = models.CharField(_("lý do thu hồi"), max_length=300, blank=True)
    # Snapshots for the indicators: where and who the holder was when it was issued.
    commune_code = models.CharField(max_length=5, db_index=True)
    target_group_code = models.CharField(max_length=20, db_index=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "kind", "achievement_code", "source_type", "source_id"],
                name="certificate_once_per_result",
            ),
            models.UniqueConstraint(
                fields=["status_list", "status_list_index"], name="certificate_status_index_unique"
            ),
        ]
        indexes = [models.Index(fields=["kind", "issued_at"])]
        verbose_name = _("chứng nhận")
        verbose_name_plural = _("chứng nhận")

    def __str__(self) -> str:
        return f"{self.serial} — {self.achievement_name}"

    def get_absolute_url(self) -> str:
        return reverse("certificate_print", args=[self.serial])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
