"""The open-data file: デジタル庁「自治体標準オープンデータセット」の「文化財一覧」 as CSV.

Columns are the standard's, in its order (``COLUMNS``); the file is UTF-8 with a BOM (what
Excel needs to open it correctly, as the standard's notes ask) and CRLF line ends. One row per
item that has a designation (``文化財分類``): the list is of cultural properties, so records
of plain materials stay out. ``画像`` is the item's IIIF thumbnail (a size listed in its
``info.json``, so it exists on a level-0 server), ``画像_ライセンス`` the item's rights as a
short label with its URI, ``URL`` the item page.

Cells that a spreadsheet would run as a formula (``=HYPERLINK(…)``, ``+…``, ``@…``) are
written with a leading apostrophe, as OWASP advises for CSV injection; plain numbers such as
a negative coordinate are left as they are.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from typing import Any

from archive import keys
from archive.config import Config
from archive.model import Record
from archive.record import iter_published
from archive.rights import rights_label

# 自治体標準オープンデータセット「文化財一覧」の項目, in the standard's order.
# Source: the 文化財一覧 data-item definition of the government's recommended data set
# (推奨データセット, 内閣官房IT総合戦略室 → デジタル庁 自治体標準オープンデータセット), as
# mirrored in NEC-FIWARE/smart-data-models `cio/04_文化財一覧/datamodels.md` and used by
# published files such as 北島町's `364029_cultural_property.xlsx` (徳島県オープンデータ
# ポータル): 34 items. デジタル庁's revision replaced the four identifying items
# (都道府県コード又は市区町村コード, NO, 都道府県名, 市区町村名) with 全国地方公共団体コード,
# ID, 地方公共団体名 (as its definitions of the other datasets show), giving the 33 below.
# Re-check against デジタル庁's current definition sheet when it is revised.
COLUMNS = (
    "全国地方公共団体コード",
    "ID",
    "地方公共団体名",
    "名称",
    "名称_カナ",
    "名称_通称",
    "名称_英語",
    "文化財分類",
    "種類",
    "場所名称",
    "住所",
    "方書",
    "緯度",
    "経度",
    "電話番号",
    "内線番号",
    "員数（数）",
    "員数（単位）",
    "法人番号",
    "所有者等",
    "文化財指定日",
    "利用可能曜日",
    "開始時間",
    "終了時間",
    "利用可能日時特記事項",
    "画像",
    "画像_ライセンス",
    "概要",
    "概要_英語",
    "説明",
    "説明_英語",
    "URL",
    "備考",
)
# columns copied from the sheet as they are (the sheet's headers are the standard's)
FROM_SHEET = {c for c in COLUMNS} - {
    "全国地方公共団体コード",
    "ID",
    "地方公共団体名",
    "方書",
    "画像",
    "画像_ライセンス",
    "URL",
}
# What Excel and LibreOffice Calc take as the start of a formula (or a DDE link): = + - @,
# LibreOffice's | and ; forms too, and their full-width (＝＋－＠｜；) and small (﹦﹢﹣)
# forms, which both read as the ASCII ones; the minus sign U+2212 to be safe. Blanks and
# invisible characters before a starter (space, tab, CR, LF, NUL, zero-width space, BOM,
# any control or format character) are skipped by some readers, so they are looked through.
_FORMULA_CHARS = frozenset("=+-@|;\u2212")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def _ignorable(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def formula_like(value: str) -> bool:
    """True when a spreadsheet could run ``value`` as a formula (plain numbers are not)."""
    if not value or _NUMBER.fullmatch(value):
        return False
    if _ignorable(value[0]):  # a leading tab, CR, NUL, ZWSP or BOM: guarded whatever follows
        return True
    return unicodedata.normalize("NFKC", value[0])[:1] in _FORMULA_CHARS


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs: formula-like text gets a ``'``."""
    value = value.replace("\r\n", "\n")
    if formula_like(value):
        return "'" + value
    return value


def identity_warning(config: Config, lang: str | None = None) -> str | None:
    """One line when the [opendata] code or name is not set (the CSV's 全国地方公共団体コード
    and 地方公共団体名 columns are then empty, which portals reject), else None."""
    from archive.i18n import pick

    missing = [
        (key, column, example)
        for key, value, column, example in (
            ("code", config.opendata_code, "全国地方公共団体コード", '"132233"'),
            ("name", config.municipality, "地方公共団体名", '"武蔵村山市"'),
        )
        if not value.strip()
    ]
    if not missing:
        return None
    keys_ = " / ".join(key for key, _, _ in missing)
    columns = "・".join(column for _, column, _ in missing)
    examples = ", ".join(f"{key} = {example}" for key, _, example in missing)
    return pick(
        f"警告: kura.toml の [opendata] に {keys_} がないため、オープンデータ「文化財一覧」の"
        f"{columns}の列が空になります (例: {examples})",
        f"warning: [opendata] {keys_} not set in kura.toml: the open-data CSV's {columns} "
        f"column is empty (e.g. {examples})",
        lang,
    )


def opendata_key(config: Config) -> str:
    return keys.opendata(config.opendata_code)


def _thumbnail(record: Record, urls: Any) -> str:
    found = record.thumbnail()
    if found is None:
        return ""
    page, _size, segment = found
    return urls.image(record.id, page.image, segment)


def row(record: Record, config: Config, urls: Any) -> list[str]:
    # the sheet's own columns, then extra columns an archivist added under the standard's
    # header (電話番号, 名称_通称 … are not sheet columns of Kura, but are kept as written)
    fields = {**record.extra, **record.fields}
    rights = record.rights
    values = {column: fields.get(column, "") for column in FROM_SHEET}
    values.update(
        {
            "全国地方公共団体コード": config.opendata_code,
            "ID": record.id,
            "地方公共団体名": config.municipality,
            "方書": "",
            "画像": _thumbnail(record, urls),
            "画像_ライセンス": f"{rights_label(rights, 'ja')} ({rights})" if rights else "",
            "URL": urls.item_page(record.id),
        }
    )
    return [safe_cell(values[column]) for column in COLUMNS]


def build_csv(records: list[Record], config: Config, urls: Any) -> bytes:
    """The CSV bytes (UTF-8 with BOM, CRLF) for the items that have a designation, with
    links built by ``urls`` (a ``manifests.urls.Urls`` for the address it is published at)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for record in records:
        if record.get("文化財分類").strip():
            writer.writerow(row(record, config, urls))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def opendata_csv(store: Any, config: Config, urls: Any) -> bytes:
    """The open-data CSV of every published record in ``store``, with links built by
    ``urls``."""
    return build_csv(list(iter_published(store)), config, urls)
