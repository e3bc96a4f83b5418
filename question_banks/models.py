"""The competency framework and the question bank: questions, their immutable
published versions, options, translations, review comments and IRT parameters."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from community.models import TargetGroup


class Framework(models.Model):
    """A competency framework (e.g. Thông tư 02/2025) or a level scale, as editable data."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=200, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    description = models.TextField(_("mô tả"), blank=True)
    is_proposal = models.BooleanField(
        _("là đề xuất"), default=False, help_text=_("Chưa phải văn bản chính thức.")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("khung năng lực")
        verbose_name_plural = _("khung năng lực")

    def __str__(self) -> str:
        return self.name


class Domain(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="domains")
    code = models.CharField(_("mã"), max_length=10)
    name = models.CharField(_("tên"), max_length=200)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="domain_code_unique")
        ]
        verbose_name = _("miền năng lực")
        verbose_name_plural = _("miền năng lực")

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"


class Competence(models.Model):
    """A component competence. Codes are unique across the platform's taxonomy so a
    question is tagged by one code (`4.2`); the DigComp code and placement area ride along."""

    class Area(models.TextChoices):
        A0 = "A0", _("A0 Thiết bị & ứng dụng")
        A1 = "A1", _("A1 Thông tin")
        A2 = "A2", _("A2 Giao tiếp & dịch vụ công")
        A4 = "A4", _("A4 An toàn & chống lừa đảo")
        A5 = "A5", _("A5 Giải quyết vấn đề & thanh toán số")
        A6 = "A6", _("A6 Trí tuệ nhân tạo")

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="competences")
    code = models.CharField(_("mã"), max_length=10, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200, blank=True)
    digcomp_code = models.CharField(_("mã DigComp"), max_length=10, blank=True)
    placement_area = models.CharField(
        _("vùng nội dung xếp mức"), max_length=2, choices=Area.choices, blank=True
    )

    class Meta:
        ordering = ["domain__framework", "domain__order", "code"]
        verbose_name = _("năng lực thành phần")
        verbose_name_plural = _("năng lực thành phần")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Level(models.Model):
    """A level of a framework's scale; `cut_score` is its lower bound on the logit scale."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="levels")
    rank = models.PositiveSmallIntegerField(_("bậc"))
    code = models.CharField(_("mã"), max_length=10)
    name = models.CharField(_("tên"), max_length=80)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=80, blank=True)
    descriptor = models.TextField(_("mô tả"), blank=True)
    cut_score = models.FloatField(_("điểm cắt (logit)"), null=True, blank=True)

    class Meta:
        ordering = ["framework", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "rank"], name="level_rank_unique"),
            models.UniqueConstraint(fields=["framework", "code"], name="level_code_unique"),
        ]
        verbose_name = _("mức")
        verbose_name_plural = _("mức")

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    slug = models.SlugField(max_length=40, primary_key=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("nhãn")
        verbose_name_plural = _("nhãn")

    def __str__(self) -> str:
        return self.slug


class Question(models.Model):
    """A question's stable identity. Its content lives in versions; contests point at a
    version, so what a participant saw can always be shown again exactly."""

    key = models.SlugField(_("mã câu hỏi"), max_length=60, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    enemies = models.ManyToManyField(
        "self", symmetrical=True, blank=True, verbose_name=_("câu hỏi loại trừ nhau")
    )

    class Meta:
        ordering = ["key"]
        permissions = [
            ("review_question", _("Thẩm định và xuất bản câu hỏi")),
            ("import_questions", _("Nhập câu hỏi từ tệp")),
        ]
        verbose_name = _("câu hỏi")
        verbose_name_plural = _("câu hỏi")

    def __str__(self) -> str:
        return self.key

    def latest_version(self) -> QuestionVersion | None:
        return self.versions.order_by("-number").first()

    def published_version(self) -> QuestionVersion | None:
        return self.versions.filter(status=QuestionVersion.Status.PUBLISHED).first()


class ImmutableVersionError(Exception):
    """Raised when code tries to change the content of a version that left draft."""


class QuestionVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        IN_REVIEW = "in_review", _("Chờ thẩm định")
        PUBLISHED = "published", _("Đã xuất bản")
        RETIRED = "retired", _("Ngừng sử dụng")

    class Type(models.TextChoices):
        SINGLE = "single", _("Một đáp án đúng")
        MULTIPLE = "multiple", _("Nhiều đáp án đúng")
        TRUE_FALSE = "true_false", _("Đúng / Sai")
        ORDERING = "ordering", _("Sắp xếp thứ tự")
        IMAGE = "image", _("Câu hỏi hình ảnh")

    class IrtModel(models.TextChoices):
        RASCH = "rasch", "Rasch"
        TWO_PL = "2pl", "2PL"

    # Fields that make up what a participant sees; frozen once a version leaves draft.
    CONTENT_FIELDS: ClassVar[tuple[str, ...]] = (
        "type",
        "stem",
        "explanation",
        "competence_id",
        "image",
        "image_alt",
    )

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    type = models.CharField(_("loại câu hỏi"), max_length=12, choices=Type.choices)
    stem = models.TextField(_("nội dung câu hỏi"))
    explanation = models.TextField(_("giải thích"))
    competence = models.ForeignKey(
        Competence, on_delete=models.PROTECT, related_name="versions", verbose_name=_("năng lực")
    )
    target_groups = models.ManyToManyField(TargetGroup, verbose_name=_("nhóm đối tượng"))
    tags = models.ManyToManyField(Tag, blank=True, verbose_name=_("nhãn"))
    difficulty_estimate = models.FloatField(_("độ khó ước lượng (logit)"), default=0.0)
    low_literacy = models.BooleanField(_("dành cho người ít đọc"), default=False)
    image = models.FileField(_("hình ảnh"), upload_to="questions/", blank=True)
    image_alt = models.CharField(_("mô tả hình ảnh"), max_length=500, blank=True)
    as_of = models.DateField(_("thông tin tính đến ngày"), null=True, blank=True)
    source = models.CharField(_("nguồn"), max_length=300, blank=True)

    irt_model = models.CharField(max_length=6, choices=IrtModel.choices, default=IrtModel.RASCH)
    irt_b = models.FloatField(_("độ khó b"), default=0.0)
    irt_a = models.FloatField(_("độ phân biệt a"), default=1.0)
    irt_sample_size = models.PositiveIntegerField(_("cỡ mẫu hiệu chỉnh"), default=0)
    irt_calibrated_at = models.DateTimeField(_("hiệu chỉnh lúc"), null=True, blank=True)

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    # What was last read from or written to the database, to guard frozen content.
    _loaded: dict[str, Any]
    _loaded_status: str

    class Meta:
        ordering = ["question__key", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="version_number_unique"),
            models.UniqueConstraint(
                fields=["question"],
                condition=models.Q(status="published"),
                name="one_published_version_per_question",
            ),
        ]
        verbose_name = _("phiên bản câu hỏi")
        verbose_name_plural = _("phiên bản câu hỏi")

    def __str__(self) -> str:
        return f"{self.question.key} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.is_locked_in_db and any(
            getattr(self, field) != value for field, value in self._loaded.items()
        ):
            raise ImmutableVersionError(f"{self} is {self._loaded_status}; edit a new version")
        super().save(*args, **kwargs)
        # Keep guarding this instance after it leaves draft, as if freshly loaded.
        self._loaded = {f: getattr(self, f) for f in self.CONTENT_FIELDS}
        self._loaded_status = self.status

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> QuestionVersion:
        instance = super().from_db(db, field_names, values)
        instance._loaded = {f: getattr(instance, f) for f in cls.CONTENT_FIELDS if f in field_names}
        instance._loaded_status = instance.status
        return instance

    @property
    def is_locked_in_db(self) -> bool:
        return getattr(self, "_loaded_status", self.Status.DRAFT) != self.Status.DRAFT

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_calibrated(self) -> bool:
        return self.irt_calibrated_at is not None


class Option(models.Model):
    """An answer option. For ordering questions `position` is the correct order."""

    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(_("phương án"), max_length=500)
    is_correct = models.BooleanField(_("đúng"), default=False)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="option_position_unique")
        ]
        verbose_name = _("phương án")
        verbose_name_plural = _("phương án")

    def __str__(self) -> str:
        return self.text

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.version.is_locked_in_db:
            raise ImmutableVersionError(f"options of {self.version} are frozen")
        super().save(*args, **kwargs)


class Translation(models.Model):
    """A question version in another language; Vietnamese is always the source."""

    class ReviewState(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        NEEDS_REVIEW = "needs_review", _("Cần người bản ngữ duyệt")
        REVIEWED = "reviewed", _("Đã duyệt")

    version = models.ForeignKey(
        QuestionVersion, on_delete=models.CASCADE, related_name="translations"
    )
    language = models.CharField(_("ngôn ngữ"), max_length=10, choices=settings.CONTENT_LANGUAGES)
    stem = models.TextField(_("nội dung câu hỏi"))
    explanation = models.TextField(_("giải thích"), blank=True)
    options = models.JSONField(_("phương án"), default=list)
    review_state = models.CharField(
        _("trạng thái duyệt"),
        max_length=12,
        choices=ReviewState.choices,
        default=ReviewState.NEEDS_REVIEW,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["version", "language"]
        constraints = [
            models.UniqueConstraint(fields=["version", "language"], name="translation_unique")
        ]
        verbose_name = _("bản dịch")
        verbose_name_plural = _("bản dịch")

    def __str__(self) -> str:
        return f"{self.version} [{self.language}]"


class ReviewComment(models.Model):
    class Decision(models.TextChoices):
        COMMENT = "comment", _("Góp ý")
        APPROVE = "approve", _("Duyệt và xuất bản")
        REQUEST_CHANGES = "request_changes", _("Yêu cầu sửa")
        RETIRE = "retire", _("Ngừng sử dụng")

    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.COMMENT)
    body = models.TextField(_("nhận xét"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("nhận xét thẩm định")
        verbose_name_plural = _("nhận xét thẩm định")

    def __str__(self) -> str:
        return f"{self.version}: {self.get_decision_display()}"


class ReadAloudClip(models.Model):
    """A question version read aloud in one language: generated ahead of time by
    `manage.py questions_audio`, or recorded by an author. A recorded clip wins.

    `text_hash` fingerprints the words spoken (see `read_aloud.script`), so a page finds
    the clip that matches exactly the text it shows, and a changed text is never read
    with old audio."""

    class Kind(models.TextChoices):
        RECORDED = "recorded", _("Ghi âm của tác giả")
        GENERATED = "generated", _("Giọng đọc máy")

    version = models.ForeignKey(
        QuestionVersion, on_delete=models.CASCADE, related_name="read_aloud_clips"
    )
    language = models.CharField(_("ngôn ngữ"), max_length=10, choices=settings.CONTENT_LANGUAGES)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("tệp âm thanh"), upload_to="read_aloud/")
    text_hash = models.CharField(max_length=64, db_index=True)
    # Generated clips: the synthesis settings, so a change of voice regenerates.
    voice = models.CharField(max_length=120, blank=True)
    # Generated clips: [option rank, start ms, end ms] for each option, ranks counted
    # in the options' creation order, so a page can follow along in its own order.
    cues = models.JSONField(default=list, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "language", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "language", "kind"], name="read_aloud_clip_unique"
            )
        ]
        verbose_name = _("bản đọc câu hỏi")
        verbose_name_plural = _("bản đọc câu hỏi")

    def __str__(self) -> str:
        return f"{self.version} [{self.language}, {self.kind}]"

    @property
    def seconds(self) -> float:
        return self.duration_ms / 1000
