"""Relevance set: every kind of query the issue names, with recall@10 and MRR asserted.

Each case is (query, ids that must be found). Recall@10 is the share of expected ids in
the first ten hits; MRR is the mean reciprocal rank of the first expected id.
"""

from __future__ import annotations

from pathlib import Path

from archive.search import search
from tests.test_search_corpus import search_project  # noqa: F401  (fixture)

CASES: list[tuple[str, set[str]]] = [
    # readings: hiragana, katakana, half-width kana, prefix of a reading
    ("むさしむらやま", {"shishi"}),
    ("ムサシムラヤマ", {"shishi"}),
    ("ﾑｻｼﾑﾗﾔﾏ", {"shishi"}),
    ("むさし", {"shishi", "kuni-ezu"}),
    ("むらやまおおしま", {"tsumugi"}),
    ("さやまきゅうりょう", {"satoyama"}),
    ("さしだにっき", {"sashida"}),
    ("とうみ", {"tomi"}),
    ("しゅうもん", {"shumon"}),
    # mixed kana and kanji
    ("むさし村山", {"shishi"}),
    ("村山おおしま", {"tsumugi"}),
    # n-gram recall inside compounds
    ("村山", {"shishi", "tsumugi", "koshashin"}),
    ("土器", {"doki"}),
    ("装飾", {"doki"}),
    ("大島紬", {"tsumugi"}),
    ("人別", {"shumon"}),
    ("梵鐘", {"bonsho"}),
    # old and new kanji, both directions
    ("学校", {"gakko-old", "gakko-new"}),
    ("學校", {"gakko-old", "gakko-new"}),
    ("国絵図", {"kuni-ezu"}),
    ("沢井家", {"sawai"}),
    ("斎藤家", {"saito"}),
    ("島田家", {"shimada"}),
    ("渡辺家", {"watanabe", "watanabe2"}),
    ("渡邊", {"watanabe", "watanabe2"}),
    ("高橋家", {"takahashi"}),
    ("山崎家", {"yamazaki"}),
    ("澤井", {"sawai"}),
    # romaji and English
    ("sayama", {"satoyama"}),
    ("Musashimurayama", {"shishi"}),
    ("musashi murayama", {"shishi"}),
    ("tsumugi", {"tsumugi"}),
    ("sashida", {"sashida"}),
    ("diary", {"sashida", "saito"}),
    ("pottery", {"doki"}),
    ("lion dance", {"shishimai"}),
    # years and eras overlapping the records' ranges
    ("1834", {"sawai", "sashida", "kuni-ezu"}),
    ("１８３４", {"sawai", "sashida", "kuni-ezu"}),
    ("1834年", {"sawai", "sashida"}),
    ("天保", {"sawai", "sashida", "kuni-ezu"}),
    ("天保5年", {"sawai", "sashida"}),
    ("弘化", {"saito", "sashida"}),
    ("安政", {"shimada", "sashida"}),
    ("明治", {"gakko-old", "watanabe2", "sashida", "tomi"}),
    ("江戸時代", {"shumon", "yamazaki", "sawai", "sashida"}),
    ("縄文", {"doki", "kichijoji-site"}),
    ("1960", {"koshashin", "tsumugi"}),
    ("昭和30年代", {"tsumugi"}),
    # several words (AND) and a phrase
    ("古文書 天保", {"sawai", "sashida"}),
    ("日記 1834", {"sashida"}),
    ('"狭山丘陵"', {"satoyama"}),
    ("「人面装飾」", {"doki"}),
]

RECALL_AT_10 = 0.98
MRR = 0.85


def test_relevance(search_project: Path) -> None:  # noqa: F811
    assert len(CASES) >= 40
    recalls, ranks, misses = [], [], []
    for query, expected in CASES:
        ids = [h.id for h in search(search_project, query, per_page=10).hits]
        found = expected & set(ids)
        recalls.append(len(found) / len(expected))
        first = next((i for i, x in enumerate(ids) if x in expected), None)
        ranks.append(0.0 if first is None else 1.0 / (first + 1))
        if found != expected:
            misses.append((query, sorted(expected - found), ids))
    recall, mrr = sum(recalls) / len(recalls), sum(ranks) / len(ranks)
    print(f"relevance: {len(CASES)} queries, recall@10 {recall:.3f}, MRR {mrr:.3f}")
    for miss in misses:
        print("  missed:", miss)
    assert recall >= RECALL_AT_10, misses
    assert mrr >= MRR, misses
