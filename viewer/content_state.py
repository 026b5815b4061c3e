"""IIIF Content State 1.0: a share link that opens an item at a page and a zoomed region.

The state is an Annotation with ``motivation: contentState`` targeting a canvas region
(``{canvas}#xywh=x,y,w,h``) that is ``partOf`` the item's manifest; in a URL it is the
``iiif-content`` parameter, *content-state-encoded* as §6.1 of the specification says: the
JSON text through ``encodeURIComponent`` (UTF-8 percent-encoding), then base64url without
``=`` padding. The browser (``kura-viewer.js``) writes it as the view changes; the item page
reads it here, so a shared link opens where its sender was.

Read as well (so every link ever shared still opens): Kura's links before the fix (base64url
of the UTF-8 JSON, without the ``encodeURIComponent`` step), unencoded JSON, and a plain URI
(a canvas of the item, with or without ``#xywh=``; the URI is matched, never fetched).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

CONTEXT = "http://iiif.io/api/presentation/3/context.json"
MAX_ENCODED = 4096  # a content state for one region is a few hundred characters
MAX_DEPTH = 16  # an Annotation → target → partOf → Manifest is 4 levels deep
_XYWH = re.compile(r"xywh=(?:pixel:)?(\d{1,7}),(\d{1,7}),(\d{1,7}),(\d{1,7})")


@dataclass(frozen=True)
class SharedView:
    page: int  # 1-based
    region: tuple[int, int, int, int] | None  # x, y, w, h on the canvas


# encodeURIComponent leaves letters, digits and - _ . ! ~ * ' ( ) as they are; quote() always
# keeps letters, digits and - _ . ~, and ``safe`` adds the rest.
_URI_COMPONENT_SAFE = "!~*'()"


def encode_text(text: str) -> str:
    """Content-state-encoding (§6.1) of a JSON text: encodeURIComponent, base64url, no ``=``."""
    uri_encoded = quote(text, safe=_URI_COMPONENT_SAFE, encoding="utf-8", errors="strict")
    return base64.urlsafe_b64encode(uri_encoded.encode("ascii")).decode("ascii").rstrip("=")


def encode(state: dict) -> str:
    return encode_text(json.dumps(state, ensure_ascii=False, separators=(",", ":")))


def decode(value: str) -> object | None:
    """The JSON of a content state as given in ``iiif-content`` (the URI itself, a str, for a
    plain URI), or None when it is not one."""
    value = value.strip()
    if not value or len(value) > MAX_ENCODED:
        return None
    if value.startswith(("http://", "https://")):
        return value  # a URI is never content-state-encoded (§6.2)
    if value.startswith(("{", "[")):
        text = value  # unencoded JSON, as a person may paste it
    else:
        text = _decode_text(value)
        if text is None:
            return None
    if _depth(text) > MAX_DEPTH:  # json.loads recurses: [[[[… would raise RecursionError
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _decode_text(value: str) -> str | None:
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    if text.lstrip().startswith(("{", "[")):
        return text  # Kura's links before §6.1 was followed: base64url of the JSON itself
    try:  # §6.1: the base64url held the encodeURIComponent form (JSON's "{" is "%7B")
        return unquote(text, encoding="utf-8", errors="strict")
    except ValueError:  # percent-escapes that are not UTF-8
        return None


def _depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON text (brackets inside strings
    not counted); stops counting once past MAX_DEPTH."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    break
        elif ch in "]}":
            depth -= 1
    return deepest


def region_state(
    ident: str, canvas: str, manifest: str, region: tuple[int, int, int, int] | None
) -> dict:
    """The content state ``ident`` of a canvas (a whole page, or a region of it)."""
    target = canvas if region is None else f"{canvas}#xywh={','.join(map(str, region))}"
    return {
        "@context": CONTEXT,
        "id": ident,
        "type": "Annotation",
        "motivation": ["contentState"],
        "target": {
            "id": target,
            "type": "Canvas",
            "partOf": [{"id": manifest, "type": "Manifest"}],
        },
    }


def _targets(state: object) -> list[dict]:
    if isinstance(state, str):  # a plain URI: the resource itself
        return [{"id": state}]
    if not isinstance(state, dict):
        return []
    if state.get("type") == "Annotation":
        target = state.get("target")
        found = target if isinstance(target, list) else [target]
        return [t for t in found if isinstance(t, dict)]
    if state.get("type") in ("Canvas", "SpecificResource"):
        return [state]
    return []


def shared_view(value: str, canvases: list[str]) -> SharedView | None:
    """Which of this item's ``canvases`` (ids in page order) and which region of it the
    encoded state ``value`` points at; None when it points at none of them.

    Canvases are compared by URL path, so a link made on one address of the archive
    (the demo's 127.0.0.1, a proxy's public name) opens on any other."""
    try:
        return _shared_view(value, canvases)
    except (ValueError, TypeError, RecursionError):  # a hostile state is no state
        return None


def _shared_view(value: str, canvases: list[str]) -> SharedView | None:
    paths = [urlsplit(c).path for c in canvases]
    for target in _targets(decode(value)):
        ident = target.get("id")
        if target.get("type") == "SpecificResource":
            source = target.get("source")
            ident = source.get("id") if isinstance(source, dict) else source
            selector = target.get("selector")
            if isinstance(selector, dict) and isinstance(selector.get("value"), str):
                ident = f"{ident}#{selector['value']}"
        if not isinstance(ident, str):
            continue
        canvas, _, fragment = ident.partition("#")
        try:
            path = urlsplit(canvas).path
        except ValueError:  # "http://[::1" and the like
            continue
        if path not in paths:
            continue
        match = _XYWH.search(fragment)
        region = tuple(int(v) for v in match.groups()) if match else None
        if region is not None and (region[2] == 0 or region[3] == 0):
            region = None
        return SharedView(page=paths.index(path) + 1, region=region)  # type: ignore[arg-type]
    return None
