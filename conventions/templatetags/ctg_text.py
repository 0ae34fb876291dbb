"""Display the convention's texts: paragraphs, bullet lists, **bold** and *italic*.

The text is escaped first, so a user's HTML never reaches the page (or the PDF).
"""

import re

from django import template
from django.utils.formats import date_format
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

register = template.Library()

BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
ITALIC = re.compile(r"(?<![\*\w])\*(?!\s)(.+?)(?<!\s)\*(?![\*\w])", re.S)
BULLET = re.compile(r"^(\s*)- (.*)$")


def inline(text):
    return ITALIC.sub(r"<em>\1</em>", BOLD.sub(r"<strong>\1</strong>", text))


def render_block(lines):
    """One block of lines: runs of bullets become lists, other runs paragraphs."""
    runs = []
    for line in lines:
        is_bullet = bool(BULLET.match(line))
        if runs and runs[-1][0] == is_bullet:
            runs[-1][1].append(line)
        else:
            runs.append((is_bullet, [line]))
    return "".join(
        render_list(run) if is_bullet else "<p>" + "<br>".join(map(inline, run)) + "</p>"
        for is_bullet, run in runs
    )


def render_list(lines):
    """Bullet lines as nested lists, two spaces of indent per level."""
    html, depth = [], 0
    for line in lines:
        indent, item = BULLET.match(line).groups()
        level = 1 + len(indent) // 2
        while depth < level:
            html.append("<ul>")
            depth += 1
        while depth > level:
            html.append("</li></ul>")
            depth -= 1
        if html[-1] != "<ul>":
            html.append("</li>")
        html.append(f"<li>{inline(item)}")
    html.append("</li></ul>" * depth)
    return "".join(html)


@register.filter
def rich(value):
    """Escaped text as HTML paragraphs and lists."""
    blocks, current = [], []
    for line in escape(value or "").splitlines():
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return mark_safe("".join(render_block(block) for block in blocks))


# French typography ------------------------------------------------------------------------

NBSP = "\u00a0"  # espace insécable: before « : », inside « », before % and €
NNBSP = "\u202f"  # espace fine insécable: before ; ! ?, between groups of digits
TAG = re.compile(r"(<[^>]*>)")
# An entity, or an entity typed by the user (escaped: ``&amp;eacute;``), kept whole.
ENTITY = re.compile(r"&amp;#?\w+;|&(?:#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);")
PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
SPACING = [
    # "x" → « x », for quotes that open after a space and close before one
    (
        re.compile(r"(?<![^\s(\[])&quot;(?=\S)(.+?)(?<=\S)&quot;(?=$|[\s.,;:!?)\]])", re.S),
        f"«{NBSP}\\1{NBSP}»",
    ),
    (re.compile(r"«\s*"), f"«{NBSP}"),
    (re.compile(r"\s*»"), f"{NBSP}»"),
    (re.compile(r"[ \t\u00a0\u202f]*([;!?]+)(?=\s|$|[)»\ue000])"), f"{NNBSP}\\1"),
    (re.compile(r"(?<=[\w)»])[ \t\u00a0\u202f]*:(?=\s|$)"), f"{NBSP}:"),
    (re.compile(r"(?<=\d)[ \t\u00a0\u202f]*([%‰€])"), f"{NBSP}\\1"),
    (re.compile(r"(?<=\d)[ \t\u00a0](?=\d{3}(?!\d))"), NNBSP),  # 26 407 hectares
    (re.compile(r"\b([nN]°)[ \t]+(?=\w)"), f"\\1{NBSP}"),  # n° 82-213
]


def french_spacing(text):
    """Non-breaking spaces of French typography in escaped text (no tags): before ; ! ?
    (thin) and : (normal), inside « » (straight double quotes become them), before % and
    €, and between groups of digits. Entities such as ``&amp;`` are left intact."""
    entities = []

    def protect(match):
        entities.append(match[0])
        return f"\ue000{len(entities) - 1}\ue001"

    for pattern, replacement in SPACING[:1]:
        text = pattern.sub(replacement, text)
    text = ENTITY.sub(protect, text)
    for pattern, replacement in SPACING[1:]:
        text = pattern.sub(replacement, text)
    return PLACEHOLDER.sub(lambda match: entities[int(match[1])], text)


def typography(html):
    """``french_spacing`` applied to the text of escaped HTML, its tags left as they are."""
    return "".join(
        part if index % 2 else french_spacing(part)
        for index, part in enumerate(TAG.split(str(html)))
    )


@register.filter
def typo(value):
    """French typography on a value: escaped first unless it is already safe HTML (the
    output of ``rich``, for example), so that ``{{ text|rich|typo }}`` and
    ``{{ text|typo }}`` are both safe."""
    return mark_safe(typography(conditional_escape("" if value is None else value)))


@register.filter
def long_date(value):
    """« 1er janvier 2019 », « 20 décembre 2019 »; empty for no date."""
    if not value:
        return ""
    text = date_format(value, "j F Y")
    return f"1er{text[1:]}" if value.day == 1 else text
