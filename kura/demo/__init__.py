"""``kura demo``: a demonstration archive of Musashimurayama City's historical materials.

The demo is a small archive project kept as data beside this module: ``items.csv`` (the
metadata sheet of 14 items, UTF-8 with BOM as Excel writes it), ``lessons/`` and
``collections/``. The items are real cultural properties and kinds of material of the city;
their metadata follows what the city and its museum publish (designation dates, addresses,
dates of making) and stays general where that is not certain. One item's reading (吉祥山遺跡)
is left empty because it could not be confirmed.

The scans are **not** photographs of the real objects: they are stylised pictures drawn with
Pillow (:mod:`kura.demo.scans`, from :mod:`~kura.demo.drawing`, ``documents``, ``objects``
and ``scenes``; no fonts needed, a Japanese font is used for a few labels when one is
installed), deterministic for a given machine, and every item's 備考 says so. Between them
they exercise what a real delivery contains: JPEG, PNG, LZW TIFF (one of them with three
frames), a greyscale photo, a 4000×3000 photo, a 6000×4500 map that needs deep zoom, a
multi-page bound book in a folder with Japanese file names (read right to left), and records
without images.
"""

from kura.demo.build import DEMO_TITLE_EN, DEMO_TITLE_JA, HOMEPAGE, build_demo

__all__ = ["DEMO_TITLE_EN", "DEMO_TITLE_JA", "HOMEPAGE", "build_demo"]
