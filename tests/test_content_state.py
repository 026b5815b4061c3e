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
from viewer.content_state import MAX_DEPTH, decode, encode, region_state, shared_view

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
