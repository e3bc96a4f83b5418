"""Indicator definitions and targets (editable data), population denominators with their
source, and the two tables that keep counts fast: per-person qualification segments and
the roll-up of counts by (indicator, commune, target group, level, period)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Commune, TargetGroup
from indicators import counting

RECOUNT_PENDING = {"recount": "pending"}  # never equal to a rule's fingerprint


class DenominatorKind(models.TextChoices):
    ADULTS = "adults", _("Dân số trưởng thành (18 tuổi trở lên)")
    PUPILS = "pupils", _("Học sinh, sinh viên")
    PUBLIC_SERVANTS = "public_servants", _("Cán bộ, công chức, viên chức")
    WORKERS = "workers", _("Người lao động trong doanh nghiệp, hợp tác xã")


class IndicatorDefinition(models.Model):
    """One indicator of the plan: what certificates count, against what, towards what."""

    class Measure(models.TextChoices):
        PERCENT = "percent", _("Tỷ lệ (%) trên mẫu số")
        COUNT = "count", _("Số lượng")
        PER_VOLUNTEER = "per_volunteer", _("Số người trên một tình nguyện viên")

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên chỉ tiêu"), max_length=200)
    description = models.TextField(_("mô tả"), blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    active = models.BooleanField(_("đang theo dõi"), default=True)
    target_group = models.ForeignKey(
        TargetGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("nhóm đối tượng (để trống: mọi nhóm)"),
    )
    certificate_kinds = models.JSONField(
        _("loại chứng nhận được tính"), default=list, help_text=_('Ví dụ: ["placement"]')
    )
    achievement_prefix = models.CharField(
        _("mã thành tích bắt đầu bằng"), max_length=24, blank=True
    )
    min_level_code = models.CharField(
        _("mức tối thiểu"),
        max_length=8,
        blank=True,
        help_text=_("CB1, CB2, TC1, TC2…; để trống: mọi mức."),
    )
    per_achievement = models.BooleanField(
        _("đếm theo lượt (mỗi người mỗi cuộc thi một lần)"), default=False
    )
    measure = models.CharField(
        _("cách đo"), max_length=16, choices=Measure.choices, default=Measure.PERCENT
    )
    denominator_kind = models.CharField(
        _("mẫu số"), max_length=20, choices=DenominatorKind.choices, blank=True
    )
    # The counting rule the roll-up was last rebuilt with: when an administrator changes
    # the rule, the figures are stale until `indicators_rebuild` recounts (a long job,
    # never run inside a request), and the pages say so. Empty: seeded and never
    # changed since (the seed and its empty roll-up agree).
    counted_rule = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding or not self.active:
            # A new indicator has no roll-up yet; a switched-off one stops being
            # followed, so switching it back on needs a recount too.
            self.counted_rule = dict(RECOUNT_PENDING)
        elif not self.counted_rule:
            # Seeded: the roll-up was counted with the rule stored until now.
            stored = type(self).objects.filter(pk=self.pk).first()
            self.counted_rule = stored.rule_fingerprint() if stored else dict(RECOUNT_PENDING)
        super().save(*args, **kwargs)

    def rule_fingerprint(self) -> dict[str, Any]:
        return counting.rule_fingerprint(self.rule())

    @property
    def needs_recount(self) -> bool:
        return (
            self.active and bool(self.counted_rule) and self.counted_rule != self.rule_fingerprint()
        )

    def rule(self) -> counting.Rule:
        return counting.Rule(
            indicator_id=self.pk,
            kinds=tuple(self.certificate_kinds),
            target_group=self.target_group_id or "",
            achievement_prefix=self.achievement_prefix,
            min_level=self.min_level_code,
            per_achievement=self.per_achievement,
        )


class IndicatorTarget(models.Model):
    """A milestone: a percentage (for percent indicators) or a number, due by a year."""

    indicator = models.ForeignKey(
        IndicatorDefinition, on_delete=models.CASCADE, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    value = models.DecimalField(_("chỉ tiêu"), max_digits=12, decimal_places=2)
    source = models.CharField(_("nguồn"), max_length=200, blank=True)

    class Meta:
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="indicator_target_once")
        ]
        verbose_name = _("mục tiêu")
        verbose_name_plural = _("mục tiêu")

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}: {self.value}"


class DenominatorImport(models.Model):
    """One accepted file of denominators: who loaded it, from which source, dated when."""

    file_name = models.CharField(_("tệp"), max_length=200)
    source = models.CharField(_("nguồn số liệu"), max_length=300)
    as_of = models.DateField(_("số liệu tính đến ngày"))
    rows = models.PositiveIntegerField(_("số dòng"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(_("nhập lúc"), default=timezone.now)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("lần nhập mẫu số")
        verbose_name_plural = _("lần nhập mẫu số")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.as_of})"


class Denominator(models.Model):
    """A population, enrolment or staff figure for one commune (or, with no commune, the
    whole province). Estimates stay marked as estimates wherever they are shown."""

    kind = models.CharField(_("loại mẫu số"), max_length=20, choices=DenominatorKind.choices)
    commune = models.ForeignKey(
        Commune,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("xã, phường (để trống: toàn tỉnh)"),
    )
    value = models.PositiveIntegerField(_("số lượng"))
    is_estimate = models.BooleanField(_("là số ước tính"), default=True)
    source = models.CharField(_("nguồn số liệu"), max_length=300)
    as_of = models.DateField(_("số liệu tính đến ngày"))
    batch = models.ForeignKey(
        DenominatorImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["kind", "commune"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "commune"], name="denominator_once_per_commune"
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(commune__isnull=True),
                name="denominator_once_per_province",
            ),
        ]
        verbose_name = _("mẫu số")
        verbose_name_plural = _("mẫu số")

    def __str__(self) -> str:
        return f"{self.kind} {self.commune_id or '*'}: {self.value}"


class QualificationSegment(models.Model):
    """A span of time during which one subject (a person, or a person in one contest)
    qualifies for an indicator, at one level, in one commune. A subject's segments never
    overlap, which is what makes "a person counts once" hold as the roll-up changes."""

    indicator = models.ForeignKey(IndicatorDefinition, on_delete=models.CASCADE, related_name="+")
    participant_id = models.BigIntegerField(db_index=True)
    subject = models.CharField(max_length=40)
    level_code = models.CharField(max_length=8)
    commune_code = models.CharField(max_length=5)
    target_group_code = models.CharField(max_length=20)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["indicator", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.indicator_id}:{self.subject} {self.level_code} {self.valid_from}"


class IndicatorRollup(models.Model):
    """The number of subjects counted in one cell. Kept current by the certificate hook
    (indicators/services.py) and rebuilt from scratch by `manage.py indicators_rebuild`."""

    indicator = models.ForeignKey(IndicatorDefinition, on_delete=models.CASCADE, related_name="+")
    commune_code = models.CharField(max_length=5)
    target_group_code = models.CharField(max_length=20)
    level_code = models.CharField(max_length=8)
    period = models.CharField(max_length=8)  # "2025-Q3", "2025-H2", "2025", "ALL"
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "commune_code", "target_group_code", "level_code", "period"],
                name="indicator_rollup_cell",
            )
        ]
        indexes = [models.Index(fields=["period", "indicator"])]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.commune_code} {self.period}: {self.count}"


__all__ = [
    "Denominator",
    "DenominatorImport",
    "DenominatorKind",
    "IndicatorDefinition",
    "IndicatorRollup",
    "IndicatorTarget",
    "QualificationSegment",
]
