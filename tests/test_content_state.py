"""Issue 17 item 7: a IIIF Content State from a visitor (``?iiif-content=``) is bounded in
size and depth and never raises: deeply nested JSON was an HTTP 500 (RecursionError)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.config import load_config
from tests.viewer_demo import build_demo_once
from viewer import create_app
from viewer.content_state import (
    MAX_DEPTH,
    SharedView,
    decode,
    encode,
    region_state,
    shared_view,
)

ITEM = "sashida-nikki"
BASE = "http://127.0.0.1:8000/iiif"
CANVASES = [f"{BASE}/{ITEM}/canvas/{n}" for n in (1, 2, 3)]
MANIFEST = f"{BASE}/{ITEM}/manifest.json"


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


# Deep JSON of every shape that fits the 4,096-character parameter (hostile inputs, also
# sent to the item page below).
DEEP = {
    "arrays": "[" * 1536 + "]" * 1536,
    "objects": '{"":' * 600 + "1" + "}" * 600,
    "unclosed": "[" * 3072,
    "target": '{"type":"Annotation","target":' + "[" * 1500 + "]" * 1500 + "}",
    "mixed": '[{"":' * 400 + "0" + "}]" * 400,
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_json_is_no_state(name: str) -> None:
    value = b64(DEEP[name])
    assert len(value) <= 4096
    assert decode(value) is None
    assert shared_view(value, CANVASES) is None


def test_nesting_up_to_the_limit_is_read() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert decode(b64(text)) is not None
    assert decode(b64("[" + text + "]")) is None


def test_brackets_inside_strings_do_not_count() -> None:
    label = '「古文書」[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{{{{{{{{{ \\"[[[[[[[[[[[[[[[[[[['
    state = region_state("https://example.org/state/1", CANVASES[1], MANIFEST, (10, 20, 300, 400))
    state["label"] = {"ja": [label]}
    view = shared_view(encode(state), CANVASES)
    assert view is not None and view.page == 2 and view.region == (10, 20, 300, 400)


def test_a_malformed_url_in_the_state_is_no_state() -> None:
    state = region_state("x", "http://[::1/iiif/canvas/1", MANIFEST, None)
    assert shared_view(encode(state), CANVASES) is None
    state = {"type": "SpecificResource", "source": {"id": "http://[zz"}, "selector": {"value": 1}}
    assert shared_view(encode(state), CANVASES) is None


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=40,
    )
)
def test_any_json_never_raises(value: object) -> None:
    text = json.dumps({"type": "Annotation", "target": value}, ensure_ascii=False)
    shared_view(b64(text), CANVASES)
    shared_view(b64(text)[:-3], CANVASES)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    root: Path = build_demo_once(tmp_path_factory)
    return create_app(load_config(root), {"TESTING": False}).test_client(use_cookies=False)


@pytest.mark.parametrize("name", sorted(DEEP))
def test_the_item_page_with_deep_json(client, name: str) -> None:
    response = client.get(f"/items/{ITEM}", query_string={"iiif-content": b64(DEEP[name])})
    assert response.status_code == 200
    assert "指田日記" in response.get_data(as_text=True)


# --------------------------------------------------------------------------------------
# Issue 14 item 7: content-state-encoding exactly as §6.1 of IIIF Content State 1.0 says
# (encodeURIComponent, then base64url without padding); Kura's earlier links still open.

# §6.3.2 of the specification: its condensed example and the encoding it gives for it.
SPEC_CONDENSED = (
    '{"id":"https://example.org/object1/canvas7#xywh=1000,2000,1000,2000","type":"Canvas",'
    '"partOf":[{"id":"https://example.org/object1/manifest","type":"Manifest"}]}'
)
SPEC_ENCODED = (
    "JTdCJTIyaWQlMjIlM0ElMjJodHRwcyUzQSUyRiUyRmV4YW1wbGUub3JnJTJGb2JqZWN0MSUyRmNhbnZhczclMjN4"
    "eXdoJTNEMTAwMCUyQzIwMDAlMkMxMDAwJTJDMjAwMCUyMiUyQyUyMnR5cGUlMjIlM0ElMjJDYW52YXMlMjIlMkMl"
    "MjJwYXJ0T2YlMjIlM0ElNUIlN0IlMjJpZCUyMiUzQSUyMmh0dHBzJTNBJTJGJTJGZXhhbXBsZS5vcmclMkZvYmpl"
    "Y3QxJTJGbWFuaWZlc3QlMjIlMkMlMjJ0eXBlJTIyJTNBJTIyTWFuaWZlc3QlMjIlN0QlNUQlN0Q"
)
# §5.4: the search result link to canvas77 of "Alice in Wonderland".
SPEC_ALICE = (
    "JTdCJTIyaWQlMjIlM0ElMjJodHRwcyUzQSUyRiUyRmV4YW1wbGUub3JnJTJGYWxpY2UlMkZjYW52YXM3NyUyM3h5"
    "d2glM0QxMDAwJTJDMjAwMCUyQzEwMDAlMkMyMDAwJTIyJTJDJTIydHlwZSUyMiUzQSUyMkNhbnZhcyUyMiUyQyUy"
    "MnBhcnRPZiUyMiUzQSU1QiU3QiUyMmlkJTIyJTNBJTIyaHR0cHMlM0ElMkYlMkZleGFtcGxlLm9yZyUyRmFsaWNl"
    "JTJGbWFuaWZlc3QlMjIlMkMlMjJ0eXBlJTIyJTNBJTIyTWFuaWZlc3QlMjIlN0QlNUQlN0Q"
)
# An archive whose address has a literal "%" and non-ASCII characters in its path.
ODD_BASE = "https://archives.example.jp/市史%E8%B3%87料/100%25"


def spec_decode(value: str) -> str:
    """§6.3.2's decode_content_state: what a conforming client does with the parameter."""
    from urllib.parse import unquote

    padded = value + "=" * (-len(value) % 4)
    return unquote(base64.urlsafe_b64decode(padded).decode("utf-8"))


def test_the_specs_example_encodes_to_the_specs_string() -> None:
    from viewer.content_state import encode_text

    assert encode_text(SPEC_CONDENSED) == SPEC_ENCODED
    assert encode(json.loads(SPEC_CONDENSED)) == SPEC_ENCODED  # same key order, no spaces
    assert decode(SPEC_ENCODED) == json.loads(SPEC_CONDENSED)


def test_the_specs_search_result_link_opens_its_region() -> None:
    canvases = [f"https://example.org/alice/canvas{n}" for n in (76, 77, 78)]
    view = shared_view(SPEC_ALICE, canvases)
    assert view is not None and view.page == 2 and view.region == (1000, 2000, 1000, 2000)


def test_encodeuricomponent_keeps_what_javascript_keeps() -> None:
    from viewer.content_state import encode_text

    # encodeURIComponent("a b!~*'()-_.é/%") in any browser is a%20b!~*'()-_.%C3%A9%2F%25
    assert spec_decode(encode_text("a b!~*'()-_.é/%")) == "a b!~*'()-_.é/%"
    raw = base64.urlsafe_b64decode(encode_text("a b!~*'()-_.é/%") + "==").decode("ascii")
    assert raw == "a%20b!~*'()-_.%C3%A9%2F%25"


def test_an_address_with_percent_and_kanji_survives_a_conforming_client() -> None:
    from manifests.urls import Urls

    urls = Urls(ODD_BASE)
    canvases = [urls.canvas(ITEM, n) for n in (1, 2, 3)]
    state = region_state(
        f"{urls.item_page(ITEM)}#view", canvases[2], urls.manifest(ITEM), (5, 6, 7, 8)
    )
    value = encode(state)
    assert set(value) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert json.loads(spec_decode(value)) == state  # "%E8%B3%87" and "%25" stay as they are
    assert "/市史%E8%B3%87料/100%25/iiif/" in state["target"]["id"]
    view = shared_view(value, canvases)
    assert view is not None and view.page == 3 and view.region == (5, 6, 7, 8)
    # the encoding before the fix: a conforming client reads other addresses from it
    old = b64(json.dumps(state, ensure_ascii=False, separators=(",", ":")))
    misread = json.loads(spec_decode(old))
    assert misread["target"]["id"].startswith("https://archives.example.jp/市史資料/100%/iiif/")


def test_old_links_plain_uris_and_plain_json_still_open() -> None:
    from manifests.urls import Urls

    urls = Urls(ODD_BASE)
    canvases = [urls.canvas(ITEM, n) for n in (1, 2)]
    state = region_state("x", canvases[1], urls.manifest(ITEM), (1, 2, 3, 4))
    text = json.dumps(state, ensure_ascii=False, separators=(",", ":"))
    for value in (
        b64(text),  # Kura's links before the fix: base64url of the UTF-8 JSON
        b64(json.dumps(state, indent=2)),  # … with whitespace and \\u escapes
        text,  # unencoded JSON
        f"{canvases[1]}#xywh=1,2,3,4",  # a plain URI of the canvas (§3.1.1)
    ):
        view = shared_view(value, canvases)
        assert view is not None and (view.page, view.region) == (2, (1, 2, 3, 4)), value
    assert shared_view(canvases[0], canvases) == SharedView(page=1, region=None)
    assert shared_view(f"{ODD_BASE}/iiif/other/canvas/1", canvases) is None
    # percent-escapes that are not UTF-8 are no state
    assert decode(base64.urlsafe_b64encode(b"%7B%FF%7D").decode().rstrip("=")) is None


def test_the_item_page_opens_new_old_and_plain_links(client) -> None:
    canvas = f"http://127.0.0.1:9999/iiif/{ITEM}/canvas/2"  # made on another address
    state = region_state("x", canvas, "m", (10, 20, 30, 40))
    old = b64(json.dumps(state, ensure_ascii=False, separators=(",", ":")))
    for value in (encode(state), old, f"{canvas}#xywh=10,20,30,40"):
        page = client.get(f"/items/{ITEM}", query_string={"iiif-content": value})
        assert 'data-page="2" data-region="10,20,30,40"' in page.get_data(as_text=True), value
