"""Template helpers for reaching everyone: language tags and the icon sprite."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString

from community.languages import active_language, bcp47
from frontend_templates import icons
from frontend_templates.languages import page_language

register = template.Library()


@register.filter(name="bcp47")
def bcp47_filter(code: str) -> str:
    """Our language code as a valid lang="…" value."""
    return bcp47(code)


@register.simple_tag
def page_lang() -> str:
    return page_language(active_language())


@register.simple_tag
def icon(name: str) -> SafeString:
    return icons.icon(name)


@register.simple_tag
def icon_sprite(*groups: Iterable[str] | str) -> SafeString:
    """The sprite for every icon named, given as names or lists of names."""
    names: list[str] = []
    for group in groups:
        names.extend([group] if isinstance(group, str) else group)
    return icons.sprite(names)
