"""The demo's scans: one :class:`Scan` per file under ``scans/``, how it is drawn and saved."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from kura.demo.documents import DIARY_PAGES, diary_page, register, village_map
from kura.demo.objects import (
    ishiusu,
    jomon_sherd,
    kasuri_bolt,
    kasuri_closeup,
    senbakoki,
    temple_bell,
    tokoname_jar,
    tomi,
)
from kura.demo.scenes import satoyama, shishimai


@dataclass(frozen=True)
class Scan:
    """One scan file: where it goes under ``scans/``, how it is drawn and saved."""

    path: str
    draw: Callable[[random.Random], Image.Image | list[Image.Image]]
    save: dict = field(default_factory=dict)
    cost: float = 1.0  # rough drawing time, to start the slow ones first

    def images(self) -> list[Image.Image]:
        result = self.draw(random.Random(f"kura-demo:{self.path}"))
        return result if isinstance(result, list) else [result]

    def write(self, path: Path) -> None:
        """Draw and save atomically (a hidden ``.part`` file renamed into place)."""
        images = self.images()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.part")
        first, rest = images[0], images[1:]
        options = dict(self.save)
        if rest:
            options.update(save_all=True, append_images=rest)
        try:
            first.save(tmp, **options)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


def write_scans(jobs: list[tuple[Scan, Path]]) -> None:
    """Draw and save scans, a few at a time (Pillow releases the GIL while it resizes,
    filters and encodes, so threads make good use of several cores), heaviest first."""
    jobs = sorted(jobs, key=lambda job: -job[0].cost)
    workers = min(len(jobs), os.cpu_count() or 1, 4)
    if workers <= 1:
        for scan, path in jobs:
            scan.write(path)
        return
    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(scan.write, path) for scan, path in jobs]
        for future in futures:
            future.result()


_JPEG = {"format": "JPEG", "quality": 90, "optimize": True}
_PNG = {"format": "PNG", "optimize": False, "compress_level": 6}
_TIFF = {"format": "TIFF", "compression": "tiff_lzw"}

SCANS: list[Scan] = [
    *(Scan(f"指田日記/{n:02d}.jpg", diary_page(n), _JPEG) for n in range(1, DIARY_PAGES + 1)),
    Scan("村山大島紬/反物.jpg", kasuri_bolt, _JPEG),
    Scan("村山大島紬/絣の拡大.png", kasuri_closeup, _PNG, 1.2),
    Scan("真福寺梵鐘.tif", temple_bell, _TIFF),
    Scan("横中馬獅子舞_例大祭.jpg", shishimai, _JPEG, 1.7),
    Scan("人面装飾付土器.png", jomon_sherd, _PNG, 1.2),
    Scan("中世常滑窯大甕.jpg", tokoname_jar, _JPEG),
    Scan("村絵図.jpg", village_map, _JPEG, 4.5),
    Scan("狭山丘陵_里山.jpg", satoyama, _JPEG),
    Scan("民具/千歯扱き.jpg", senbakoki, _JPEG),
    Scan("民具/唐箕.png", tomi, _PNG),
    Scan("民具/石臼.jpg", ishiusu, _JPEG),
    Scan("宗門人別改帳.tif", register, _TIFF, 1.7),
]
