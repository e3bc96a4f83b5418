"""Nicknames on a projector: refuse the rude ones, offer friendly generated ones.

The check folds case and Vietnamese diacritics and compares whole words (and
words run together without spaces), so "Đ.M", "dm" or "ĐỊT" are caught, while an
ordinary name that merely contains the same letters ("Đinh Mai") is not. The
organiser can still kick anyone the list misses.
"""

from __future__ import annotations

import random
import re
import unicodedata

# Folded (no diacritics, lower case) words and short phrases not allowed in a
# nickname. Kept short and literal on purpose: a venue's organiser kicks the rest.
BLOCKED = frozenset(
    {
        "dit",
        "dm",
        "dmm",
        "dcm",
        "dkm",
        "vcl",
        "vkl",
        "vl",
        "cl",
        "clgt",
        "cc",
        "lon",
        "buoi",
        "cac",
        "cak",
        "dit me",
        "du ma",
        "dis me",
        "con cac",
        "cai lon",
        "do ngu",
        "oc cho",
        "thang cho",
        "con cho",
        "me may",
        "bo may",
        "fuck",
        "shit",
        "bitch",
    }
)

_SEPARATORS = re.compile(r"[^a-z0-9]+")

# Friendly generated names: a thing from Lào Cai's hills and a quality.
_NOUNS = (
    "Hoa Ban",
    "Hoa Đào",
    "Ruộng Bậc Thang",
    "Đỉnh Fansipan",
    "Mây Sa Pa",
    "Suối Hoa",
    "Cây Chè",
    "Trâu Vàng",
    "Ngựa Bạch",
    "Chim Sơn Ca",
    "Sóc Nâu",
    "Gấu Trúc",
    "Cá Hồi",
    "Hoa Tam Giác Mạch",
    "Thổ Cẩm",
    "Khèn Mông",
)
_QUALITIES = (
    "Nhanh Nhẹn",
    "Thông Minh",
    "Vui Vẻ",
    "Chăm Chỉ",
    "Dũng Cảm",
    "Tài Giỏi",
    "Sáng Tạo",
    "Kiên Trì",
    "Hiếu Học",
    "Tự Tin",
)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return stripped.casefold()


def is_blocked(nickname: str) -> bool:
    words = [w for w in _SEPARATORS.split(fold(nickname)) if w]
    if not words:
        return False
    joined = "".join(words)
    if joined in {b.replace(" ", "") for b in BLOCKED}:
        return True
    for size in (1, 2, 3):
        for i in range(len(words) - size + 1):
            if " ".join(words[i : i + size]) in BLOCKED:
                return True
    return False


def generated_nickname(rng: random.Random | None = None) -> str:
    rng = rng or random.SystemRandom()
    return f"{rng.choice(_NOUNS)} {rng.choice(_QUALITIES)} {rng.randint(10, 99)}"
