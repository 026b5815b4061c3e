"""利用条件: labels and URIs → canonical IIIF rights URIs, and back to short labels."""

from __future__ import annotations

import pytest

from archive.rights import rights_label, rights_uri

CC = "http://creativecommons.org/licenses/"
BY4 = CC + "by/4.0/"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
PDM = "http://creativecommons.org/publicdomain/mark/1.0/"
RS = "http://rightsstatements.org/vocab/"


@pytest.mark.parametrize(
    ("value", "uri"),
    [
        # full URIs → canonical http://, trailing slash, no deed/legalcode page
        ("http://creativecommons.org/licenses/by/4.0/", BY4),
        ("https://creativecommons.org/licenses/by/4.0/", BY4),
        ("https://creativecommons.org/licenses/by/4.0", BY4),
        ("https://creativecommons.org/licenses/by/4.0/deed.ja", BY4),
        ("https://creativecommons.org/licenses/by/4.0/legalcode", BY4),
        ("https://creativecommons.org/licenses/by/4.0/legalcode.ja", BY4),
        ("HTTPS://CreativeCommons.org/licenses/by-sa/4.0/", CC + "by-sa/4.0/"),
        ("https://creativecommons.org/licenses/by-nc/2.1/jp/", CC + "by-nc/2.1/jp/"),
        ("https://creativecommons.org/licenses/by/2.1/jp/deed.ja", CC + "by/2.1/jp/"),
        ("https://creativecommons.org/licenses/by/3.0/de/deed.en", CC + "by/3.0/de/"),
        ("https://creativecommons.org/publicdomain/zero/1.0/deed.ja", CC0),
        ("https://creativecommons.org/publicdomain/mark/1.0/", PDM),
        ("http://rightsstatements.org/vocab/InC/1.0/", RS + "InC/1.0/"),
        ("https://rightsstatements.org/page/InC-EDU/1.0/?language=ja", RS + "InC-EDU/1.0/"),
        ("https://rightsstatements.org/vocab/noc-oklr/1.0", RS + "NoC-OKLR/1.0/"),
        # Creative Commons labels
        ("CC BY 4.0", BY4),
        ("CC-BY-4.0", BY4),
        ("cc by", BY4),
        ("ＣＣ　ＢＹ　４．０", BY4),
        ("CC BY 4.0 International", BY4),
        ("CC BY-SA 4.0", CC + "by-sa/4.0/"),
        ("CC BY-NC 4.0", CC + "by-nc/4.0/"),
        ("CC BY-NC-SA", CC + "by-nc-sa/4.0/"),
        ("CC BY-SA-NC", CC + "by-nc-sa/4.0/"),
        ("CC BY-ND", CC + "by-nd/4.0/"),
        ("CC BY-NC-ND 3.0", CC + "by-nc-nd/3.0/"),
        ("CC BY 2.0", CC + "by/2.0/"),
        ("CC BY 2.1", CC + "by/2.1/jp/"),
        ("CC BY-NC 2.1 JP", CC + "by-nc/2.1/jp/"),
        ("Creative Commons BY-SA 3.0", CC + "by-sa/3.0/"),
        ("CC0", CC0),
        ("cc0 1.0", CC0),
        ("CC0-1.0", CC0),
        ("PDM", PDM),
        ("Public Domain Mark", PDM),
        ("public domain mark 1.0", PDM),
        # Japanese labels
        ("パブリックドメイン", PDM),
        ("パブリック・ドメイン", PDM),
        ("著作権保護期間満了", PDM),
        ("CC 表示 4.0", BY4),
        ("クリエイティブ・コモンズ 表示 4.0 国際", BY4),
        ("CC 表示-継承", CC + "by-sa/4.0/"),
        ("表示-非営利", CC + "by-nc/4.0/"),
        ("CC 表示-非営利-改変禁止 4.0", CC + "by-nc-nd/4.0/"),
        ("政府標準利用規約", BY4),
        ("政府標準利用規約（第2.0版）", BY4),
        ("公共データ利用規約（第1.0版）", BY4),
        # RightsStatements.org codes and names
        ("InC", RS + "InC/1.0/"),
        ("inc-edu", RS + "InC-EDU/1.0/"),
        ("InC-NC", RS + "InC-NC/1.0/"),
        ("InC-OW-EU", RS + "InC-OW-EU/1.0/"),
        ("InC-RUU", RS + "InC-RUU/1.0/"),
        ("NoC-NC", RS + "NoC-NC/1.0/"),
        ("NoC-OKLR", RS + "NoC-OKLR/1.0/"),
        ("NoC-CR", RS + "NoC-CR/1.0/"),
        ("NoC-US", RS + "NoC-US/1.0/"),
        ("CNE", RS + "CNE/1.0/"),
        ("UND", RS + "UND/1.0/"),
        ("NKC", RS + "NKC/1.0/"),
        ("In Copyright", RS + "InC/1.0/"),
        ("No Known Copyright", RS + "NKC/1.0/"),
    ],
)
def test_rights_uri(value: str, uri: str) -> None:
    assert rights_uri(value) == uri


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "自由利用",
        "著作権フリー",
        "政府標準利用規約（第1.0版）",
        "CC",
        "CC BY BY",
        "CC BY-SA-ND 4.0",
        "CC NC",
        "CC BY 5.0",
        "CC BY 4.0 JP",
        "http://example.com/licence",
        "https://creativecommons.org/licenses/by-xx/4.0/",
        "https://rightsstatements.org/vocab/XYZ/1.0/",
        "All rights reserved",
    ],
)
def test_unknown_rights_are_refused(value: str) -> None:
    assert rights_uri(value) is None


@pytest.mark.parametrize(
    ("uri", "ja", "en"),
    [
        (BY4, "CC BY 4.0", "CC BY 4.0"),
        (CC + "by-nc-sa/4.0/", "CC BY-NC-SA 4.0", "CC BY-NC-SA 4.0"),
        (CC + "by/2.1/jp/", "CC BY 2.1 JP", "CC BY 2.1 JP"),
        (CC0, "CC0 1.0", "CC0 1.0"),
        (PDM, "パブリック・ドメイン", "Public Domain"),
        (RS + "InC/1.0/", "著作権あり", "In Copyright"),
        (RS + "NKC/1.0/", "既知の著作権なし", "No Known Copyright"),
        ("https://creativecommons.org/licenses/by/4.0/deed.ja", "CC BY 4.0", "CC BY 4.0"),
        ("http://example.com/x", "http://example.com/x", "http://example.com/x"),
    ],
)
def test_rights_label(uri: str, ja: str, en: str) -> None:
    assert rights_label(uri, "ja") == ja
    assert rights_label(uri, "en") == en


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize(
    "uri",
    [BY4, CC + "by-nd/3.0/", CC + "by/2.1/jp/", CC0, PDM]
    + [RS + f"{code}/1.0/" for code in ("InC", "InC-EDU", "InC-RUU", "NoC-US", "CNE", "UND")],
)
def test_labels_read_back(uri: str, lang: str) -> None:
    """A label written by rights_label is itself accepted in a sheet."""
    assert rights_uri(rights_label(uri, lang)) == uri
