"""``kura init``: a new archive project with a commented kura.toml and an example sheet."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from archive.config import CONFIG_NAME, Config
from archive.errors import KuraError
from archive.sheet import COLUMNS

KURA_TOML = """\
# Kura アーカイブの設定 / Kura archive settings
# 変更したら `kura ingest` をもう一度実行してください(変わった所だけ作り直します)。
# After a change, run `kura ingest` again (only what changed is rebuilt).

# 公開URLの基点。IIIF の id はすべてここから始まります。
# The public base URL; every IIIF id starts with it.
base_url = {base_url}

# タイルと JSON を CDN やバケットから配るときの公開 URL (空なら閲覧サーバー自身が配ります)。
# 設定すると閲覧画面の IIIF リンクがそこを指し、kura publish の --base-url の既定になります。
# The public URL tiles and JSON are served from (a CDN or bucket); empty: the viewer serves them.
# public_url = "https://cdn.example.jp/archive"

# 公開ファイルの置き場所: プロジェクト内のフォルダ名、または "s3://bucket/prefix"
# Where published files go: a folder in this project, or "s3://bucket/prefix"
store = "public"

# 利用条件の既定値 (台帳の「利用条件」が空の行に使います)。CC / RightsStatements.org の URI か
# "CC BY 4.0", "CC0", "PDM" などのラベル。
# Default rights for rows with an empty 利用条件: a CC or RightsStatements.org URI or a label.
rights = "http://creativecommons.org/licenses/by/4.0/"

# タイルの一辺 (ピクセル) / tile size in pixels
tile_size = 256
# JPEG の品質 (1〜95) / JPEG quality (1-95)
jpeg_quality = 85
# info.json の sizes に載せる全体画像の最大の長辺 (サムネイル・ダウンロード用)
# Largest long side of the whole-image sizes listed in info.json (thumbnails, downloads)
sizes_max = 1024
# 1画像あたりの最大ピクセル数。これを超える画像はエラーになります (既定: 10億 = 600メガピクセルの地図も可)
# Largest number of pixels per image; larger scans are refused (default 1e9)
max_pixels = 1_000_000_000
# 受け取ったスキャン(原本データ)を masters/ に保存する / keep the delivered scans in masters/
keep_masters = true
# 台帳ファイル (空なら items.csv か items.xlsx。両方あるとエラー)
# The sheet (default: items.csv or items.xlsx; both there is an error)
sheet = ""

# アーカイブの名称 / the archive's title
[title]
ja = {title_ja}
en = {title_en}

# 所蔵・提供の表示 (IIIF requiredStatement) / the held-by statement shown with every item
[required_statement]
label = {{ ja = "所蔵", en = "Held by" }}
value = {{ ja = {holder_ja}, en = {holder_en} }}

# 提供者 (IIIF provider) / the provider
[provider]
label = {{ ja = {holder_ja}, en = {holder_en} }}
homepage = {homepage}

# オープンデータ「文化財一覧」(kura export opendata) の全国地方公共団体コード (6桁) と
# 地方公共団体名。空のままだと書き出しのたびに警告します。
# The open-data CSV's 6-digit local government code and name (warned about while empty).
[opendata]
code = {opendata_code}
name = {municipality}
"""

SHEET_HEADERS = list(COLUMNS)

# The examples in a new items.csv: their IDs start with "#" (archive.sheet.COMMENT_MARK), so
# they are read as examples and never ingested, whatever the archivist leaves in place.
EXAMPLE_ROWS = [
    {
        "ID": "#example-001",
        "名称": "指田日記",
        "名称_カナ": "サシダニッキ",
        "名称_英語": "Sashida Diary",
        "文化財分類": "有形文化財",
        "種類": "美術工芸品",
        "資料種別": "古文書",
        "年代": "天保5年～明治4年",
        "概要": "村の暮らしを記した日記(記入例です。ID が # で始まる行は取り込まれません。"
        "この行を参考に、# のない ID で行を書いてください)",
        "場所名称": "武蔵村山市",
        "画像ファイル": "example-001/*.jpg",
        "利用条件": "CC BY 4.0",
        "表示方向": "右から左",
        "キーワード": "日記;古文書",
    },
    {
        "ID": "#example-002",
        "名称": "横中馬獅子舞",
        "名称_カナ": "ヨコチュウマシシマイ",
        "文化財分類": "無形民俗文化財",
        "種類": "芸能",
        "資料種別": "写真",
        "年代": "昭和30年代",
        "概要": "画像のない資料の記入例です(ID が # で始まる行は取り込まれません)",
        "場所名称": "武蔵村山市中藤",
    },
]


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string: quotes, backslashes and control characters escaped
    (JSON's escapes are TOML's; TOML also wants DEL escaped)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def kura_toml(
    title_ja: str,
    title_en: str,
    *,
    base_url: str = Config.base_url,
    holder_ja: str = "",
    holder_en: str = "",
    homepage: str = "",
    opendata_code: str = "",
    municipality: str = "",
) -> str:
    """kura.toml's text: the commented settings with these values (every other setting at its
    default). ``holder_*`` is shown as 所蔵 (IIIF requiredStatement) and names the provider;
    ``opendata_code`` and ``municipality`` are the open-data CSV's [opendata] code and name."""
    return KURA_TOML.format(
        base_url=toml_string(base_url),
        title_ja=toml_string(title_ja),
        title_en=toml_string(title_en),
        holder_ja=toml_string(holder_ja),
        holder_en=toml_string(holder_en),
        homepage=toml_string(homepage),
        opendata_code=toml_string(opendata_code),
        municipality=toml_string(municipality),
    )


def init_project(
    target: Path,
    title_ja: str = "",
    title_en: str = "",
    *,
    base_url: str = Config.base_url,
    holder_ja: str = "",
    holder_en: str = "",
    homepage: str = "",
    opendata_code: str = "",
    municipality: str = "",
) -> list[Path]:
    """Create a new project in ``target``; refuses to overwrite an existing kura.toml or sheet.
    The titles default to the folder's name; the other values are :func:`kura_toml`'s.
    Returns the paths created."""
    target = Path(target)
    for name in (CONFIG_NAME, "items.csv"):
        if (target / name).exists():
            raise KuraError(
                f"{target / name}: すでにあります。上書きしません / already exists; not overwriting"
            )
    target.mkdir(parents=True, exist_ok=True)
    created = []
    config = kura_toml(
        title_ja or f"{target.resolve().name} デジタルアーカイブ",
        title_en or f"{target.resolve().name} Digital Archive",
        base_url=base_url,
        holder_ja=holder_ja,
        holder_en=holder_en,
        homepage=homepage,
        opendata_code=opendata_code,
        municipality=municipality,
    )
    (target / CONFIG_NAME).write_text(config, encoding="utf-8")
    created.append(target / CONFIG_NAME)
    if (target / "items.xlsx").exists():  # the archivist's workbook is the sheet: no second one
        return [*created, *_folders(target)]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=SHEET_HEADERS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(EXAMPLE_ROWS)
    # UTF-8 with BOM: Excel on Windows then opens the Japanese headers correctly
    (target / "items.csv").write_text(buf.getvalue(), encoding="utf-8-sig", newline="")
    created.append(target / "items.csv")
    return [*created, *_folders(target)]


def _folders(target: Path) -> list[Path]:
    """thesaurus.toml (unless there) and the project's folders; returns what it made."""
    created = []
    if not (target / "thesaurus.toml").exists():
        (target / "thesaurus.toml").write_text(THESAURUS_TOML, encoding="utf-8")
        created.append(target / "thesaurus.toml")
    for folder in ("scans", "lessons", "collections"):
        (target / folder).mkdir(exist_ok=True)
        created.append(target / folder)
    return created


THESAURUS_TOML = """\
# この市の類義語辞書 / this archive's own thesaurus (docs/search.md)
#
# 左は目録で使うことば、右はそれを探す人が入力しそうなことば。検索のとき、右のことばが
# 入力されると左のことばでも探します。Kura 付属の辞書 (のうぐ → 農具 など) に足されます。
# 保存すればすぐ効きます (kura index は要りません)。先頭の # を外して使ってください。
# Left: the records' word; right: what people type. Added to Kura's own thesaurus; takes
# effect when saved (no re-index). Remove the leading # to use an example.

[words]
# "念仏講" = ["ねんぶつこう", "おねんぶつ"]
# "デエダラボッチ" = ["だいだらぼっち", "巨人の伝説"]
"""
