"""Every IIIF document the ingest writes: valid against the IIIF Presentation 3 JSON Schema,
plus the checks the schema misses (motivations, image services, ids that resolve)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from archive import keys
from archive.config import load_config
from archive.store import LocalStore
from ingest.pipeline import Ingest, IngestOptions
from tests.rendered import Published

BASE = "http://127.0.0.1:8000"


@pytest.fixture
def ingested(sample_project: Path) -> Published:
    summary = Ingest(load_config(sample_project), IngestOptions(jobs=1)).run()
    assert not summary.failed, summary.report()
    return Published(sample_project)


def documents(store: Published) -> dict[str, dict]:
    return {
        key: json.loads(store.get(key))
        for key in store.list("iiif")
        if key.endswith(".json") and not key.endswith("/info.json")
    }


def test_every_document_validates_against_the_schema(ingested: Published, iiif_schema) -> None:
    validator = jsonschema.Draft7Validator(iiif_schema)
    docs = documents(ingested)
    assert set(docs) == {
        "iiif/collection/top.json",
        "iiif/sashida-nikki/manifest.json",
        "iiif/bonsho/manifest.json",
        "iiif/ezu/manifest.json",
    }
    for key, doc in docs.items():
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
        assert not errors, f"{key}: {errors[:5]}"


def test_the_schema_check_can_fail(ingested: Published, iiif_schema) -> None:
    manifest = json.loads(ingested.get("iiif/bonsho/manifest.json"))
    manifest["items"][0]["items"][0]["items"][0].pop("target")
    manifest["label"] = "not a language map"
    assert list(jsonschema.Draft7Validator(iiif_schema).iter_errors(manifest))


def key_of(url: str) -> str:
    assert url.startswith(BASE + "/"), url
    return url[len(BASE) + 1 :]


def test_manifest_content(ingested: Published) -> None:
    m = json.loads(ingested.get("iiif/sashida-nikki/manifest.json"))
    assert m["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert m["label"] == {"ja": ["指田日記"], "en": ["Sashida Diary"]}
    assert m["summary"] == {"ja": ["村の暮らしを記した日記"], "en": ["A diary of village life"]}
    assert m["viewingDirection"] == "right-to-left"
    assert m["navDate"] == "1834-01-01T00:00:00Z"
    assert m["rights"] == "http://creativecommons.org/licenses/by/4.0/"
    assert m["requiredStatement"] == {
        "label": {"ja": ["所蔵"], "en": ["Held by"]},
        "value": {"ja": ["武蔵村山市"], "en": ["Musashimurayama City"]},
    }
    labels = {e["label"]["ja"][0]: e["value"] for e in m["metadata"]}
    assert labels["よみ"] == {"ja": ["サシダニッキ"]}
    assert labels["年代"] == {"ja": ["天保5年～明治4年"]}
    assert m["homepage"][0]["id"] == f"{BASE}/items/sashida-nikki"
    assert m["seeAlso"][0]["id"] == f"{BASE}/records/sashida-nikki.json"
    assert len(m["items"]) == 3
    assert [c["width"] for c in m["items"]] == [700, 710, 720]
    bonsho = json.loads(ingested.get("iiif/bonsho/manifest.json"))
    assert bonsho["rights"] == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert "viewingDirection" not in bonsho
    assert bonsho["navDate"] == "1638-01-01T00:00:00Z"


def test_painting_annotations_and_services(ingested: Published) -> None:
    for key, doc in documents(ingested).items():
        if doc["type"] != "Manifest":
            continue
        for canvas in doc["items"]:
            (page,) = canvas["items"]
            (anno,) = page["items"]
            assert anno["motivation"] == "painting", key
            assert anno["target"] == canvas["id"]
            body = anno["body"]
            assert body["type"] == "Image" and body["format"] == "image/jpeg"
            assert (body["width"], body["height"]) == (canvas["width"], canvas["height"])
            (service,) = body["service"]
            assert service["type"] == "ImageService3" and service["profile"] == "level0"
            info = json.loads(ingested.get(key_of(service["id"]) + "/info.json"))
            assert info["id"] == service["id"]
            assert (info["width"], info["height"]) == (canvas["width"], canvas["height"])


def test_every_id_resolves_in_the_store(ingested: Published) -> None:
    """Every dereferenceable URL in our documents names a key that exists: manifests,
    image bodies (full/max), thumbnails (a listed size), info.json of every service."""
    checked = 0

    def walk(node: object) -> None:
        nonlocal checked
        if isinstance(node, dict):
            url, kind = node.get("id"), node.get("type")
            if isinstance(url, str) and url.startswith(BASE + "/iiif/"):
                if kind in ("Manifest", "Collection") or kind == "Image":
                    assert ingested.exists(key_of(url)), url
                    checked += 1
                elif kind == "ImageService3":
                    assert ingested.exists(key_of(url) + "/info.json"), url
                    checked += 1
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for doc in documents(ingested).values():
        walk(doc)
    assert checked > 20


def test_thumbnails_are_listed_sizes(ingested: Published) -> None:
    top = json.loads(ingested.get("iiif/collection/top.json"))
    for ref in top["items"]:
        (thumb,) = ref["thumbnail"]
        info = json.loads(ingested.get(key_of(thumb["service"][0]["id"]) + "/info.json"))
        listed = {(s["width"], s["height"]) for s in info["sizes"]}
        assert (thumb["width"], thumb["height"]) in listed | {(info["width"], info["height"])}
        assert max(thumb["width"], thumb["height"]) >= 200 or (thumb["width"], thumb["height"]) == (
            info["width"],
            info["height"],
        )


def test_a_new_address_needs_no_reingest(sample_project: Path) -> None:
    """The store holds no address: after an ingest, the documents rendered for another base
    URL carry its ids (ASCII), with no file of the store written again."""
    Ingest(load_config(sample_project), IngestOptions(jobs=1)).run()
    store = LocalStore(sample_project / "public")
    before = {k: store.path(k).stat().st_mtime_ns for k in store.list("")}
    # no address in any stored file but where the viewer has been (state/, never published:
    # its change feed's Moves, tests/test_moves.py)
    stored = b"".join(store.get(k) for k in sorted(before) if k != keys.address_history())
    assert BASE.encode() not in stored
    moved = Published(sample_project, "https://archive.example.jp/kura")
    manifest = json.loads(moved.get("iiif/bonsho/manifest.json"))
    assert manifest["id"] == "https://archive.example.jp/kura/iiif/bonsho/manifest.json"
    assert manifest["id"].isascii()
    service = manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]
    assert service.startswith("https://archive.example.jp/kura/iiif/bonsho/")
    info = json.loads(
        moved.get(service.replace("https://archive.example.jp/kura/", "") + "/info.json")
    )
    assert info["id"] == service
    top = json.loads(moved.get("iiif/collection/top.json"))
    assert top["id"] == "https://archive.example.jp/kura/iiif/collection/top.json"
    assert {k: store.path(k).stat().st_mtime_ns for k in store.list("")} == before
