"""Chart geometry from plain numbers: round ticks, linear scales, and bar layouts that
place shapes (``Rect``, ``Text``, ``Line``) on a ``Drawing``, ready to be written as SVG."""

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from .formats import format_tick

WIDTH = 640  # user units; A4 portrait text width is about 170 mm, so 12 px print at ~9 pt
FONT_SIZE = 12
LINE_HEIGHT = 14
CHAR_WIDTH = 7.0  # DejaVu Sans at 12 px, on average: enough to keep labels from overlapping
TEXT_COLOUR = "#1a1a1a"
GRID_COLOUR = "#c8c8c8"


def nice_ticks(low, high, count=5):
    """Round tick values (steps of 1, 2, 2,5 or 5 × 10ⁿ) covering ``low``…``high`` and 0,
    about ``count`` intervals: (0, 428) → 0, 100, … 500."""
    low, high = min(Decimal(low), Decimal(0)), max(Decimal(high), Decimal(0))
    if low == high:
        high = low + 1
    raw = (high - low) / count
    magnitude = Decimal(1).scaleb(raw.adjusted())
    step = next(m * magnitude for m in (1, 2, Decimal("2.5"), 5, 10) if m * magnitude >= raw)
    start = (low / step).to_integral_value(ROUND_FLOOR) * step
    end = (high / step).to_integral_value(ROUND_CEILING) * step
    return [start + index * step for index in range(int((end - start) / step) + 1)]


def tick_decimals(ticks):
    """Decimals needed to print ticks (2,5 → 1), never more than 2."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else Decimal(1)
    return min(2, max(0, -step.normalize().as_tuple().exponent))


@dataclass(frozen=True)
class Scale:
    """Linear map from values (the ticks' span) to positions in the drawing."""

    low: Decimal
    high: Decimal
    start: float
    end: float

    def __call__(self, value):
        ratio = (Decimal(value) - self.low) / (self.high - self.low)
        return self.start + float(ratio) * (self.end - self.start)


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    style: int  # index in STYLES


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    bold: bool = False
    size: int = FONT_SIZE


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str = GRID_COLOUR
    width: float = 1


@dataclass
class Drawing:
    width: float
    height: float = 0
    rects: list = field(default_factory=list)
    texts: list = field(default_factory=list)
    lines: list = field(default_factory=list)


@dataclass
class Series:
    """One coloured set of bars: a label (legend) and one value per category, with the
    text printed next to each bar."""

    label: str
    values: list  # Decimal or None (no data)
    texts: list


def text_width(text, size=FONT_SIZE):
    return len(text) * CHAR_WIDTH * size / FONT_SIZE


def wrap(text, width=30, max_lines=3):
    """Split a label into lines of about ``width`` characters; cut the last one with "…"."""
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return [line if len(line) <= width + 8 else line[: width + 7] + "…" for line in lines]


def draw_legend(drawing, labels, y=8):
    """A row of swatches and labels at the top, wrapping when wider than the drawing;
    returns the height it takes."""
    x, row = 8.0, 0
    for index, label in enumerate(labels):
        item_width = 14 + 6 + text_width(label) + 18
        if x > 8 and x + item_width > drawing.width - 8:
            x, row = 8.0, row + 1
        top = y + row * 20
        drawing.rects.append(Rect(x, top, 14, 14, index))
        drawing.texts.append(Text(x + 20, top + 11, label))
        x += item_width
    return (row + 1) * 20 + 8


def draw_value_axis(drawing, scale, ticks, top, bottom, unit):
    """Vertical grid lines at each tick, a darker line at 0, tick labels under the plot."""
    decimals = tick_decimals(ticks)
    for tick in ticks:
        x = scale(tick)
        colour, width = (TEXT_COLOUR, 1.2) if tick == 0 else (GRID_COLOUR, 1)
        drawing.lines.append(Line(x, top, x, bottom, colour, width))
        drawing.texts.append(
            Text(x, bottom + 16, format_tick(tick, unit, decimals), anchor="middle")
        )


def bar_span(scale, value):
    """Where a bar from 0 to ``value`` starts and how long it is (negative bars go left)."""
    zero, end = scale(0), scale(value)
    return min(zero, end), abs(end - zero)


def horizontal_bars(categories, series, unit, stacked=False, totals=None):
    """Bars along the x axis, one group per category (a label on the left, wrapped).

    Grouped: one bar per series, its text after its end. Stacked: one bar per category,
    one segment per series (positive to the right, negative to the left of 0), and
    ``totals`` printed after the bar.
    """
    drawing = Drawing(WIDTH)
    top = draw_legend(drawing, [s.label for s in series]) + 8
    label_lines = [wrap(category) for category in categories]
    label_width = min(230, max(text_width(line) for lines in label_lines for line in lines))
    value_texts = totals or [text for s in series for text in s.texts]
    margin = max(text_width(text) for text in value_texts) + 12
    if stacked:
        sums = [stack_extent(series, index) for index in range(len(categories))]
        low, high = min(s[0] for s in sums), max(s[1] for s in sums)
    else:
        present = [v for s in series for v in s.values if v is not None] or [Decimal(0)]
        low, high = min(present), max(present)
    plot_start = 16 + label_width + (margin if low < 0 else 0)
    ticks = nice_ticks(low, high)
    scale = Scale(ticks[0], ticks[-1], plot_start, WIDTH - margin)
    bar_height = 20 if stacked else 16
    bars = 1 if stacked else len(series)
    y = top
    for index, lines in enumerate(label_lines):
        group = max(bars * bar_height + (bars - 1) * 2, len(lines) * LINE_HEIGHT) + 12
        first_line = y + group / 2 - (len(lines) - 1) * LINE_HEIGHT / 2 + 4
        for number, line in enumerate(lines):
            drawing.texts.append(
                Text(plot_start - 8, first_line + number * LINE_HEIGHT, line, anchor="end")
            )
        bars_top = y + (group - bars * bar_height - (bars - 1) * 2) / 2
        if stacked:
            stack_bars(drawing, scale, series, index, bars_top, bar_height, totals[index])
        else:
            for number, one in enumerate(series):
                bar_y = bars_top + number * (bar_height + 2)
                draw_bar(drawing, scale, one.values[index], one.texts[index], bar_y, number)
        y += group
    draw_value_axis(drawing, scale, ticks, top, y, unit)
    drawing.height = y + 26
    return drawing


def draw_bar(drawing, scale, value, text, y, style, height=16):
    """One horizontal bar with its value after its end (before it when negative)."""
    if value is None:
        drawing.texts.append(Text(scale(0) + 4, y + height - 4, text))
        return
    x, width = bar_span(scale, value)
    drawing.rects.append(Rect(x, y, width, height, style))
    if value < 0:
        drawing.texts.append(Text(x - 4, y + height - 4, text, anchor="end"))
    else:
        drawing.texts.append(Text(x + width + 4, y + height - 4, text))


def stack_extent(series, index):
    values = [s.values[index] or 0 for s in series]
    return sum(v for v in values if v < 0), sum(v for v in values if v > 0)


def stack_bars(drawing, scale, series, index, y, height, total):
    """The segments of one stacked bar, from 0 outwards, and its total after it."""
    positive = negative = Decimal(0)
    for style, one in enumerate(series):
        value = one.values[index]
        if not value:
            continue
        if value > 0:
            start, positive = positive, positive + value
        else:
            start, negative = negative, negative + value
        x1, x2 = sorted((scale(start), scale(start + value)))
        drawing.rects.append(Rect(x1, y, x2 - x1, height, style))
    drawing.texts.append(Text(scale(positive) + 4, y + height - 5, total, bold=True))


def vertical_bars(categories, series, unit, height=320):
    """Grouped vertical bars, one group per category (years) along the x axis, each bar
    with its value above it (below when negative)."""
    drawing = Drawing(WIDTH, height)
    top = draw_legend(drawing, [s.label for s in series]) + 20
    present = [v for s in series for v in s.values if v is not None] or [Decimal(0)]
    ticks = nice_ticks(min(present), max(present))
    decimals = tick_decimals(ticks)
    tick_texts = [format_tick(tick, unit, decimals) for tick in ticks]
    axis_width = max(text_width(text) for text in tick_texts) + 16
    bottom = height - 32
    scale = Scale(ticks[0], ticks[-1], bottom, top)
    left, right = axis_width, WIDTH - 16
    for tick, tick_text in zip(ticks, tick_texts, strict=True):
        y = scale(tick)
        colour, width = (TEXT_COLOUR, 1.2) if tick == 0 else (GRID_COLOUR, 1)
        drawing.lines.append(Line(left, y, right, y, colour, width))
        drawing.texts.append(Text(left - 6, y + 4, tick_text, anchor="end"))
    band = (right - left) / len(categories)
    bar_width = min(56, band * 0.7 / len(series))
    for index, category in enumerate(categories):
        group_left = (
            left + index * band + (band - bar_width * len(series) - 4 * (len(series) - 1)) / 2
        )
        for number, one in enumerate(series):
            x = group_left + number * (bar_width + 4)
            middle = x + bar_width / 2
            value = one.values[index]
            if value is None:
                drawing.texts.append(Text(middle, scale(0) - 6, "n.d.", anchor="middle"))
                continue
            y, length = bar_span(scale, value)
            drawing.rects.append(Rect(x, y, bar_width, length, number))
            label_y = y - 6 if value >= 0 else y + length + 16
            drawing.texts.append(Text(middle, label_y, one.texts[index], anchor="middle"))
        drawing.texts.append(
            Text(left + index * band + band / 2, bottom + 20, category, anchor="middle", bold=True)
        )
    return drawing
