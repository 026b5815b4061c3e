"""Rights: map a 利用条件 cell to the canonical URI that IIIF Presentation 3 accepts.

IIIF ``rights`` must be a Creative Commons licence or public-domain URI or a
RightsStatements.org URI, written with ``http://`` and a trailing slash, e.g.
``http://creativecommons.org/licenses/by/4.0/``. Archivists write labels instead
(``CC BY 4.0``, ``CC0``, ``PDM``, ``CC 表示-継承 4.0``, ``著作権保護期間満了``), so
:func:`rights_uri` accepts those and anything it cannot map with certainty is ``None``
(never a guess: ``自由利用`` says nothing about attribution, so it is refused).

``政府標準利用規約`` (the Japanese government standard terms of use, 第2.0版, 2015) and
``公共データ利用規約`` (第1.0版, PDL 1.0, 2024) both state that they are compatible with
CC BY 4.0 国際, so they map to ``http://creativecommons.org/licenses/by/4.0/``. The older
政府標準利用規約 第1.0版 was not written as CC BY compatible and is refused.
"""

from __future__ import annotations

import re
import unicodedata

CC = "http://creativecommons.org/"
RS = "http://rightsstatements.org/vocab/"
CC0 = CC + "publicdomain/zero/1.0/"
PDM = CC + "publicdomain/mark/1.0/"
CC_BY_4 = CC + "licenses/by/4.0/"

# Creative Commons licence codes, in the order the parts appear in the URI.
_CC_CODES = ("by", "by-sa", "by-nc", "by-nd", "by-nc-sa", "by-nc-nd")
# 2.1 exists only as jurisdiction ports; in Japan "CC BY 2.1" means the 2.1 JP port.
_CC_VERSIONS = ("1.0", "2.0", "2.1", "2.5", "3.0", "4.0")

# RightsStatements.org: canonical code → (English label, Japanese label).
_RS: dict[str, tuple[str, str]] = {
    "InC": ("In Copyright", "著作権あり"),
    "InC-OW-EU": ("In Copyright - EU Orphan Work", "著作権あり（EU 孤児著作物）"),
    "InC-EDU": ("In Copyright - Educational Use Permitted", "著作権あり（教育目的の利用可）"),
    "InC-NC": ("In Copyright - Non-Commercial Use Permitted", "著作権あり（非営利利用可）"),
    "InC-RUU": (
        "In Copyright - Rights-holder(s) Unlocatable or Unidentifiable",
        "著作権あり（権利者不明）",
    ),
    "NoC-CR": ("No Copyright - Contractual Restrictions", "著作権なし（契約による制限あり）"),
    "NoC-NC": ("No Copyright - Non-Commercial Use Only", "著作権なし（非営利利用のみ）"),
    "NoC-OKLR": (
        "No Copyright - Other Known Legal Restrictions",
        "著作権なし（その他の法的制限あり）",
    ),
    "NoC-US": ("No Copyright - United States", "著作権なし（米国）"),
    "CNE": ("Copyright Not Evaluated", "著作権未評価"),
    "UND": ("Copyright Undetermined", "著作権不明"),
    "NKC": ("No Known Copyright", "既知の著作権なし"),
}

# Japanese names of the CC licence elements (as on creativecommons.org/licenses/?lang=ja).
_JA_ELEMENTS = {"表示": "by", "継承": "sa", "非営利": "nc", "改変禁止": "nd"}

# Whole labels (after _key()) that name one URI.
_LABELS: dict[str, str] = {
    **dict.fromkeys(["cc0", "cc0 1.0", "cc zero", "cczero", "cc zero 1.0"], CC0),
    **dict.fromkeys(["public domain dedication", "cc0 public domain dedication"], CC0),
    **dict.fromkeys(
        [
            "pdm",
            "pdm 1.0",
            "public domain",
            "public domain mark",
            "public domain mark 1.0",
            "パブリックドメイン",
            "パブリック ドメイン",
            "パブリックドメインマーク",
            "パブリック ドメイン マーク",
            "著作権保護期間満了",
            "保護期間満了",
            "著作権消滅",
        ],
        PDM,
    ),
    **dict.fromkeys(
        [
            "政府標準利用規約",
            "政府標準利用規約 2.0",
            "政府標準利用規約 第2.0版",
            "政府標準利用規約(第2.0版)",
            "公共データ利用規約",
            "公共データ利用規約 1.0",
            "公共データ利用規約 第1.0版",
            "公共データ利用規約(第1.0版)",
            "pdl1.0",
            "pdl 1.0",
        ],
        CC_BY_4,
    ),
}

_CC_URI = re.compile(
    r"(?:www\.)?creativecommons\.org/licenses/(?P<code>[a-z-]+)/(?P<version>\d\.\d)"
    r"(?:/(?P<port>[a-z]{2})(?=/|$))?(?:/.*)?"
)
_CC_PD_URI = re.compile(
    r"(?:www\.)?creativecommons\.org/publicdomain/(?P<kind>zero|mark)/1\.0(?:/.*)?"
)
_RS_URI = re.compile(
    r"(?:www\.)?rightsstatements\.org/(?:vocab|page|data)/(?P<code>[a-z-]+)/1\.0(?:/.*)?"
)
_NOISE = ("cc", "license", "licence", "ライセンス", "international", "国際")
_VERSION = re.compile(r"\d\.\d")
_PORT = re.compile(r"[a-z]{2}")


def _key(value: str) -> str:
    """NFKC, case-folded, separators reduced to single spaces."""
    text = unicodedata.normalize("NFKC", value).casefold().strip()
    text = re.sub(r"[\s_・,]+", " ", text)
    return text.strip()


def _cc_uri(code: str, version: str, port: str = "") -> str | None:
    if code not in _CC_CODES or version not in _CC_VERSIONS:
        return None
    if version == "2.1" and not port:
        port = "jp"
    if version == "4.0" and port:  # 4.0 has no jurisdiction ports
        return None
    return f"{CC}licenses/{code}/{version}/" + (f"{port}/" if port else "")


def _from_uri(key: str) -> str | None:
    rest = re.sub(r"^https?://", "", key)
    if rest == key:
        return None
    rest = rest.split("?")[0].split("#")[0]
    if match := _CC_URI.fullmatch(rest):
        return _cc_uri(match["code"], match["version"], match["port"] or "")
    if match := _CC_PD_URI.fullmatch(rest):
        return CC0 if match["kind"] == "zero" else PDM
    if match := _RS_URI.fullmatch(rest):
        return _rs_code(match["code"])
    return None


def _rs_code(text: str) -> str | None:
    for code in _RS:
        if code.casefold() == text:
            return f"{RS}{code}/1.0/"
    return None


def _from_label(key: str) -> str | None:
    """``CC BY-NC-SA 4.0``, ``CC 表示-継承``, ``BY 2.1 JP`` … → a licence URI."""
    text = key.replace("クリエイティブ コモンズ", "cc").replace("クリエイティブコモンズ", "cc")
    text = text.replace("creative commons", "cc")
    for ja, element in _JA_ELEMENTS.items():
        text = text.replace(ja, f" {element} ")
    tokens = [t for t in re.split(r"[\s\-/()]+", text) if t]
    tokens = [t for t in tokens if t not in _NOISE]
    if tokens[:1] == ["cc0"]:  # "cc0-1.0"
        return CC0 if tokens[1:] in ([], ["1.0"]) else None
    elements: set[str] = set()
    version = port = ""
    for token in tokens:
        if token in ("by", "sa", "nc", "nd"):
            if token in elements:
                return None
            elements.add(token)
        elif _VERSION.fullmatch(token) and not version:
            version = token
        elif _PORT.fullmatch(token) and version and not port:
            port = token
        else:
            return None
    if "by" not in elements or {"sa", "nd"} <= elements:
        return None
    code = "-".join(e for e in ("by", "nc", "sa", "nd") if e in elements)
    return _cc_uri(code, version or "4.0", port)


def rights_uri(value: str) -> str | None:
    """The canonical ``http://`` rights URI for a 利用条件 cell, or None if unknown."""
    key = _key(value)
    if not key:
        return None
    if key.startswith(("http://", "https://")):
        return _from_uri(key.replace(" ", ""))
    if key in _LABELS:
        return _LABELS[key]
    if uri := _rs_code(key.replace(" ", "-")):
        return uri
    for code, (en, ja) in _RS.items():
        if key in (_key(en), _key(ja)):
            return f"{RS}{code}/1.0/"
    return _from_label(key)


def unversioned(value: str) -> bool:
    """True when ``value`` names a Creative Commons licence without its version (``CC-BY``,
    ``CC 表示-継承``): :func:`rights_uri` reads it as 4.0, which the archivist should confirm,
    since works licensed years ago are often under 2.1 JP or 3.0."""
    key = _key(value)
    if not key or key.startswith(("http://", "https://")) or key in _LABELS:
        return False
    uri = _from_label(key)
    return bool(uri and uri.startswith(f"{CC}licenses/") and not _VERSION.search(key))


def rights_label(uri: str, lang: str) -> str:
    """A short human label for a rights URI: ``CC BY 4.0``, ``パブリック・ドメイン`` …"""
    canonical = rights_uri(uri) or uri
    if canonical == CC0:
        return "CC0 1.0"
    if canonical == PDM:
        return "Public Domain" if lang == "en" else "パブリック・ドメイン"
    if match := _CC_URI.fullmatch(canonical.removeprefix("http://")):
        port = f" {match['port'].upper()}" if match["port"] else ""
        return f"CC {match['code'].upper()} {match['version']}{port}"
    if canonical.startswith(RS):
        code = canonical.removeprefix(RS).split("/")[0]
        if code in _RS:
            en, ja = _RS[code]
            return en if lang == "en" else ja
    return uri


# Accepted examples, for error messages.
EXAMPLES = "CC BY 4.0, CC BY-SA 4.0, CC BY-NC 4.0, CC0, PDM, InC, " + CC_BY_4
