"""What a question sounds like: the words spoken, in which order, and the fingerprint
that ties a clip to the exact text a page shows. Pure Python, no Django."""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SpokenQuestion:
    """The text of a question as shown, in one language. `options` are in the order the
    options were created (their ids ascending), which is the author's order; a page
    that shuffles its options still lists the same texts, so it finds the same clip."""

    type: str
    stem: str
    image_alt: str
    options: tuple[str, ...]

    @property
    def text_hash(self) -> str:
        content = [self.type, self.stem, self.image_alt, list(self.options)]
        encoded = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(encoded.encode()).hexdigest()


@dataclass(frozen=True)
class LeadIns:
    """The words a voice says before each part, in the voice's language."""

    question: str
    picture: str
    option: str


@dataclass(frozen=True)
class Segment:
    """One stretch of speech; `option` is the option's rank (creation order), or None
    for the stem and the picture's description."""

    text: str
    option: int | None = None


def spoken_order(question: SpokenQuestion) -> list[int]:
    """The author's order, except for ordering questions: there the author's order is
    the answer, so they are read in a fixed shuffle that is never the answer."""
    ranks = list(range(len(question.options)))
    if question.type != "ordering" or len(ranks) < 2:
        return ranks
    rng = random.Random(question.text_hash)
    while ranks == sorted(ranks):
        rng.shuffle(ranks)
    return ranks


def script(question: SpokenQuestion, words: LeadIns) -> list[Segment]:
    segments = [Segment(f"{words.question}. {speakable(question.stem)}")]
    if question.image_alt.strip():
        segments.append(Segment(f"{words.picture}: {speakable(question.image_alt)}"))
    for rank in spoken_order(question):
        segments.append(Segment(f"{words.option}: {speakable(question.options[rank])}", rank))
    return segments


_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def speakable(text: str) -> str:
    """One line of plain text: no control characters (which a synthesiser may take
    as commands), no line breaks."""
    return " ".join(_CONTROL.sub(" ", text).split())
