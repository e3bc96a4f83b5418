"""The few pictures shown beside answer options and on the language switch, as an
inline SVG sprite: no icon font, no extra request, only the symbols a page uses.

Each drawing is 24 × 24, stroked in the text colour, so it follows contrast and
text size; icons are decorative (aria-hidden): the words beside them carry the meaning.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

DRAWINGS: dict[str, str] = {
    "check": '<path d="M4 12.5l5 5L20 6.5"/>',
    "cross": '<path d="M6 6l12 12M18 6L6 18"/>',
    "phone": '<rect x="7" y="2" width="10" height="20" rx="2"/><path d="M11 18h2"/>',
    "tablet": '<rect x="4" y="2" width="16" height="20" rx="2"/><path d="M11 18h2"/>',
    "computer": '<rect x="2" y="4" width="20" height="13" rx="2"/><path d="M8 21h8M12 17v4"/>',
    "call": (
        '<path d="M5 3h4l2 5-2.5 1.5a11 11 0 0 0 6 6L16 13l5 2v4a2 2 0 0 1-2 2'
        'A16 16 0 0 1 3 5a2 2 0 0 1 2-2z"/>'
    ),
    "message": '<path d="M3 5h18v12H9l-5 4v-4H3z"/>',
    "lock": '<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/>',
    "link": (
        '<path d="M10 14a4 4 0 0 0 6 0l3-3a4 4 0 0 0-6-6l-1 1'
        'M14 10a4 4 0 0 0-6 0l-3 3a4 4 0 0 0 6 6l1-1"/>'
    ),
    "money": '<rect x="2" y="6" width="20" height="12" rx="2"/><circle cx="12" cy="12" r="3"/>',
    "shield": '<path d="M12 2l8 3v6c0 5-3.5 9-8 11-4.5-2-8-6-8-11V5z"/>',
    "idcard": (
        '<rect x="2" y="5" width="20" height="14" rx="2"/><circle cx="8" cy="11" r="2"/>'
        '<path d="M5 16c1-2 5-2 6 0M14 10h5M14 14h4"/>'
    ),
    "camera": (
        '<rect x="2" y="7" width="20" height="13" rx="2"/><circle cx="12" cy="13.5" r="3.5"/>'
        '<path d="M8 7l2-3h4l2 3"/>'
    ),
    "globe": (
        '<circle cx="12" cy="12" r="10"/>'
        '<path d="M2 12h20M12 2a15 15 0 0 1 0 20M12 2a15 15 0 0 0 0 20"/>'
    ),
}


def icon(name: str) -> SafeString:
    """One use of a symbol; the page must carry it in its sprite."""
    return format_html(
        '<svg class="icon" aria-hidden="true" focusable="false"><use href="#i-{}"></use></svg>',
        name,
    )


def sprite(names: Iterable[str]) -> SafeString:
    """The symbols for `names`, once each, in a hidden SVG."""
    wanted = sorted({n for n in names if n in DRAWINGS})
    if not wanted:
        return SafeString("")
    symbols = format_html_join(
        "",
        '<symbol id="i-{}" viewBox="0 0 24 24">{}</symbol>',
        ((name, SafeString(DRAWINGS[name])) for name in wanted),
    )
    # Stroke and fill come from the .icon style of each use (inherited into it).
    return format_html(
        '<svg class="sprite" width="0" height="0" aria-hidden="true">{}</svg>', symbols
    )
