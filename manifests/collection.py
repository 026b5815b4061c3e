"""IIIF Presentation 3 collections: the top collection of every item with images."""

from __future__ import annotations

from typing import Any

from archive.model import Record
from manifests.item import lang_map, provider_agent, thumbnail
from manifests.urls import Urls

CONTEXT = "http://iiif.io/api/presentation/3/context.json"


def manifest_reference(record: Record, urls: Urls) -> dict:
    ref = {
        "id": urls.manifest(record.id),
        "type": "Manifest",
        "label": lang_map(record.title, record.get("名称_英語")),
    }
    if thumb := thumbnail(record, urls):
        ref["thumbnail"] = [thumb]
    return ref


def build_top_collection(records: list[Record], config: Any, urls: Urls) -> dict:
    """Every item that has a manifest, in ID order. Items without images have no manifest
    (a IIIF collection can only list manifests); they are still in records/ and search."""
    items = [manifest_reference(r, urls) for r in sorted(records, key=lambda r: r.id) if r.pages]
    data: dict = {
        "@context": CONTEXT,
        "id": urls.collection("top"),
        "type": "Collection",
        "label": lang_map(config.title.get("ja", ""), config.title.get("en", "")),
        "items": items,
    }
    if provider := provider_agent(config, urls):
        data["provider"] = [provider]
    return data
