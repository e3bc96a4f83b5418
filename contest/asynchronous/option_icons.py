"""Which picture goes beside an answer option, for people who read little.

An icon the bank gives an option wins. Otherwise: a tick and a cross beside
"Đúng" and "Sai", and, on questions written for first-time smartphone users
(`low_literacy`), a picture of what the option is about (a call, a message, a
link, money…). Icons depict the topic of the words, never whether they are right:
"Chuyển tiền" and "Không chuyển tiền" get the same picture. Icons are chosen from
the Vietnamese original, so every translation gets the same ones.
"""

from __future__ import annotations

# First match wins: the more specific topics come first.
TOPICS: list[tuple[str, tuple[str, ...]]] = [
    ("lock", ("mật khẩu", "mã otp", "otp", "mã pin")),
    ("link", ("link", "đường dẫn", "liên kết")),
    ("call", ("gọi điện", "cuộc gọi", "gọi lại", "gọi cho", "gọi ngay")),
    ("message", ("tin nhắn", "nhắn tin", "sms")),
    ("shield", ("công an",)),
    ("money", ("chuyển tiền", "nộp tiền", "nạp tiền", "tiền cọc", "chuyển khoản", "ngân hàng")),
    ("idcard", ("căn cước", "cccd", "vneid")),
    ("camera", ("chụp ảnh", "máy ảnh", "camera")),
]
TRUE_FALSE = {"đúng": "check", "sai": "cross"}
ICON_NAMES = frozenset({"check", "cross", "phone", "tablet", "computer"} | {n for n, _ in TOPICS})


def option_icon(text: str, *, question_type: str, low_literacy: bool, given: str = "") -> str:
    """The icon name for one option, or "" for none."""
    if given in ICON_NAMES:
        return given
    words = " ".join(text.split()).casefold()
    if question_type == "true_false":
        return TRUE_FALSE.get(words, "")
    if not low_literacy:
        return ""
    for name, keys in TOPICS:
        if any(key in words for key in keys):
            return name
    return ""
