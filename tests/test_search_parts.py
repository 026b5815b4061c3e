"""The pieces search-by-meaning is made of, each on its own: romaji folding, kana spelling,
iteration marks, years in text, the era form of a year, the thesaurus (Kura's and a
project's own), readings learned from 名称_カナ, JMdict glosses and content words."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from archive.model import Withdrawal, YearRange
from archive.project import init_project
from archive.search import rebuild, search
from archive.search.analysis import long_vowels_spelt, loose_kana, normalize
from archive.search.dates import era_label, fit, years_named_in
from archive.search.dictionary import glosses, readings
from archive.search.query import content_words
from archive.search.readings import fold_romaji, learn_reading, learned_readings, reading
from archive.search.thesaurus import FILE_NAME, ThesaurusError, built_in, load
from archive.store import LocalStore
from tests.test_search_corpus import ITEMS, record


@pytest.mark.parametrize(
    ("typed", "same_as"),
    [
        ("sinmati", "shinmachi"),
        ("tyouzya", "chōja"),
        ("tyoja", "choja"),
        ("syuumon", "shūmon"),
        ("hukusima", "fukushima"),
        ("zizou", "jizō"),
        ("kyûryô", "kyuuryou"),
        ("shimbashi", "shinbashi"),
        ("Ohno", "ono"),
        ("matcha", "maccha"),
        ("musashi-murayama", "Musasimurayama"),
    ],
)
def test_every_romaji_system_folds_to_one_spelling(typed: str, same_as: str) -> None:
    assert fold_romaji(typed) == fold_romaji(same_as)


def test_different_words_stay_different_in_romaji() -> None:
    assert fold_romaji("sato") != fold_romaji("sado")
    assert fold_romaji("kaki") != fold_romaji("kagi")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("きょう", "キヨウ"),
        ("じょうもん", "じょーもん"),
        ("にっき", "ニツキ"),
        ("とうきょう", "とーきょー"),
    ],
)
def test_old_sheet_kana_and_long_vowels_fold_loosely(a: str, b: str) -> None:
    assert loose_kana(normalize(a)) == loose_kana(normalize(b))
    assert loose_kana(normalize("さしだ")) != loose_kana(normalize("さした"))


def test_long_vowel_marks_are_spelt_as_vowels() -> None:
    assert long_vowels_spelt("じょーもん") == "じょうもん"
    assert long_vowels_spelt("せんせー") == "せんせい"
    assert long_vowels_spelt("かーど") == "かあど"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("家々", "家家"),
        ("こゝろ", "こころ"),
        ("いすゞ", "いすず"),
        ("緑ヶ丘", "緑が丘"),
        ("緑ケ丘", "緑ガ丘"),
        ("つつじヶ丘", "つつじが丘"),
    ],
)
def test_iteration_marks_and_linking_ga_fold(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)


def test_a_plain_ke_between_kana_is_not_a_linking_ga() -> None:
    assert normalize("あけぼの") != normalize("あがぼの")


def test_years_named_in_text() -> None:
    text = "文政7年に名主が書き上げ、明治10年代に写した。1877年の記事もある。嘉永元年の条。"
    assert years_named_in(text) == [1824, 1877, 1848]  # 明治10年代 is a decade, not a year
    assert years_named_in("") == []


def test_era_label_and_fit() -> None:
    assert era_label(1877) == "明治10年"
    assert era_label(1868) == "明治元年"
    assert era_label(1834) == "天保5年"
    span = YearRange(1882, 1882)
    exact, decade, era = fit(span, 1882, 1882), fit(span, 1877, 1886), fit(span, 1868, 1912)
    assert exact == 1.0 and exact > decade > era > 0
    assert fit(span, 1700, 1800) == 0.0


def test_built_in_thesaurus_maps_peoples_words() -> None:
    thesaurus = built_in()
    assert "農具" in thesaurus.lookup("のうぐ")
    assert "農具" in thesaurus.lookup("ノウグ")  # katakana folded
    assert "農具" in thesaurus.lookup("Farming  Tools")  # case and spaces folded
    assert thesaurus.lookup("ぴあの") == []
    rest, found = thesaurus.find_in(normalize("むかしののうぐ"))
    assert found == ["のうぐ"] and rest == "むかしの"


def test_a_projects_thesaurus_adds_words_and_a_broken_one_says_where(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_text('[words]\n"念仏講" = ["おねんぶつ"]\n', encoding="utf-8")
    assert load(tmp_path).lookup("おねんぶつ") == ["念仏講"]
    assert "農具" in load(tmp_path).lookup("のうぐ")  # Kura's own words still there
    (tmp_path / FILE_NAME).write_text('[words]\n"念仏講" = 3\n', encoding="utf-8")
    with pytest.raises(ThesaurusError, match=r"thesaurus\.toml"):
        load(tmp_path)


def test_a_projects_thesaurus_needs_no_reindex(tmp_path: Path) -> None:
    project = tmp_path / "archive"
    init_project(project, "類義語", "thesaurus")
    records = project / "public" / "records"
    records.mkdir(parents=True, exist_ok=True)
    row = ("nenbutsu", "念仏講掛軸", "", "", "絵画", "", "江戸時代", "", "講中の掛軸。", 0)
    (records / "nenbutsu.json").write_text(
        json.dumps(record(row).to_json(), ensure_ascii=False), "utf-8"
    )
    rebuild(project)

    def by_thesaurus() -> bool:
        result = search(project, "ばばさまのあつまり")
        return [h.id for h in result.hits] == ["nenbutsu"] and any(
            "類義語" in line for line in result.hits[0].why
        )

    assert not by_thesaurus()
    (project / FILE_NAME).write_text('[words]\n"念仏講" = ["ばばさまのあつまり"]\n', "utf-8")
    assert by_thesaurus()


def test_readings_learned_from_the_sheets_kana() -> None:
    learned = learn_reading("大國魂神社本殿", "オオクニタマジンジャホンデン")
    assert learned == {"大国魂": "おおくにたま"}
    assert learn_reading("指田日記", "サシダニッキ") == {}  # the dictionary agrees
    assert learn_reading("宗門人別改帳", "シユウモンニンベツアラタメチヨウ") == {}  # big kana only
    with learned_readings(learned):
        assert reading("大國魂神社の参道").startswith("おおくにたまじんじゃ")
    assert not reading("大國魂神社の参道").startswith("おおくにたま")


def test_jmdict_gives_glosses_and_readings() -> None:
    assert "kimono" in glosses("着物")
    assert any("well" in g for g in glosses("井戸"))
    assert "どき" in readings("土器") and "かわらけ" in readings("土器")


def test_content_words_leave_questions_out() -> None:
    assert content_words("狭山丘陵の写真を見たい") == ["狭山丘陵", "写真"]
    assert content_words("獅子舞について知りたい") == ["獅子舞"]
    assert content_words("old kimono") == ["kimono"]


def test_kura_init_writes_an_empty_thesaurus_that_reads(tmp_path: Path) -> None:
    init_project(tmp_path / "new", "新しい", "new")
    text = (tmp_path / "new" / FILE_NAME).read_text(encoding="utf-8")
    assert "kura index" in text and "[words]" in text
    assert len(load(tmp_path / "new")) == len(built_in())  # examples stay commented out


def test_an_index_of_an_older_kura_is_rebuilt_once(tmp_path: Path) -> None:
    from archive.search.indexer import MARKER, index_dir, refresh_stale

    project = tmp_path / "archive"
    init_project(project, "古い索引", "old index")
    records = project / "public" / "records"
    records.mkdir(parents=True, exist_ok=True)
    row = ("a", "指田日記", "サシダニッキ", "", "古文書", "", "天保5年", "", "日記。", 0)
    (records / "a.json").write_text(json.dumps(record(row).to_json(), ensure_ascii=False), "utf-8")
    rebuild(project)
    assert refresh_stale(project) is None  # current: nothing to do
    marker = index_dir(project) / MARKER
    marker.write_text(json.dumps({"version": 1, "records": 1}), encoding="utf-8")
    stats = refresh_stale(project)
    assert stats is not None and stats.records == 1
    assert [h.id for h in search(project, "さしだにっき").hits] == ["a"]


class CountingStore(LocalStore):
    """A local store that counts the reads of every key."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.reads: Counter[str] = Counter()

    def get(self, key: str) -> bytes:
        self.reads[key] += 1
        return super().get(key)


@pytest.mark.parametrize("kept", [None, 2])
def test_indexing_reads_each_record_once_and_not_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: int | None
) -> None:
    """``kura index`` and the index update after ingest read every record once (an archive
    larger than ``KEPT_RECORDS``: the rest twice) from the store they are given, and never
    kura.toml again; a withdrawn item is read and left out."""
    from archive.search import indexer, update

    project = tmp_path / "archive"
    init_project(project, "読む回数", "reads")
    records = project / "public" / "records"
    records.mkdir(parents=True, exist_ok=True)
    ids = sorted(row[0] for row in ITEMS[:6])
    for row in ITEMS[:6]:
        item = record(row)
        if item.id == ids[0]:
            item = replace(item, withdrawn=Withdrawal("2026-12-01T00:00:00Z", "test", "me"))
        (records / f"{item.id}.json").write_text(json.dumps(item.to_json()), "utf-8")
    if kept is not None:
        monkeypatch.setattr(indexer, "KEPT_RECORDS", kept)

    def no_settings(*args: object) -> None:
        raise AssertionError("kura.toml read again")

    monkeypatch.setattr("archive.config.load_config", no_settings)
    store = CountingStore(project / "public")
    stats = rebuild(project, store=store)
    assert stats.records == 5 and stats.skipped == 0
    reads = {key: n for key, n in store.reads.items() if key.startswith("records/")}
    twice = set(ids[kept:]) if kept is not None else set()
    assert reads == {f"records/{i}.json": 2 if i in twice else 1 for i in ids}
    found = search(project, "", None, "id", 1, 20, curation=False).hits
    assert [h.id for h in found] == ids[1:]

    store.reads.clear()
    assert update(project, ids[1:3], store=store).records == 2
    assert dict(store.reads) == {f"records/{i}.json": 1 for i in ids[1:3]}
