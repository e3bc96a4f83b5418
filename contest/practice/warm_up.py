"""The warm-up question ("Câu hỏi làm quen") before the first scored question of a
contest or a placement test: a first-time smartphone user tries tapping an answer
once, with nothing at stake. It is unscored and nothing is stored; the clock has
not started (contests) or barely matters (placement); anyone may skip it.

It asks which device the person is using, a question with no wrong answer, so it
teaches how to answer without testing anything."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

DONT_KNOW = "dont_know"


@dataclass(frozen=True)
class WarmUpOption:
    key: str
    text: str
    icon: str


@dataclass(frozen=True)
class WarmUp:
    stem: str
    options: list[WarmUpOption]
    picked: WarmUpOption | None = None
    dont_know: bool = False

    @property
    def answered(self) -> bool:
        return self.picked is not None or self.dont_know

    @property
    def icons(self) -> list[str]:
        return [o.icon for o in self.options]


def warm_up(answer: str = "") -> WarmUp:
    """The question, and what the person tapped if they did (`answer` is an option
    key, or DONT_KNOW; anything else counts as not yet answered)."""
    options = [
        WarmUpOption("phone", _("Điện thoại"), "phone"),
        WarmUpOption("tablet", _("Máy tính bảng"), "tablet"),
        WarmUpOption("computer", _("Máy tính"), "computer"),
    ]
    picked = next((o for o in options if o.key == answer), None)
    return WarmUp(
        stem=_("Bạn đang dùng máy nào để trả lời?"),
        options=options,
        picked=picked,
        dont_know=answer == DONT_KNOW,
    )
