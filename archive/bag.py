"""BagIt bags (RFC 8493) of items, for deposit in another repository.

One bag per item: ``data/record.json`` (the item's record, with every scan's sha256) and
``data/scans/…`` (the kept masters, under the paths they had in ``scans/``), with sha256
and sha512 manifests made by the ``bagit`` package. Every master is checked against the
sha256 recorded at ingest while it is copied out: a damaged master is never bagged as if
it were sound.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

from archive import __version__, keys
from archive.config import Config
from archive.errors import KuraError, StoreError
from archive.fixity import open_key
from archive.i18n import pick
from archive.keys import TEMP_MARK
from archive.model import Record
from archive.record import read_record, record_bytes


class BagError(KuraError):
    """An item cannot be bagged (no record, masters not kept, a master damaged)."""


def _record(store: Any, item_id: str) -> Record:
    try:
        record = read_record(store, item_id)
    except StoreError:
        raise BagError(
            f"{keys.record(item_id)}: レコードが壊れています。`kura ingest` をやり直してください"
            " / the record is unreadable; run `kura ingest` again"
        ) from None
    if record is None:
        raise BagError(
            f"{item_id}: この ID の資料は取り込まれていません / no ingested item with this ID"
        )
    return record


def _payload_path(scan_path: str) -> str:
    """Where a scan goes under data/: its path as it was delivered (``scans/…``)."""
    parts = [p for p in PurePosixPath(scan_path).parts if p not in ("", ".", "..", "/")]
    return "/".join(parts) if parts else "scans/unnamed"


def _copy_master(store: Any, key: str, target: Path, sha256: str, item_id: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    try:
        with open_key(store, key) as src, open(target, "wb") as out:
            while chunk := src.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
    except StoreError:
        raise BagError(
            f"{item_id}: マスター {key} がありません。`kura verify` で確認してください"
            f" / master {key} is missing; run `kura verify`"
        ) from None
    if digest.hexdigest() != sha256:
        raise BagError(
            f"{item_id}: マスター {key} の sha256 が取り込み時と違います(破損の可能性)。"
            f"`kura verify` で確認してください / master {key} does not match the sha256 "
            "recorded at ingest (possible damage); run `kura verify`"
        )


def export_bag(store: Any, item_id: str, out_dir: Path, config: Config) -> Path:
    """Write the bag of one item as ``out_dir/{item_id}``; returns its folder. The bag
    appears only when complete (built under a temporary name, then renamed)."""
    import bagit

    record = _record(store, item_id)
    files = record.files
    if files and not all(f.master for f in files):
        raise BagError(
            f"{item_id}: マスター(元のスキャン)が保存されていないため、バッグを作れません。"
            "kura.toml で keep_masters = true にして `kura ingest` をやり直してください / masters "
            "are not kept for this item; set keep_masters = true in kura.toml and ingest again"
        )
    final = Path(out_dir) / item_id
    if final.exists():
        raise BagError(
            f"{final}: すでにあります。別の出力先を指定するか、消してから実行してください"
            f" / already exists; choose another output folder or remove it"
        )
    staging = Path(out_dir) / f"{item_id}{TEMP_MARK}bag"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for f in files:
            target = staging / _payload_path(f.path)
            _copy_master(store, f.master, target, f.sha256, item_id)
        (staging / "record.json").write_bytes(record_bytes(record))
        title = config.title.get("ja") or config.title.get("en") or ""
        info = {
            "Source-Organization": _provider(config) or title or "Kura",
            "External-Identifier": item_id,
            "External-Description": record.title,
            "Bag-Software-Agent": f"kura {__version__} (bagit-python)",
        }
        if title:
            info["Bag-Group-Identifier"] = title
        bagit.make_bag(str(staging), info, checksums=["sha256", "sha512"])
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def _provider(config: Config) -> str:
    provider = getattr(config, "provider", None)
    label = provider.get("label") if isinstance(provider, dict) else None
    if isinstance(label, dict):
        return str(label.get("ja") or label.get("en") or "")
    return ""


def bag_line(item_id: str, path: Path, lang: str | None = None) -> str:
    return pick(f"バッグ作成: {item_id} → {path}", f"bagged: {item_id} → {path}", lang)
