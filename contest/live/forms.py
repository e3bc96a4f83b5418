"""Forms of the live-game pages: the PIN, a player's nickname and team, a new game."""

from __future__ import annotations

import random
import secrets
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.models import Commune, School
from contest.live import services
from contest.live.commands import MAX_NICKNAME_LENGTH, MAX_TEAM_LENGTH
from contest.live.models import PIN_DIGITS, LiveContest, LiveGame
from contest.live.moderation import is_blocked
from question_banks.models import Competence, QuestionVersion, Tag

MIN_TIME_SECONDS, MAX_TIME_SECONDS = 5, 120
MAX_READ_SECONDS = 30
MAX_QUESTIONS = 50
SHOWN_QUESTIONS = 200  # the list to tick from; the filter narrows it


def _digits(value: str) -> str:
    return "".join(value.split())


class PinForm(forms.Form):
    pin = forms.CharField(
        label=gettext_lazy("Mã PIN"),
        max_length=PIN_DIGITS + 4,  # room for the spaces people type between digits
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "autocapitalize": "off",
                "class": "live-pin-input",
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.game: LiveGame | None = None

    def clean_pin(self) -> str:
        pin = _digits(self.cleaned_data["pin"])
        if len(pin) != PIN_DIGITS or not pin.isdigit():
            raise forms.ValidationError(_("Mã PIN gồm 6 chữ số, hãy nhìn lên màn hình lớn."))
        self.game = joinable_game(pin)
        if self.game is None:
            raise forms.ValidationError(_("Không có trò chơi nào đang mở với mã PIN này."))
        return pin


def joinable_game(pin: str) -> LiveGame | None:
    """The open game with this PIN (PINs are unique among games not finished)."""
    return LiveGame.objects.filter(pin=pin, status=LiveGame.Status.OPEN).first()


class JoinForm(forms.Form):
    """A nickname, and a team when the game's team mode asks for one."""

    nickname = forms.CharField(
        label=gettext_lazy("Biệt danh của bạn"),
        max_length=MAX_NICKNAME_LENGTH,
        help_text=gettext_lazy("Tên này hiện trên màn hình lớn. Hãy chọn tên lịch sự."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname", "autocapitalize": "words"}),
    )

    def __init__(self, game: LiveGame, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.game = game
        mode = game.team_mode
        if mode == LiveGame.TeamMode.SCHOOL:
            schools = School.objects.select_related("commune").order_by("commune", "name")
            if game.venue_commune_id:
                schools = schools.filter(commune_id=game.venue_commune_id)
            self.fields["team"] = forms.ModelChoiceField(
                label=_("Trường của bạn"), queryset=schools, empty_label="—"
            )
        elif mode == LiveGame.TeamMode.COMMUNE:
            self.fields["team"] = forms.ModelChoiceField(
                label=_("Xã, phường của bạn"), queryset=Commune.objects.all(), empty_label="—"
            )
        elif mode == LiveGame.TeamMode.FREE:
            self.fields["team"] = forms.CharField(label=_("Tên đội"), max_length=MAX_TEAM_LENGTH)

    def clean_nickname(self) -> str:
        nickname = " ".join(self.cleaned_data["nickname"].split())
        if not nickname:
            raise forms.ValidationError(services.reject_message("nickname_invalid"))
        if is_blocked(nickname):
            raise forms.ValidationError(services.reject_message("nickname_blocked"))
        return nickname

    def team(self) -> tuple[str | None, str | None, int | None]:
        """(team name, commune code, school id) for services.join; a commune's key is
        its official code."""
        value = self.cleaned_data.get("team")
        if isinstance(value, School):
            return value.name, value.commune_id, value.pk
        if isinstance(value, Commune):
            return value.name, value.code, None
        if isinstance(value, str) and value.strip():
            return value, None, None
        return None, None, None


def playable_versions() -> QuerySet[QuestionVersion]:
    """Published questions a live game can play (no ordering: no time to drag)."""
    return QuestionVersion.objects.filter(
        status=QuestionVersion.Status.PUBLISHED, type__in=services.SUPPORTED_TYPES
    ).select_related("question", "competence")


class QuestionFilterForm(forms.Form):
    """Narrows the list of questions to tick (a GET form above the game form)."""

    competence = forms.ModelChoiceField(
        label=gettext_lazy("Năng lực"), queryset=Competence.objects.all(), required=False
    )
    tag = forms.ModelChoiceField(
        label=gettext_lazy("Nhãn"), queryset=Tag.objects.all(), required=False
    )
    search = forms.CharField(label=gettext_lazy("Tìm trong nội dung"), required=False)

    def versions(self) -> QuerySet[QuestionVersion]:
        versions = playable_versions()
        if not self.is_valid():
            return versions
        data = self.cleaned_data
        if data.get("competence"):
            versions = versions.filter(competence=data["competence"])
        if data.get("tag"):
            versions = versions.filter(tags=data["tag"])
        if data.get("search"):
            versions = versions.filter(stem__icontains=data["search"])
        return versions


if TYPE_CHECKING:  # ModelForm is generic for the type checker only
    _GameModelForm = forms.ModelForm[LiveGame]
else:
    _GameModelForm = forms.ModelForm


class LiveGameForm(_GameModelForm):
    """A new game: its settings and its questions (ticked, or drawn from the filter)."""

    questions = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Câu hỏi"),
        queryset=QuestionVersion.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    random_count = forms.IntegerField(
        label=gettext_lazy("Hoặc chọn ngẫu nhiên số câu từ danh sách đã lọc"),
        min_value=1,
        max_value=MAX_QUESTIONS,
        required=False,
        error_messages={
            "max_value": gettext_lazy("Một trò chơi có tối đa %(limit_value)s câu hỏi."),
            "min_value": gettext_lazy("Số câu ít nhất là %(limit_value)s."),
        },
    )
    new_live_contest = forms.CharField(
        label=gettext_lazy("Hoặc tạo cuộc thi nhiều điểm cầu mới (tên)"),
        max_length=200,
        required=False,
    )

    class Meta:
        model = LiveGame
        fields = [
            "title",
            "scoring_mode",
            "time_limit_seconds",
            "read_seconds",
            "team_mode",
            "venue",
            "venue_commune",
            "live_contest",
        ]

    def __init__(self, *args: Any, pool: QuerySet[QuestionVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool = pool  # what the filter shows; random draws come from here
        field = self.fields["questions"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = playable_versions()
        self.fields["time_limit_seconds"].widget.attrs.update(
            min=MIN_TIME_SECONDS, max=MAX_TIME_SECONDS
        )
        self.fields["read_seconds"].widget.attrs.update(min=0, max=MAX_READ_SECONDS)

    def shown(self) -> list[QuestionVersion]:
        """The ticked questions first (so a filter never hides them), then the filter's."""
        picked = self._picked_ids()
        ticked = list(playable_versions().filter(pk__in=picked))
        rest = self.pool.exclude(pk__in=picked)[:SHOWN_QUESTIONS]
        return ticked + list(rest)

    def _picked_ids(self) -> set[int]:
        if not isinstance(self.data, QueryDict):
            return set()
        return {int(v) for v in self.data.getlist("questions") if str(v).isdigit()}

    def clean_time_limit_seconds(self) -> int:
        value = int(self.cleaned_data["time_limit_seconds"])
        if not MIN_TIME_SECONDS <= value <= MAX_TIME_SECONDS:
            raise forms.ValidationError(
                _("Thời gian mỗi câu từ %(low)d đến %(high)d giây.")
                % {"low": MIN_TIME_SECONDS, "high": MAX_TIME_SECONDS}
            )
        return value

    def clean_read_seconds(self) -> int:
        value = int(self.cleaned_data["read_seconds"])
        if value > MAX_READ_SECONDS:
            raise forms.ValidationError(
                _("Thời gian đọc câu hỏi tối đa %(high)d giây.") % {"high": MAX_READ_SECONDS}
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        picked = list(data.get("questions") or [])
        count = data.get("random_count")
        if not picked and not count and "random_count" not in self.errors:
            raise forms.ValidationError(
                _("Hãy đánh dấu các câu hỏi, hoặc nhập số câu chọn ngẫu nhiên.")
            )
        if len(picked) > MAX_QUESTIONS:
            self.add_error(
                "questions",
                _("Một trò chơi có tối đa %(n)d câu hỏi.") % {"n": MAX_QUESTIONS},
            )
        if count and not picked and count > self.pool.count():
            self.add_error(
                "random_count",
                _("Chỉ có %(n)d câu phù hợp với bộ lọc.") % {"n": self.pool.count()},
            )
        if data.get("live_contest") and data.get("new_live_contest", "").strip():
            self.add_error(
                "new_live_contest",
                _("Chọn một cuộc thi có sẵn hoặc tạo mới, không chọn cả hai."),
            )
        return data

    def versions(self) -> list[QuestionVersion]:
        """The game's questions: the ticked ones in the bank's order, or a random draw."""
        picked = list(self.cleaned_data.get("questions") or [])
        if picked:
            return picked
        pool = list(self.pool)
        return random.SystemRandom().sample(pool, int(self.cleaned_data["random_count"]))

    def live_contest(self, *, created_by: Any) -> LiveContest | None:
        chosen: LiveContest | None = self.cleaned_data.get("live_contest")
        title = self.cleaned_data.get("new_live_contest", "").strip()
        if chosen is not None or not title:
            return chosen
        slug = f"{slugify(title)[:60] or 'truc-tiep'}-{secrets.token_hex(3)}"
        return LiveContest.objects.create(title=title, slug=slug, created_by=created_by)
