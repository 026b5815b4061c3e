"""Kura (蔵): the archive's domain — config, items, the metadata sheet, era dates, the store.

Nothing here imports the other packages at import time; the CLI imports them lazily.
"""

__version__ = "0.1.0"
