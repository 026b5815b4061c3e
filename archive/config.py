"""kura.toml: the archive project's settings, read once and validated."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from archive.errors import ConfigError, SheetError

CONFIG_NAME = "kura.toml"
_ORIGIN = re.compile(r"https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-]+)(:\d+)?")
DEFAULT_MAX_PIXELS = 1_000_000_000  # a 600-megapixel map scan fits with room to spare


@dataclass(frozen=True)
class Limits:
    """``[limits]`` in kura.toml: how much of an input Kura reads before it refuses it.

    Each refusal is one line naming the file (row and column where there is one) and the
    limit; the rest of the run goes on. The defaults are far above what a city's sheet,
    lesson or scan needs and low enough that a small hostile file cannot exhaust memory.
    """

    # data rows read from the sheet (rows past it are refused, one error)
    sheet_rows: int = 200_000
    # columns read from the sheet (Kura has 25; cells further right are refused, one error)
    sheet_columns: int = 256
    # characters in one cell, above the csv module's default field limit (131,072) and
    # far above Excel's own 32,767; a longer cell fails its row only
    cell_chars: int = 1_000_000
    # megabytes of a .csv file, or of the uncompressed XML inside an .xlsx (what openpyxl
    # parses): a 511 KB workbook can unpack to 500 MB
    sheet_mb: int = 100
    # pages (frames) of one multi-page TIFF
    tiff_pages: int = 5_000


LIMIT_RANGES = {  # key → (lowest, highest) accepted in kura.toml
    "sheet_rows": (1, 10_000_000),
    "sheet_columns": (25, 16_384),
    "cell_chars": (1_000, 100_000_000),
    "sheet_mb": (1, 10_000),
    "tiff_pages": (1, 1_000_000),
}


@dataclass(frozen=True)
class Config:
    """Settings of one archive project (the folder holding kura.toml)."""

    root: Path
    title: dict[str, str] = field(default_factory=lambda: {"ja": "Kura アーカイブ", "en": "Kura"})
    base_url: str = "http://127.0.0.1:8000"
    # where the published files (iiif/, records/, lessons/, activity/, opendata/) are
    # served when not by the viewer: the CDN or bucket URL given to `kura publish
    # --base-url`. The viewer's pages then link IIIF documents, tiles and the CSV there.
    public_url: str = ""
    # other addresses (scheme://host[:port]) the viewer is also reached at, e.g. a second
    # name behind a proxy: a request whose Host is one of them gets links and IIIF ids on
    # that address. Any other Host gets base_url: addresses never come from the request.
    trusted_urls: tuple[str, ...] = ()
    store: str = "public"
    rights: str = "http://creativecommons.org/licenses/by/4.0/"
    required_statement: dict[str, dict[str, str]] = field(default_factory=dict)
    provider: dict[str, object] = field(default_factory=dict)
    tile_size: int = 256
    jpeg_quality: int = 85
    sizes_max: int = 1024
    max_pixels: int = DEFAULT_MAX_PIXELS
    keep_masters: bool = True
    sheet: str = ""
    # [opendata]: the 全国地方公共団体コード (6 digits), the 地方公共団体名, and the licence of
    # the metadata (CC0 unless said otherwise; images keep each item's own rights)
    opendata_code: str = ""
    municipality: str = ""
    metadata_license: str = "http://creativecommons.org/publicdomain/zero/1.0/"
    limits: Limits = field(default_factory=Limits)

    @property
    def store_dir(self) -> Path:
        """The local store's folder (for ``store = "public"`` or any relative path)."""
        return (self.root / self.store).resolve()

    def sheet_path(self) -> Path:
        """The metadata sheet: ``sheet`` if set, else items.csv or items.xlsx, whichever is
        there. Both there is an error: which one the archivist keeps up to date is theirs to
        say (``sheet`` in kura.toml), never Kura's guess."""
        if self.sheet:
            return self.root / self.sheet
        found = [name for name in ("items.csv", "items.xlsx") if (self.root / name).exists()]
        if len(found) == 2:
            raise SheetError(
                f"{self.root}: items.csv と items.xlsx の両方があり、どちらが台帳か分かりません。"
                '使わない方を消すか名前を変えるか、kura.toml に sheet = "items.xlsx" のように'
                "書いてください / both items.csv and items.xlsx are here, so which is the sheet "
                "is unclear: delete or rename the one not in use, or set sheet = "
                '"items.xlsx" (or "items.csv") in kura.toml'
            )
        return self.root / (found[0] if found else "items.csv")

    @property
    def scans_dir(self) -> Path:
        return self.root / "scans"


def _lang_map(value: object, key: str, path: Path) -> dict[str, str]:
    if isinstance(value, str):
        return {"ja": value}
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return dict(value)
    raise ConfigError(
        f"{path}: 「{key}」は文字列か {{ja = …, en = …}} で書いてください / {key} must be a string or a {{ja, en}} table"
    )


def _int(
    data: dict, key: str, default: int, low: int, high: int, path: Path, name: str = ""
) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        key = name or key
        raise ConfigError(
            f"{path}: 「{key}」は {low}〜{high} の整数にしてください / {key} must be an integer in {low}..{high} (got {value!r})"
        )
    return value


def _limits(data: dict, path: Path) -> Limits:
    table = data.get("limits", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [limits] は表にしてください / [limits] must be a table")
    unknown = sorted(set(table) - set(LIMIT_RANGES))
    if unknown:
        raise ConfigError(
            f"{path}: [limits] に知らない項目があります: {', '.join(unknown)}（使えるのは "
            f"{', '.join(LIMIT_RANGES)}） / unknown [limits] key(s): {', '.join(unknown)} "
            f"(known: {', '.join(LIMIT_RANGES)})"
        )
    default = Limits()
    values = {
        key: _int(table, key, getattr(default, key), low, high, path, f"limits.{key}")
        for key, (low, high) in LIMIT_RANGES.items()
    }
    return Limits(**values)


def load_config(root: Path) -> Config:
    """Read ``root/kura.toml``. Missing file or bad values raise ConfigError with the key."""
    root = Path(root).resolve()
    path = root / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(
            f"{path}: kura.toml がありません。`kura init {root}` で作成できます / no kura.toml here; create one with `kura init`"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: TOML として読めません / not valid TOML: {exc}") from exc

    base_url = str(data.get("base_url", Config.base_url)).rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"{path}: base_url は http:// か https:// で始めてください / base_url must be an http(s) URL"
        )
    public_url = str(data.get("public_url", "")).rstrip("/")
    if public_url and not re.fullmatch(
        r"https?://[A-Za-z0-9.\-]+(:\d+)?(/[^\s;,'\"]*)?", public_url
    ):
        raise ConfigError(
            f"{path}: public_url は http(s)://ホスト[:ポート]/パス の形にしてください / public_url must be an http(s) URL (host, port, path)"
        )
    trusted = data.get("trusted_urls", [])
    if not isinstance(trusted, list) or not all(
        isinstance(u, str) and _ORIGIN.fullmatch(u.rstrip("/")) for u in trusted
    ):
        raise ConfigError(
            f"{path}: trusted_urls は http(s)://ホスト[:ポート] の並びにしてください / trusted_urls must be a list of http(s)://host[:port]"
        )
    statement = data.get("required_statement", {})
    if not isinstance(statement, dict):
        raise ConfigError(f"{path}: [required_statement] は表にしてください / must be a table")
    provider = data.get("provider", {})
    if not isinstance(provider, dict):
        raise ConfigError(f"{path}: [provider] は表にしてください / must be a table")
    opendata = data.get("opendata", {})
    if not isinstance(opendata, dict):
        raise ConfigError(f"{path}: [opendata] は表にしてください / must be a table")
    code = str(opendata.get("code", ""))
    if code and not (code.isascii() and code.isdigit() and len(code) == 6):
        raise ConfigError(
            f"{path}: [opendata] code は6桁の全国地方公共団体コードにしてください (例: 132233) / code must be the 6-digit local government code"
        )
    return Config(
        opendata_code=code,
        municipality=str(opendata.get("name", "")),
        metadata_license=str(opendata.get("license", Config.metadata_license)),
        root=root,
        title=_lang_map(data.get("title", {"ja": root.name}), "title", path),
        base_url=base_url,
        public_url=public_url,
        trusted_urls=tuple(u.rstrip("/") for u in trusted),
        store=str(data.get("store", "public")),
        rights=str(data.get("rights", Config.rights)),
        required_statement={
            "label": _lang_map(
                statement.get("label", {"ja": "所蔵", "en": "Held by"}),
                "required_statement.label",
                path,
            ),
            "value": _lang_map(
                statement.get("value", {"ja": "", "en": ""}), "required_statement.value", path
            ),
        },
        provider={
            "label": _lang_map(provider.get("label", {"ja": ""}), "provider.label", path),
            "homepage": str(provider.get("homepage", "")),
        },
        tile_size=_int(data, "tile_size", 256, 64, 4096, path),
        jpeg_quality=_int(data, "jpeg_quality", 85, 1, 95, path),
        sizes_max=_int(data, "sizes_max", 1024, 0, 65535, path),
        max_pixels=_int(data, "max_pixels", DEFAULT_MAX_PIXELS, 1, 10**11, path),
        keep_masters=bool(data.get("keep_masters", True)),
        sheet=str(data.get("sheet", "")),
        limits=_limits(data, path),
    )
