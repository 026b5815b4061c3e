"""The demo's paper materials: the bound diary (指田日記), the register (宗門人別改帳) and
the large village map (村絵図)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from PIL import Image, ImageChops, ImageDraw

from kura.demo.drawing import (
    Color,
    Point,
    add_grain,
    aged_paper,
    backdrop,
    blurred,
    brush_columns,
    cloud_noise,
    colorize,
    drop_shadow,
    glyph,
    label,
    lay_ink,
    paint,
    profile,
    shaded,
)

# -- 指田日記: a bound diary, cover and open spreads ----------------------------------

_DIARY_SIZE = (2400, 1700)
DIARY_PAGES = 6


def diary_page(number: int) -> Callable[[random.Random], Image.Image]:
    def draw(rng: random.Random) -> Image.Image:
        if number == 1:
            return _book_cover(rng, _DIARY_SIZE, "指田日記", "天保五年", (74, 84, 100))
        return _book_spread(rng, _DIARY_SIZE, last=number == DIARY_PAGES)

    return draw


def _book_cover(
    rng: random.Random, size: tuple[int, int], title: str, subtitle: str, cover: Color
) -> Image.Image:
    """A closed Japanese bound book (fukuro-toji, four-hole binding on the right)."""
    w, h = size
    image = backdrop(rng, size, (70, 72, 76), (44, 46, 50))
    bw, bh = round(h * 0.68), round(h * 0.88)
    bx0, by0 = (w - bw) // 2, (h - bh) // 2
    bx1, by1 = bx0 + bw, by0 + bh
    drop_shadow(image, (bx0 + 14, by0 + 22, bx1 + 20, by1 + 26), 18, 150)
    # the page block shows at the bottom and left edges
    edge = aged_paper(rng, (bw, bh), (226, 214, 186), (196, 180, 146), grain=4, fibres=0)
    image.paste(edge, (bx0 - 6, by0 + 8))
    lines = ImageDraw.Draw(image)
    for i in range(6):
        lines.line([(bx0 - 6, by0 + 12 + i * 2), (bx0 - 6, by1 + 6)], fill=(180, 166, 134))
    tone = cloud_noise(rng, (bw, bh), bw // 3, octaves=4).point(lambda v: 110 + v * 145 // 255)
    dark = tuple(max(0, c - 34) for c in cover)
    light = tuple(min(255, c + 26) for c in cover)
    board = add_grain(colorize(tone, dark, light), rng, 5)
    pattern = ImageDraw.Draw(board)  # a faint woven/embossed diagonal pattern
    for k in range(-bh, bw, 26):
        pattern.line([(k, 0), (k + bh, bh)], fill=tuple(max(0, c - 8) for c in cover), width=2)
    board = blurred(board, 0.8)
    wear = Image.new("L", (bw, bh), 0)  # rubbed corners and edges
    ImageDraw.Draw(wear).rectangle((0, 0, bw - 1, bh - 1), outline=120, width=10)
    paint(board, (150, 140, 120), blurred(wear, 9))
    image.paste(board, (bx0, by0))
    draw = ImageDraw.Draw(image)
    # four-hole binding on the right edge
    hole_x = bx1 - round(bw * 0.055)
    holes = [by0 + bh * f for f in (0.08, 0.36, 0.64, 0.92)]
    thread = (222, 214, 196)
    draw.line([(hole_x, by0), (hole_x, by1)], fill=thread, width=7)
    for y in holes:
        draw.line([(hole_x, y), (bx1, y)], fill=thread, width=7)
        draw.ellipse((hole_x - 7, y - 7, hole_x + 7, y + 7), fill=(40, 36, 32))
    # title slip (daisen) near the top left, with the title brushed or printed on it
    sw, sh = round(bw * 0.16), round(bh * 0.5)
    sx0, sy0 = bx0 + round(bw * 0.07), by0 + round(bh * 0.06)
    slip = aged_paper(rng, (sw, sh), (238, 230, 206), (214, 200, 168), grain=4, fibres=30)
    ImageDraw.Draw(slip).rectangle((4, 4, sw - 5, sh - 5), outline=(120, 100, 80), width=3)
    image.paste(slip, (sx0, sy0))
    mask = Image.new("L", size, 0)
    md = ImageDraw.Draw(mask)
    char = min(sw * 0.62, (sh - 60) / (len(title) * 1.08))
    label(md, rng, title, sx0 + sw / 2, sy0 + 30, char)
    label(md, rng, subtitle, sx0 + sw + char * 0.6, sy0 + sh * 0.08, char * 0.42)
    lay_ink(image, mask, (26, 22, 20), 0.8)
    return image


def _book_spread(rng: random.Random, size: tuple[int, int], last: bool = False) -> Image.Image:
    """An open bound book: two pages of brushed columns, read right to left."""
    w, h = size
    image = backdrop(rng, size, (66, 68, 72), (42, 44, 48))
    bx0, by0, bx1, by1 = round(w * 0.06), round(h * 0.065), round(w * 0.94), round(h * 0.935)
    gutter = w / 2
    drop_shadow(image, (bx0 + 10, by0 + 20, bx1 + 16, by1 + 22), 20, 160)
    pw, ph = bx1 - bx0, by1 - by0
    paper = aged_paper(rng, (pw, ph))
    # page curvature: darker towards the gutter and slightly at the outer edges
    prof = []
    for i in range(96):
        u = i / 95
        d = abs(u - 0.5) * 2  # 0 at the gutter, 1 at the edges
        prof.append(min(1.0, 0.7 + 0.3 * d**0.35) * (1 - 0.1 * max(0.0, d - 0.93) / 0.07))
    paper = shaded(paper, profile(prof, (pw, ph)))
    image.paste(paper, (bx0, by0))
    draw = ImageDraw.Draw(image)
    for i in range(5):  # page-block edges at both sides
        draw.line(
            [(bx0 - 2 - i * 3, by0 + 6 + i), (bx0 - 2 - i * 3, by1 - 4 - i)], fill=(196, 182, 150)
        )
        draw.line(
            [(bx1 + 1 + i * 3, by0 + 6 + i), (bx1 + 1 + i * 3, by1 - 4 - i)], fill=(196, 182, 150)
        )
    draw.line([(gutter, by0), (gutter, by1)], fill=(150, 134, 104), width=3)
    mask = Image.new("L", size, 0)
    md = ImageDraw.Draw(mask)
    red = Image.new("L", size, 0)
    rd = ImageDraw.Draw(red)
    margin_x, margin_top, margin_bottom = pw * 0.045, ph * 0.08, ph * 0.07
    pitch = pw * 0.046
    char, width = pitch * 0.74, pitch * 0.075

    def mark(x: float, y_end: float) -> None:
        if rng.random() < 0.18:  # a red tick (合点) at the head of an entry
            y = by0 + margin_top - char * 0.6
            rd.arc(
                (x - char * 0.3, y - char * 0.3, x + char * 0.3, y + char * 0.3),
                200,
                340,
                fill=220,
                width=5,
            )

    right = (gutter + margin_x * 1.2, by0 + margin_top, bx1 - margin_x, by1 - margin_bottom)
    left = (bx0 + margin_x, by0 + margin_top, gutter - margin_x * 1.2, by1 - margin_bottom)
    brush_columns(md, rng, right, pitch, char, width, on_column=mark)
    brush_columns(md, rng, left, pitch, char, width, fill=0.35 if last else 1.0, on_column=mark)
    lay_ink(image, mask, (30, 26, 24), 0.9)
    lay_ink(image, red, (178, 52, 38), 0.9)
    return image


# -- 宗門人別改帳: a three-frame TIFF -------------------------------------------------

_REGISTER_SIZE = (1500, 2100)


def register(rng: random.Random) -> list[Image.Image]:
    cover = _book_cover(rng, _REGISTER_SIZE, "宗門人別改帳", "村方", (128, 88, 56))
    return [cover, _register_page(rng), _register_page(rng)]


def _register_page(rng: random.Random) -> Image.Image:
    """One page of a register: household entries with red seals under the names."""
    w, h = _REGISTER_SIZE
    image = backdrop(rng, (w, h), (66, 68, 72), (44, 46, 50))
    px0, py0, px1, py1 = round(w * 0.08), round(h * 0.05), round(w * 0.92), round(h * 0.95)
    drop_shadow(image, (px0 + 10, py0 + 16, px1 + 14, py1 + 18), 16, 150)
    image.paste(aged_paper(rng, (px1 - px0, py1 - py0), grain=2, fibres=120), (px0, py0))
    mask = Image.new("L", (w, h), 0)
    md = ImageDraw.Draw(mask)
    red = Image.new("L", (w, h), 0)
    rd = ImageDraw.Draw(red)
    pitch = (px1 - px0) * 0.085
    char = pitch * 0.66

    def seal(x: float, y_end: float) -> None:
        if rng.random() < 0.55:
            y = y_end + char * 0.2
            r = char * 0.42
            if rng.random() < 0.5:
                rd.ellipse((x - r, y, x + r, y + 2 * r), outline=230, width=5)
            else:
                rd.rectangle((x - r, y, x + r, y + 2 * r), outline=230, width=5)
            glyph(rd, rng, x, y + r, r * 1.2, 4)

    box = (px0 + 70, py0 + 110, px1 - 70, py1 - 260)
    brush_columns(md, rng, box, pitch, char, pitch * 0.08, on_column=seal)
    lay_ink(image, mask, (28, 24, 22), 0.8)
    lay_ink(image, red, (186, 48, 36), 0.7)
    return image


# -- 村絵図: a large coloured village map ---------------------------------------------

_EZU = (6000, 4500)


def _meander(
    rng: random.Random, x0: float, x1: float, y: float, amp: float, n: int = 90
) -> list[Point]:
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(3)]
    points = []
    for i in range(n + 1):
        t = i / n
        dy = sum(
            amp / (k + 1) * math.sin(t * math.pi * (k * 2 + 1.3) + phases[k]) for k in range(3)
        )
        points.append((x0 + (x1 - x0) * t, y + dy))
    return points


def _house(draw: ImageDraw.ImageDraw, x: float, y: float, s: float, roof: Color) -> None:
    ink = (52, 40, 30)
    draw.rectangle((x - s, y, x + s, y + s * 0.8), fill=(236, 226, 200), outline=ink, width=3)
    draw.polygon(
        [
            (x - s * 1.35, y + 4),
            (x + s * 1.35, y + 4),
            (x + s * 0.8, y - s * 0.75),
            (x - s * 0.8, y - s * 0.75),
        ],
        fill=roof,
        outline=ink,
    )


def village_map(rng: random.Random) -> Image.Image:
    w, h = _EZU
    paper = aged_paper(rng, (w, h), (232, 218, 182), (196, 172, 124), grain=3, fibres=2500)
    art = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(art)
    ink = (56, 44, 34)
    margin = 170
    hill_foot = 1650
    # fields and paddies of the plain, in irregular plots with ridges between them
    cols, rows = 22, 11
    grid = [
        [
            (
                margin
                + (w - 2 * margin) * c / cols
                + (rng.uniform(-40, 40) if 0 < c < cols else 0),
                hill_foot
                + 150
                + (h - margin - hill_foot - 150) * r / rows
                + (rng.uniform(-30, 30) if 0 < r < rows else 0),
            )
            for c in range(cols + 1)
        ]
        for r in range(rows + 1)
    ]
    paddy, field_, wood = (200, 214, 150), (232, 212, 140), (120, 150, 96)
    for r in range(rows):
        for c in range(cols):
            quad = [grid[r][c], grid[r][c + 1], grid[r + 1][c + 1], grid[r + 1][c]]
            kind = rng.random()
            near_stream = abs(r - 5.5) < 2
            color = (
                paddy
                if (near_stream and kind < 0.7) or kind < 0.2
                else field_
                if kind < 0.8
                else wood
            )
            d.polygon(quad, fill=color, outline=ink)
            xs, ys = [p[0] for p in quad], [p[1] for p in quad]
            x0, x1, y0, y1 = min(xs) + 30, max(xs) - 30, min(ys) + 26, max(ys) - 26
            if color == paddy:
                for y in range(round(y0), round(y1), 34):
                    for x in range(round(x0), round(x1), 60):
                        d.line([(x, y), (x + 26, y)], fill=(120, 150, 90), width=3)
            elif color == field_:
                for y in range(round(y0), round(y1), 40):
                    d.line([(x0, y), (x1, y + rng.uniform(-6, 6))], fill=(176, 150, 90), width=3)
            else:
                for _ in range(10):
                    x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
                    d.ellipse((x - 20, y - 20, x + 20, y + 20), fill=(80, 116, 70), outline=ink)
    # the Sayama Hills: rows of rounded hills drawn back to front, with trees on them
    for row in range(6):
        base = 520 + row * 220
        x = margin - rng.uniform(0, 300)
        while x < w - margin:
            hw, hh = rng.uniform(260, 520), rng.uniform(200, 360)
            g = rng.randint(-16, 16)
            fill = (110 + g, 146 + g, 96 + g)
            box = (x, base - hh, x + 2 * hw, base + hh)
            d.chord(box, 180, 360, fill=fill, outline=ink, width=5)
            for _ in range(int(hw / 40)):
                tx = rng.uniform(box[0] + 40, box[2] - 40)
                rel = (tx - (x + hw)) / hw
                ty = base - hh * math.sqrt(max(0.0, 1 - rel * rel)) * rng.uniform(0.2, 0.9)
                if rng.random() < 0.5:  # pine
                    d.polygon(
                        [(tx, ty - 46), (tx - 26, ty + 6), (tx + 26, ty + 6)],
                        fill=(62, 96, 64),
                        outline=ink,
                    )
                    d.line([(tx, ty + 6), (tx, ty + 22)], fill=ink, width=4)
                else:  # broadleaf
                    d.ellipse((tx - 24, ty - 30, tx + 24, ty + 10), fill=(86, 126, 76), outline=ink)
            x += hw * rng.uniform(1.0, 1.5)
    # streams from the valleys (谷戸) and the Zanbori River across the plain
    river = _meander(rng, margin, w - margin, hill_foot + 150 + (h - margin - hill_foot) * 0.5, 160)
    d.line(river, fill=(92, 124, 150), width=70, joint="curve")
    d.line(river, fill=(140, 172, 196), width=48, joint="curve")
    for k in range(7):
        x = margin + (w - 2 * margin) * (k + 0.5) / 7 + rng.uniform(-120, 120)
        phase = rng.uniform(0, 2 * math.pi)
        end_y = round(river[int((x - margin) / (w - 2 * margin) * 90)][1])
        stream = [
            (x + 50 * math.sin(y / 170 + phase) + 20 * math.sin(y / 53), y)
            for y in range(1100, end_y, 30)
        ]
        if len(stream) > 1:
            d.line(stream, fill=(92, 124, 150), width=20, joint="curve")
            d.line(stream, fill=(150, 180, 200), width=10, joint="curve")
    # the red road along the foot of the hills, with lanes branching south
    road = _meander(rng, margin, w - margin, hill_foot, 40)
    d.line(road, fill=(170, 62, 44), width=36, joint="curve")
    for k in range(9):
        x = margin + (w - 2 * margin) * (k + 0.5) / 9 + rng.uniform(-80, 80)
        lane = [(x + 60 * math.sin(y / 300 + k), y) for y in range(hill_foot, h - margin, 80)]
        d.line(lane, fill=(180, 80, 58), width=14, joint="curve")
    # villages strung along the road, each with a shrine gate and a temple
    villages = ["岸村", "三ツ木村", "横田村", "中藤村"]
    for i, _name in enumerate(villages):
        vx = margin + (w - 2 * margin) * (i + 0.5) / len(villages)
        for _ in range(26):
            x = vx + rng.uniform(-520, 520)
            y = hill_foot + rng.choice((-1, 1)) * rng.uniform(70, 230)
            _house(d, x, y, rng.uniform(22, 30), (120, 96, 70))
        tx, ty = vx + rng.uniform(-300, 300), hill_foot - 330
        d.line([(tx - 40, ty), (tx - 40, ty + 90)], fill=(200, 52, 36), width=10)
        d.line([(tx + 40, ty), (tx + 40, ty + 90)], fill=(200, 52, 36), width=10)
        d.line([(tx - 62, ty), (tx + 62, ty)], fill=(200, 52, 36), width=12)
        d.line([(tx - 50, ty + 22), (tx + 50, ty + 22)], fill=(200, 52, 36), width=7)
        _house(d, vx + rng.uniform(-200, 200), hill_foot - 420, 60, (70, 70, 76))
    # frame
    d.rectangle((margin - 60, margin - 60, w - margin + 60, h - margin + 60), outline=ink, width=10)
    d.rectangle((margin - 40, margin - 40, w - margin + 40, h - margin + 40), outline=ink, width=4)
    art = blurred(art, 0.8)
    image = ImageChops.multiply(paper, art)
    # labels on pasted paper slips (貼紙), the title at the top right, compass points
    slips = ImageDraw.Draw(image)
    mask = Image.new("L", (w, h), 0)
    md = ImageDraw.Draw(mask)

    def slip(x: float, y: float, text: str, size: float) -> None:
        sw, sh = size * 1.6, size * (len(text) * 1.05 + 0.8)
        slips.rectangle(
            (x - sw / 2, y, x + sw / 2, y + sh),
            fill=(242, 234, 212),
            outline=(150, 130, 100),
            width=3,
        )
        label(md, rng, text, x, y + size * 0.4, size)

    for i, name in enumerate(villages):
        slip(margin + (w - 2 * margin) * (i + 0.5) / len(villages) + 180, hill_foot - 560, name, 70)
    slip(w - margin - 160, margin + 80, "狭山丘陵南麓村絵図", 110)
    slip(w / 2, margin + 40, "北", 90)
    slip(w / 2, h - margin - 240, "南", 90)
    slip(margin + 100, h / 2, "西", 90)
    slip(w - margin - 100, h / 2, "東", 90)
    slip(river[30][0], river[30][1] + 90, "残堀川", 60)
    # a legend at the bottom left: paddy, field, road, water
    lx, ly = margin + 80, h - margin - 560
    slips.rectangle(
        (lx, ly, lx + 520, ly + 470), fill=(242, 234, 212), outline=(150, 130, 100), width=3
    )
    for k, color in enumerate(((200, 214, 150), (232, 212, 140), (170, 62, 44), (140, 172, 196))):
        slips.rectangle(
            (lx + 420 - k * 110, ly + 40, lx + 480 - k * 110, ly + 110),
            fill=color,
            outline=ink,
            width=3,
        )
        brush_columns(
            md, rng, (lx + 405 - k * 110, ly + 140, lx + 495 - k * 110, ly + 440), 90, 60, 7
        )
    lay_ink(image, mask, (34, 28, 24), 1.0)
    # fold creases: the map was kept folded in 4 × 3
    crease = Image.new("L", (w, h), 0)
    cd = ImageDraw.Draw(crease)
    for k in range(1, 4):
        cd.line([(w * k / 4, 0), (w * k / 4, h)], fill=120, width=10)
    for k in range(1, 3):
        cd.line([(0, h * k / 3), (w, h * k / 3)], fill=120, width=10)
    paint(image, (255, 250, 236), blurred(crease, 6))
    shadow = ImageChops.offset(crease, 8, 8)
    paint(image, (90, 70, 40), blurred(shadow.point(lambda v: v // 2), 5))
    return image
