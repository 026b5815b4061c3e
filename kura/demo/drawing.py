"""The demo's drawing kit: paper, ink, brush writing, light and shade, with Pillow.

Every function draws from the ``random.Random`` it is given, so a picture is the same on
every run (for a given Pillow and, for labels, the same installed font).
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, ImageOps

Color = tuple[int, int, int]
Point = tuple[float, float]


def noise(rng: random.Random, size: tuple[int, int], lo: int = 0, hi: int = 255) -> Image.Image:
    """Uniform noise in lo..hi (mode L), from the seeded generator."""
    w, h = size
    image = Image.frombytes("L", (w, h), rng.randbytes(w * h))
    if (lo, hi) != (0, 255):
        image = image.point([lo + (v * (hi - lo) + 127) // 255 for v in range(256)])
    return image


def cloud_noise(
    rng: random.Random, size: tuple[int, int], scale: int, octaves: int = 3
) -> Image.Image:
    """Smooth value noise (mode L, full range): ``octaves`` layers from ``scale`` px down."""
    w, h = size
    result = None
    for octave in range(octaves):
        cell = max(2, scale >> octave)
        small = noise(rng, (w // cell + 3, h // cell + 3))
        layer = small.resize((w + 2 * cell, h + 2 * cell), Image.Resampling.BICUBIC)
        layer = layer.crop((cell, cell, cell + w, cell + h))
        result = layer if result is None else Image.blend(result, layer, 0.33)
    return ImageOps.autocontrast(result, cutoff=1)


def add_grain(image: Image.Image, rng: random.Random, amount: int) -> Image.Image:
    """Add film/scanner grain of ±amount to every pixel."""
    n = noise(rng, image.size, 128 - amount, 128 + amount)
    if image.mode == "RGB":
        n = Image.merge("RGB", (n, n, n))
    return ImageChops.add(image, n, 1.0, -128)


def colorize(gray: Image.Image, dark: Color, light: Color, mid: Color | None = None) -> Image.Image:
    return ImageOps.colorize(gray, black=dark, white=light, mid=mid)


def vgradient(size: tuple[int, int], top: Color, bottom: Color) -> Image.Image:
    return colorize(Image.linear_gradient("L").resize(size), top, bottom)


def profile(values: Sequence[float], size: tuple[int, int], vertical: bool = False) -> Image.Image:
    """An L image varying along x (or y) through ``values`` (0..1), constant across."""
    data = [max(0, min(255, round(v * 255))) for v in values]
    strip = Image.new("L", (1, len(data)) if vertical else (len(data), 1))
    strip.putdata(data)
    return strip.resize(size, Image.Resampling.BILINEAR)


def cylinder(size: tuple[int, int], light_at: float = 0.32, ambient: float = 0.18) -> Image.Image:
    """Shading of a vertical cylinder lit from the left (mode L)."""
    values = []
    for i in range(64):
        u = (i + 0.5) / 64 * 2 - 1  # -1..1 across
        normal = math.asin(max(-1.0, min(1.0, u)))
        light = math.cos(normal - (light_at - 0.5) * math.pi)
        rim = 1 - abs(u) ** 6 * 0.5
        values.append(ambient + (1 - ambient) * max(0.0, light) ** 1.4 * rim)
    return profile(values, size)


def shaded(image: Image.Image, shade: Image.Image) -> Image.Image:
    """Multiply an RGB image by an L shading image."""
    return ImageChops.multiply(image, Image.merge("RGB", (shade, shade, shade)))


def blurred(image: Image.Image, radius: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius))


def paint(image: Image.Image, color: Color | int, mask: Image.Image, box=(0, 0)) -> None:
    """Paint a solid colour through an L mask (in place)."""
    image.paste(color, (box[0], box[1], box[0] + mask.width, box[1] + mask.height), mask)


def aged_paper(
    rng: random.Random,
    size: tuple[int, int],
    light: Color = (236, 225, 198),
    dark: Color = (204, 186, 148),
    grain: int = 6,
    fibres: int = 200,
) -> Image.Image:
    """Aged Japanese paper: mottled warm tone, fibres, a few foxing spots, fine grain."""
    w, h = size
    mottle = cloud_noise(rng, size, max(32, min(w, h) // 6), octaves=4)
    mottle = mottle.point(lambda v: 90 + v * 165 // 255)
    paper = colorize(mottle, dark, light)
    draw = ImageDraw.Draw(paper)
    for _ in range(fibres):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        length = rng.uniform(20, 90)
        angle = rng.uniform(0, math.pi)
        mix = rng.uniform(0.2, 0.7)
        color = tuple(round(a * mix + b * (1 - mix)) for a, b in zip(dark, light, strict=True))
        draw.line(
            [(x, y), (x + length * math.cos(angle), y + length * math.sin(angle))],
            fill=color,
            width=2,
        )
    spots = Image.new("L", size, 0)
    sd = ImageDraw.Draw(spots)
    for _ in range(rng.randint(3, 9)):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(6, 40)
        sd.ellipse((x - r, y - r * 0.8, x + r, y + r * 0.8), fill=rng.randint(40, 110))
    paint(paper, (160, 120, 70), blurred(spots, 8))
    return add_grain(paper, rng, grain) if grain else paper


def _bezier(p0: Point, p1: Point, p2: Point, n: int) -> list[Point]:
    points = []
    for i in range(n):
        t = i / (n - 1)
        a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t * t
        points.append((a * p0[0] + b * p1[0] + c * p2[0], a * p0[1] + b * p1[1] + c * p2[1]))
    return points


def _stroke(
    draw: ImageDraw.ImageDraw, rng: random.Random, p0: Point, p2: Point, width: float, fill: int
) -> None:
    """One brush stroke: a slightly curved line that starts with a blob and thins out."""
    dx, dy = p2[0] - p0[0], p2[1] - p0[1]
    bend = rng.uniform(-0.18, 0.18)
    control = ((p0[0] + p2[0]) / 2 - dy * bend, (p0[1] + p2[1]) / 2 + dx * bend)
    points = _bezier(p0, control, p2, 6)
    r = width * 0.5
    draw.ellipse((p0[0] - r, p0[1] - r, p0[0] + r, p0[1] + r), fill=fill)
    for i in range(5):
        w = max(1, round(width * (1 - 0.62 * i / 4)))
        draw.line([points[i], points[i + 1]], fill=fill, width=w)


def glyph(
    draw: ImageDraw.ImageDraw, rng: random.Random, cx: float, cy: float, s: float, width: float
) -> None:
    """A brush-written character: a few strokes in a cell of size ``s`` around (cx, cy)."""
    fill = rng.randint(190, 255)
    for _ in range(rng.randint(3, 7)):
        kind = rng.random()
        if kind < 0.4:  # horizontal, rising slightly
            y = cy + s * rng.uniform(-0.42, 0.42)
            p0 = (cx - s * rng.uniform(0.18, 0.48), y)
            p2 = (cx + s * rng.uniform(0.12, 0.48), y - s * rng.uniform(-0.02, 0.1))
        elif kind < 0.72:  # vertical
            x = cx + s * rng.uniform(-0.36, 0.36)
            p0 = (x, cy - s * rng.uniform(0.12, 0.5))
            p2 = (x + s * rng.uniform(-0.08, 0.08), cy + s * rng.uniform(0.05, 0.5))
        elif kind < 0.86:  # left-falling sweep
            p0 = (cx + s * rng.uniform(-0.1, 0.2), cy - s * rng.uniform(0.1, 0.4))
            p2 = (cx - s * rng.uniform(0.25, 0.5), cy + s * rng.uniform(0.2, 0.5))
        elif kind < 0.94:  # right-falling sweep
            p0 = (cx - s * rng.uniform(0.0, 0.2), cy + s * rng.uniform(-0.15, 0.15))
            p2 = (cx + s * rng.uniform(0.25, 0.5), cy + s * rng.uniform(0.3, 0.5))
        else:  # dot
            x, y = cx + s * rng.uniform(-0.3, 0.3), cy + s * rng.uniform(-0.4, 0.4)
            p0, p2 = (x, y), (x + s * 0.07, y + s * 0.12)
        _stroke(draw, rng, p0, p2, width * rng.uniform(0.7, 1.25), fill)


def brush_columns(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    box: tuple[float, float, float, float],
    pitch: float,
    char: float,
    width: float,
    fill: float = 1.0,
    on_column: Callable[[float, float], None] | None = None,
) -> None:
    """Vertical columns of brush characters filling ``box`` from right to left.

    ``fill`` is the share of the box's columns that are written; a column may end early,
    start indented, or be a pair of small annotation columns. ``on_column(x, y_end)`` is
    called after each column (for seals and marks)."""
    x0, y0, x1, y1 = box
    count = int((x1 - x0) // pitch)
    written = max(1, round(count * fill))
    for c in range(written):
        cx = x1 - pitch * (c + 0.5)
        top = y0 + (char * rng.choice((0, 0, 0, 1, 2)))
        bottom = y1 if rng.random() < 0.65 else y0 + (y1 - y0) * rng.uniform(0.25, 0.95)
        if rng.random() < 0.12:  # 割注: two small columns side by side
            for dx in (-pitch * 0.2, pitch * 0.2):
                _column(draw, rng, cx + dx, top, bottom, char * 0.5, width * 0.55)
        else:
            _column(draw, rng, cx, top, bottom, char, width)
        if on_column:
            on_column(cx, bottom)


def _column(draw, rng, cx: float, top: float, bottom: float, char: float, width: float) -> None:
    y = top
    while True:
        s = char * rng.uniform(0.7, 1.08)
        if y + s > bottom:
            break
        x = cx + char * rng.uniform(-0.06, 0.06)
        glyph(draw, rng, x, y + s / 2, s * 0.86, width)
        if rng.random() < 0.25:  # 連綿: a thin connecting stroke into the next character
            draw.line([(x, y + s * 0.85), (x + char * 0.05, y + s * 1.12)], fill=200, width=2)
        y += s * rng.uniform(1.0, 1.15)


_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-mincho.ttf",
)


@functools.cache
def _font_file() -> str | None:
    """A Japanese font if one is installed (labels are drawn as brush strokes otherwise)."""
    for name in _FONT_FILES:
        if Path(name).is_file():
            try:
                ImageFont.truetype(name, 20)
            except OSError:
                continue
            return name
    return None


def label(
    draw: ImageDraw.ImageDraw, rng: random.Random, text: str, cx: float, top: float, size: float
) -> None:
    """A vertical title: with a Japanese font when installed, else as brush characters.

    Draws on an L mask (ink = 255)."""
    name = _font_file()
    if name:
        font = ImageFont.truetype(name, round(size))
        y = top
        for ch in text:
            draw.text((cx, y + size / 2), ch, font=font, fill=255, anchor="mm")
            y += size * 1.05
        return
    y = top
    for _ in text:
        glyph(draw, rng, cx, y + size / 2, size * 0.9, max(3.0, size / 11))
        y += size * 1.05


def lay_ink(image: Image.Image, mask: Image.Image, color: Color | int, soften: float = 0.9) -> None:
    """Lay ink through a mask, softened so edges look absorbed by the paper."""
    paint(image, color, blurred(mask, soften) if soften else mask)


def drop_shadow(
    image: Image.Image, box: tuple[float, float, float, float], blur: float, strength: int
):
    """A soft drop shadow of a rectangle or ellipse box (in place)."""
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).rectangle(box, fill=strength)
    paint(image, (0, 0, 0) if image.mode == "RGB" else 0, blurred(mask, blur))


def ellipse_shadow(image: Image.Image, box, blur: float, strength: int) -> None:
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse(box, fill=strength)
    paint(image, (0, 0, 0) if image.mode == "RGB" else 0, blurred(mask, blur))


def backdrop(rng: random.Random, size: tuple[int, int], top: Color, bottom: Color) -> Image.Image:
    """A studio backdrop: a vertical gradient with a soft centre light and slight grain."""
    w, h = size
    image = vgradient(size, top, bottom)
    light = (
        Image.radial_gradient("L")
        .resize((w * 2, h * 2))
        .crop((w // 2, h // 3, w // 2 + w, h // 3 + h))
    )
    light = light.point(lambda v: 255 - v * 70 // 255)
    return add_grain(shaded(image, light), rng, 3)


def smooth_profile(points: Sequence[tuple[float, float]]) -> Callable[[float], float]:
    """A smooth function through (t, value) points (a Catmull-Rom spline)."""
    ts = [t for t, _ in points]
    vs = [v for _, v in points]

    def f(t: float) -> float:
        i = 0
        while i < len(ts) - 2 and t > ts[i + 1]:
            i += 1
        t0, t1 = ts[i], ts[i + 1]
        u = 0.0 if t1 == t0 else max(0.0, min(1.0, (t - t0) / (t1 - t0)))
        p0, p1, p2 = vs[max(0, i - 1)], vs[i], vs[i + 1]
        p3 = vs[min(len(vs) - 1, i + 2)]
        return 0.5 * (
            2 * p1
            + (p2 - p0) * u
            + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u * u
            + (3 * p1 - p0 - 3 * p2 + p3) * u**3
        )

    return f


def lathe(cx: float, y0: float, y1: float, half: Callable[[float], float], n: int = 160):
    """The outline polygon of a round vessel: half-width ``half(t)`` for t from top to bottom."""
    left = [(cx - half(i / n), y0 + (y1 - y0) * i / n) for i in range(n + 1)]
    right = [(2 * cx - x, y) for x, y in reversed(left)]
    return left + right
