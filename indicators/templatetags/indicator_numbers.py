"""Number formatting for the indicator pages."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import get_format

register = template.Library()
TENTH = Decimal("0.1")


@register.filter
def one_decimal(value: float | None) -> str:
    """What `floatformat:1` writes (rounded half up, the language's decimal mark) at a
    fraction of its cost: a dashboard formats hundreds of rates."""
    if value is None:
        return ""
    rounded = Decimal(repr(float(value))).quantize(TENTH, rounding=ROUND_HALF_UP)
    return str(rounded).replace(".", str(get_format("DECIMAL_SEPARATOR")))
