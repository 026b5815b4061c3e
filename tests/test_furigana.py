"""Furigana: ruby over exactly the kanji not yet taught in the chosen grade (学年別漢字配当表,
令和2年), readings from SudachiPy, okurigana outside the ruby, jukujikun kept whole."""

from __future__ import annotations

import pytest

from archive.furigana import furigana_html, furigana_text, kanji_grade, segments


def ruby(base: str, reading: str) -> str:
    return f"<ruby>{base}<rp>(</rp><rt>{reading}</rt><rp>)</rp></ruby>"


def test_the_official_table_reiwa2() -> None:
    # 2020 revision: the prefecture kanji moved to grade 4; 1,026 kanji in all
    assert kanji_grade("一") == 1
    assert kanji_grade("道") == 2
    assert kanji_grade("昔") == 3
    assert kanji_grade("岡") == 4
    assert kanji_grade("織") == 5
    assert kanji_grade("蔵") == 6
    assert kanji_grade("紬") is None
    assert kanji_grade("あ") is None


@pytest.mark.parametrize(
    ("text", "grade", "expected"),
    [
        # every kanji taught by grade 3: no ruby at all
        ("今日は昔の道具を使います。", 3, "今日は昔の道具を使います。"),
        # grade 1: 今日 is read as a whole (jukujikun), okurigana stay outside (使います)
        (
            "今日は昔の道具を使います。",
            1,
            f"{ruby('今日', 'きょう')}は{ruby('昔', 'むかし')}の{ruby('道具', 'どうぐ')}を{ruby('使', 'つか')}います。",
        ),
        # above grade 3, okurigana outside the ruby
        ("糸を染める", 3, f"糸を{ruby('染', 'そ')}める"),
        # a compound of untaught kanji gets one ruby
        ("稲を脱穀しました。", 3, f"{ruby('稲', 'いね')}を{ruby('脱穀', 'だっこく')}しました。"),
        # only the untaught kanji of a compound get a ruby
        ("村山大島紬ができるまで", 3, f"村山大島{ruby('紬', 'つむぎ')}ができるまで"),
        ("大島紬", 2, f"大{ruby('島紬', 'しまつむぎ')}"),
        # a name read as a whole keeps one ruby over its untaught part
        ("武蔵村山市の歴史", 3, f"{ruby('武蔵', 'むさし')}村山市の{ruby('歴史', 'れきし')}"),
        ("明日", 1, ruby("明日", "あす")),
        # the dictionary lacks 模's reading も: the taught 様 (よう) leaves it to 模 alone
        ("着物の模様", 3, f"着物の{ruby('模', 'も')}様"),
        ("景色", 3, f"{ruby('景', 'け')}色"),
        ("板締めで糸を染めます", 3, f"板{ruby('締', 'じ')}めで糸を{ruby('染', 'そ')}めます"),
        ("かなだけの文", 1, "かなだけの文"),
    ],
)
def test_ruby(text: str, grade: int, expected: str) -> None:
    assert furigana_text(text, grade) == expected


def test_given_readings_win_over_the_dictionary() -> None:
    # SudachiDict reads 扱き as しごき; in 千歯扱き it is こき
    assert furigana_text("千歯扱きで稲をこく", 3, {"千歯扱き": "せんばこき"}) == (
        f"千歯{ruby('扱', 'こ')}きで{ruby('稲', 'いね')}をこく"
    )


def test_text_is_kept_exactly_and_escaped() -> None:
    text = '一行目\n 二行目　３つ <b>&"石臼"'
    assert "".join(s.text for s in segments(text, 3)) == text
    out = furigana_text(text, 3)
    assert "&lt;b&gt;&amp;" in out and "<b>" not in out
    assert ruby("臼", "うす") in out


def test_html_gets_ruby_in_text_only() -> None:
    html = '<p><a href="/items/脱穀">脱穀</a> <code>脱穀</code> <ruby>稲<rt>いね</rt></ruby></p>'
    out = furigana_html(html, 3)
    assert out == (
        f'<p><a href="/items/脱穀">{ruby("脱穀", "だっこく")}</a> <code>脱穀</code> '
        "<ruby>稲<rt>いね</rt></ruby></p>"
    )


def test_a_reading_written_in_brackets_becomes_the_ruby() -> None:
    """Writers for children give unusual readings inline: 実（もみ） is ruby もみ over 実, not
    Sudachi's one token 実（もみ） read じつ, and the brackets go (full- or half-width, kana)."""
    assert furigana_text("あの実（もみ）を落とす", 6) == (
        "あの<ruby>実<rp>(</rp><rt>もみ</rt><rp>)</rp></ruby>を落とす"
    )
    assert (
        furigana_text("唐箕(トウミ)で", 6)
        == "<ruby>唐箕<rp>(</rp><rt>とうみ</rt><rp>)</rp></ruby>で"
    )
    assert furigana_text("学校（がっこう）", 1) == (
        "<ruby>学校<rp>(</rp><rt>がっこう</rt><rp>)</rp></ruby>"
    )
    assert (
        furigana_text("道具（1）", 1) == "<ruby>道具<rp>(</rp><rt>どうぐ</rt><rp>)</rp></ruby>（1）"
    )
