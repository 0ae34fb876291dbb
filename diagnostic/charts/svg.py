"""A ``Drawing`` written as a self-contained SVG: no script, no link, no external font or
style; every text escaped by ElementTree and given its font (WeasyPrint falls back to a
serif font otherwise); labelled by its ``<title>`` and ``<desc>``; fills that stay
distinct in grey (lightness and patterns)."""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.utils.safestring import mark_safe

from .geometry import TEXT_COLOUR

FONT = "DejaVu Sans, sans-serif"
SVG_NS = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class Style:
    """A bar fill that stays distinct in grey: a lightness and a pattern."""

    colour: str
    pattern: str = ""  # "", "hatch", "dots" or "cross"
    ink: str = "#1a1a1a"


STYLES = [
    Style("#1f4e79"),
    Style("#f5b041", "hatch", "#7a4a00"),
    Style("#9fd18b", "dots", "#2d6a1f"),
    Style("#ffffff", "cross", "#444444"),
    Style("#8c8c8c"),
    Style("#d9d9d9", "hatch", "#333333"),
]

PATTERN_SHAPES = {
    "hatch": ["M0,8 L8,0", "M-2,2 L2,-2", "M6,10 L10,6"],
    "cross": ["M0,8 L8,0", "M-2,2 L2,-2", "M6,10 L10,6", "M0,0 L8,8", "M-2,6 L2,10", "M6,-2 L10,2"],
}


def number(value):
    """A coordinate, rounded to a tenth: ``12.5``, ``40``."""
    return f"{round(value, 1):g}"


CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def clean(text):
    """Text allowed in XML (ElementTree escapes markup but keeps control characters)."""
    return CONTROL_CHARACTERS.sub("", str(text))


def style_fill(slug, index):
    style = STYLES[index % len(STYLES)]
    return f"url(#{slug}-motif-{index % len(STYLES)})" if style.pattern else style.colour


def add_pattern(defs, slug, index):
    style = STYLES[index]
    pattern = ET.SubElement(
        defs,
        "pattern",
        {
            "id": f"{slug}-motif-{index}",
            "width": "8",
            "height": "8",
            "patternUnits": "userSpaceOnUse",
        },
    )
    ET.SubElement(pattern, "rect", {"width": "8", "height": "8", "fill": style.colour})
    if style.pattern == "dots":
        ET.SubElement(pattern, "circle", {"cx": "4", "cy": "4", "r": "1.6", "fill": style.ink})
    else:
        path = " ".join(PATTERN_SHAPES[style.pattern])
        ET.SubElement(pattern, "path", {"d": path, "stroke": style.ink, "stroke-width": "1.6"})


def svg_markup(drawing, *, slug, title, description):
    """The drawing as inline SVG: sized by its viewBox, labelled by its title and
    description, every text escaped."""
    ids = f"{slug}-titre {slug}-description"
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {number(drawing.width)} {number(drawing.height)}",
            "role": "img",
            "aria-labelledby": ids,
            # Sized by the viewBox and the class's rule in ctg.css and document.css: as
            # wide as the column, at most its own width (no width/height attributes, which
            # WeasyPrint would keep when the column is narrower, leaving blank space around
            # the chart; no style attribute, which the Content-Security-Policy refuses).
            "class": "chart",
        },
    )
    ET.SubElement(root, "title", {"id": f"{slug}-titre"}).text = clean(title)
    ET.SubElement(root, "desc", {"id": f"{slug}-description"}).text = clean(description)
    used = sorted({rect.style % len(STYLES) for rect in drawing.rects})
    if any(STYLES[index].pattern for index in used):
        defs = ET.SubElement(root, "defs")
        for index in used:
            if STYLES[index].pattern:
                add_pattern(defs, slug, index)
    size = {"width": number(drawing.width), "height": number(drawing.height)}
    ET.SubElement(root, "rect", {**size, "fill": "#ffffff"})
    for line in drawing.lines:
        ET.SubElement(
            root,
            "line",
            {
                "x1": number(line.x1),
                "y1": number(line.y1),
                "x2": number(line.x2),
                "y2": number(line.y2),
                "stroke": line.colour,
                "stroke-width": number(line.width),
            },
        )
    for rect in drawing.rects:
        ET.SubElement(
            root,
            "rect",
            {
                "x": number(rect.x),
                "y": number(rect.y),
                "width": number(rect.width),
                "height": number(rect.height),
                "fill": style_fill(slug, rect.style),
                "stroke": TEXT_COLOUR,
                "stroke-width": "0.8",
            },
        )
    for text in drawing.texts:
        attributes = {
            "x": number(text.x),
            "y": number(text.y),
            "font-family": FONT,
            "font-size": str(text.size),
            "fill": TEXT_COLOUR,
        }
        if text.anchor != "start":
            attributes["text-anchor"] = text.anchor
        if text.bold:
            attributes["font-weight"] = "bold"
        ET.SubElement(root, "text", attributes).text = clean(text.text)
    return mark_safe(ET.tostring(root, encoding="unicode"))  # every text escaped by ET
