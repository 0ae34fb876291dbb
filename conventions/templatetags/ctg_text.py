"""Display the convention's texts: paragraphs, bullet lists, **bold** and *italic*.

The text is escaped first, so a user's HTML never reaches the page (or the PDF).
"""

import re

from django import template
from django.utils.html import escape
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
