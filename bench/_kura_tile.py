"""One Kura tiling run, in its own process (started by ``bench/tiling.py``).

Usage: ``python bench/_kura_tile.py SOURCE STORE_ROOT --quality Q --workers W``

Decodes SOURCE the way ingest does and writes its whole level-0 tree into
``LocalStore(STORE_ROOT)`` under ``iiif/bench/1``, then prints one JSON line: which decoder
was used, the decode and pyramid times measured inside the process, and how many files the
pyramid writer says it wrote.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "iiif/bench/1"
SERVICE_ID = "http://127.0.0.1/iiif/bench/1"


def _decoder():
    """The function ingest decodes a page with for the tiler, and its name:
    ``ingest.pixels.load_pixels`` (pixels straight into an array), else
    ``ingest.images.load_page`` (a Pillow image), else plain Pillow, whichever this version
    of Kura has. Called before the clock starts on decoding, so imports are not in it."""
    try:
        from ingest.pixels import load_for_tiling
    except ImportError:
        pass
    else:  # a JPEG is decoded by write_pyramid itself, overlapped with tiling
        return lambda path: load_for_tiling(path, 0, 10**12), "ingest.pixels.load_for_tiling"
    try:
        from ingest.pixels import load_pixels
    except ImportError:
        pass
    else:
        return lambda path: load_pixels(path, 0, 10**12), "ingest.pixels.load_pixels"
    try:
        from ingest.images import load_page
    except ImportError:
        pass
    else:
        return lambda path: load_page(path, 0, 10**12), "ingest.images.load_page"
    from PIL import Image

    def pillow(path: Path) -> Image.Image:
        Image.MAX_IMAGE_PIXELS = None
        image = Image.open(path)
        image.load()
        return image

    return pillow, "PIL.Image.open+load"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("store", type=Path)
    parser.add_argument("--quality", type=int, default=90)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--tile", type=int, default=256)
    parser.add_argument("--sizes-max", type=int, default=1024)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    from archive.store import LocalStore
    from ingest.pyramid import write_pyramid

    decode, decoder = _decoder()
    imported = time.perf_counter()
    # as ingest does: a master JPEG is published as it is at full/max (where this version
    # of Kura can), handed over like the pixels, without a reference kept here
    try:
        from ingest.pixels import source_jpeg
    except ImportError:
        sources = []
    else:
        sources = [source_jpeg(args.source, 0)]
    pages = [decode(args.source)]  # write_pyramid frees each level: keep no reference here
    decoded = time.perf_counter()
    with LocalStore(args.store).tree(PREFIX) as tree:
        pyramid = functools.partial(
            write_pyramid,
            tile=args.tile,
            sizes_max=args.sizes_max,
            quality=args.quality,
            workers=args.workers,
        )
        if sources:
            result = pyramid(pages.pop(), tree, SERVICE_ID, source_jpeg=sources.pop())
        else:
            result = pyramid(pages.pop(), tree, SERVICE_ID)
    done = time.perf_counter()
    report = {
        "decoder": decoder,
        "size": [result.width, result.height],
        "workers": args.workers,
        "import_s": imported - started,
        "decode_s": decoded - imported,
        "pyramid_s": done - decoded,
        "files": len(result.paths),
        "jpegs": sum(p.endswith(".jpg") for p in result.paths),
    }
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
