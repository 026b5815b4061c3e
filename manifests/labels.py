"""Bilingual labels of the metadata shown in manifests (and, later, on item pages)."""

from __future__ import annotations

# column → (Japanese label, English label), in display order
METADATA_LABELS: dict[str, tuple[str, str]] = {
    "名称_カナ": ("よみ", "Reading"),
    "文化財分類": ("文化財分類", "Designation"),
    "種類": ("種類", "Kind"),
    "資料種別": ("資料種別", "Material type"),
    "年代": ("年代", "Date"),
    "場所名称": ("場所", "Place"),
    "住所": ("住所", "Address"),
    "員数": ("員数", "Quantity"),
    "所有者等": ("所有者等", "Owner"),
    "文化財指定日": ("指定日", "Designation date"),
    "キーワード": ("キーワード", "Keywords"),
    "説明": ("説明", "Description"),
}

# columns whose English version sits in a sibling column
ENGLISH_COLUMN = {"名称": "名称_英語", "概要": "概要_英語", "説明": "説明_英語"}

REQUIRED_STATEMENT_DEFAULT = {"ja": "所蔵", "en": "Held by"}
