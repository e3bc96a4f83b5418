"""People and places of Lào Cai: communes and wards, schools, organisations,
participants (with encrypted personal data), volunteers, staff scopes and the audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from community.fields import EncryptedTextField
from community.personal_data import keyed_hash, normalise_citizen_id, normalise_phone


class TargetGroup(models.Model):
    """The plan's four target groups; rows are seeded and their codes never change."""

    RESIDENT = "resident"
    STUDENT = "student"
    WORKER = "worker"
    PUBLIC_SERVANT = "public_servant"
    CODES = (RESIDENT, STUDENT, WORKER, PUBLIC_SERVANT)

    code = models.CharField(_("mã"), max_length=20, primary_key=True)
    name = models.CharField(_("tên"), max_length=120)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=120)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("nhóm đối tượng")
        verbose_name_plural = _("nhóm đối tượng")

    def __str__(self) -> str:
        return self.name


class Commune(models.Model):
    """A commune (xã) or ward (phường) of Lào Cai, with its official code (QĐ 19/2025/QĐ-TTg)."""

    class UnitType(models.TextChoices):
        WARD = "ward", _("Phường")
        COMMUNE = "commune", _("Xã")

    code = models.CharField(_("mã đơn vị"), max_length=5, primary_key=True)
    name = models.CharField(_("tên"), max_length=80)
    full_name = models.CharField(_("tên đầy đủ"), max_length=90)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=90)
    slug = models.SlugField(max_length=60, unique=True)
    unit_type = models.CharField(_("loại đơn vị"), max_length=10, choices=UnitType.choices)
    qd19_order = models.PositiveSmallIntegerField(_("số thứ tự trong QĐ 19/2025"), unique=True)
    former_districts = models.CharField(_("huyện cũ"), max_length=200, blank=True)
    former_province = models.CharField(_("tỉnh cũ"), max_length=60, blank=True)

    class Meta:
        ordering = ["qd19_order"]
        verbose_name = _("xã, phường")
        verbose_name_plural = _("xã, phường")

    def __str__(self) -> str:
        return self.full_name


class FormerUnit(models.Model):
    """A pre-1/7/2025 commune-level unit and the new unit it was merged into."""

    code = models.CharField(_("mã cũ"), max_length=5, primary_key=True)
    full_name = models.CharField(_("tên cũ"), max_length=90)
    district = models.CharField(_("huyện cũ"), max_length=90)
    province = models.CharField(_("tỉnh cũ"), max_length=60)
    change_type = models.CharField(_("hình thức sắp xếp"), max_length=40)
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="former_units", verbose_name=_("đơn vị mới")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("đơn vị hành chính cũ")
        verbose_name_plural = _("đơn vị hành chính cũ")

    def __str__(self) -> str:
        return f"{self.full_name} ({self.district}) → {self.commune.full_name}"


class School(models.Model):
    class Level(models.TextChoices):
        PRIMARY = "primary", _("Tiểu học")
        LOWER_SECONDARY = "lower_secondary", _("Trung học cơ sở")
        UPPER_SECONDARY = "upper_secondary", _("Trung học phổ thông")
        MULTI_LEVEL = "multi_level", _("Liên cấp")
        VOCATIONAL = "vocational", _("Giáo dục nghề nghiệp")
        HIGHER = "higher", _("Đại học, cao đẳng")

    name = models.CharField(_("tên trường"), max_length=160)
    level = models.CharField(_("cấp học"), max_length=20, choices=Level.choices)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="schools", verbose_name=_("xã, phường")
    )
    enrolment = models.PositiveIntegerField(_("số học sinh"), null=True, blank=True)

    class Meta:
        ordering = ["commune", "name"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "name"], name="school_unique_in_commune")
        ]
        verbose_name = _("trường học")
        verbose_name_plural = _("trường học")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A public agency, enterprise or cooperative whose staff or workers take part."""

    class Kind(models.TextChoices):
        AGENCY = "agency", _("Cơ quan, đơn vị nhà nước")
        ENTERPRISE = "enterprise", _("Doanh nghiệp")
        COOPERATIVE = "cooperative", _("Hợp tác xã")

    name = models.CharField(_("tên"), max_length=200)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("xã, phường"),
    )
    staff_count = models.PositiveIntegerField(_("số người lao động"), null=True, blank=True)

    class Meta:
        ordering = ["commune", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "name"], name="organisation_unique_in_commune"
            )
        ]
        verbose_name = _("cơ quan, doanh nghiệp")
        verbose_name_plural = _("cơ quan, doanh nghiệp")

    def __str__(self) -> str:
        return self.name


# The accessible-time grants an organiser or volunteer can give, in percent.
EXTRA_TIME_CHOICES = [
    (0, _("Không thêm")),
    (25, _("Thêm 25% (gấp 1,25 lần)")),
    (50, _("Thêm 50% (gấp 1,5 lần)")),
    (100, _("Thêm 100% (gấp đôi)")),
]


class Participant(models.Model):
    """A person who takes contests and tests. Citizen ID, phone and date of birth
    are encrypted at rest; their keyed hashes find and de-duplicate people."""

    class Gender(models.TextChoices):
        FEMALE = "female", _("Nữ")
        MALE = "male", _("Nam")
        OTHER = "other", _("Khác")

    full_name = models.CharField(_("họ và tên"), max_length=120)
    target_group = models.ForeignKey(
        TargetGroup, on_delete=models.PROTECT, verbose_name=_("nhóm đối tượng")
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="participants", verbose_name=_("xã, phường")
    )
    school = models.ForeignKey(
        School, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("trường")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("cơ quan, doanh nghiệp"),
    )
    class_name = models.CharField(_("lớp"), max_length=20, blank=True)
    student_code = models.CharField(_("mã học sinh"), max_length=30, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("năm sinh"), null=True, blank=True)
    gender = models.CharField(_("giới tính"), max_length=10, choices=Gender.choices, blank=True)
    ethnicity = models.CharField(_("dân tộc"), max_length=40, blank=True)
    preferred_language = models.CharField(
        _("ngôn ngữ ưu tiên"), max_length=10, choices=settings.CONTENT_LANGUAGES, default="vi"
    )
    # Set when the person (or a volunteer for them) picks a language, so a deliberate
    # "Tiếng Việt" is told apart from the default and follows them to any device.
    language_chosen_at = models.DateTimeField(_("chọn ngôn ngữ lúc"), null=True, blank=True)
    # Accessible time: extra time on every timed test, as a share of its normal time.
    extra_time_percent = models.PositiveSmallIntegerField(
        _("thời gian làm bài thêm"), choices=EXTRA_TIME_CHOICES, default=0, db_default=0
    )
    citizen_id = EncryptedTextField(_("số CCCD"), blank=True)
    citizen_id_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    phone = EncryptedTextField(_("số điện thoại"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    date_of_birth = EncryptedTextField(_("ngày sinh"), blank=True, help_text="YYYY-MM-DD")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("người tham gia")
        verbose_name_plural = _("người tham gia")

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Hashes always follow the plaintext, so look-ups can never go stale.
        self.clean()
        self.phone_hash = keyed_hash("phone", self.phone) if self.phone else ""
        self.citizen_id_hash = keyed_hash("cccd", self.citizen_id) if self.citizen_id else None
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.phone:
            self.phone = normalise_phone(self.phone)
        if self.citizen_id:
            self.citizen_id = normalise_citizen_id(self.citizen_id, birth_year=self.birth_year)

    @property
    def is_minor(self) -> bool:
        from django.utils import timezone

        return self.birth_year is not None and timezone.now().year - self.birth_year < 18

    @property
    def masked_phone(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-3:]}" if self.phone else ""


class StaffScope(models.Model):
    """Where a staff member's authority reaches: a commune or a school official sees
    only their own unit; no scope row means province-wide (for roles that allow it)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_scope"
    )
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, null=True, blank=True)
    school = models.ForeignKey(School, on_delete=models.CASCADE, null=True, blank=True)

    class Meta:
        verbose_name = _("phạm vi cán bộ")
        verbose_name_plural = _("phạm vi cán bộ")

    def __str__(self) -> str:
        return f"{self.user} @ {self.school or self.commune or '-'}"


class Volunteer(models.Model):
    """Someone who helps residents: the plan's 1-kèm-5 helpers get credit in reports."""

    class Kind(models.TextChoices):
        DIGITAL_AMBASSADOR = "dai_su_so", _("Đại sứ số")
        DIGITAL_NATIVE = "nguoi_ban_so", _("Người bản số")
        COMMUNITY_TEAM = "to_cnscd", _("Thành viên Tổ CNSCĐ")
        YOUTH = "youth", _("Đoàn viên thanh niên")
        TEACHER = "teacher", _("Giáo viên")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer"
    )
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, verbose_name=_("xã, phường"))
    participant = models.OneToOneField(
        Participant, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        verbose_name = _("tình nguyện viên")
        verbose_name_plural = _("tình nguyện viên")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_kind_display()})"


class AuditEvent(models.Model):
    """An append-only record of a sensitive action: who, what, when, why."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    action = models.CharField(max_length=60, db_index=True)
    target = models.CharField(max_length=200)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("nhật ký kiểm tra")
        verbose_name_plural = _("nhật ký kiểm tra")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target}"
