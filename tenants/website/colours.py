"""Brand colours must keep text readable: WCAG 2.1 AA asks for a contrast ratio of at least
4.5:1 between normal text and its background. The site writes white text on the primary colour
and uses the primary colour for links on white, so one check covers both."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
AA_NORMAL_TEXT = 4.5


def relative_luminance(hex_colour):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(first, second):
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def validate_brand_colour(value):
    if not HEX.match(value or ""):
        raise ValidationError(_("Write the colour as # and six hexadecimal digits, for example #1f4e79."))
    ratio = contrast_ratio(value, "#ffffff")
    if ratio < AA_NORMAL_TEXT:
        raise ValidationError(
            _(
                "White text on %(colour)s has a contrast of %(ratio).1f:1; it must be at least 4.5:1 "
                "to be readable (WCAG 2.1 AA). Choose a darker colour."
            )
            % {"colour": value, "ratio": ratio}
        )
