"""年代 cells → Gregorian year ranges, checked against hand-written year-table facts."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.era import ERAS, PERIODS, THIS_YEAR, Era, era_range, era_span
from archive.model import YearRange

# The Edo-and-later eras with the Gregorian year of their 元年, from a standard year table.
EDO_AND_LATER = [
    ("慶長", 1596), ("元和", 1615), ("寛永", 1624), ("正保", 1644), ("慶安", 1648),
    ("承応", 1652), ("明暦", 1655), ("万治", 1658), ("寛文", 1661), ("延宝", 1673),
    ("天和", 1681), ("貞享", 1684), ("元禄", 1688), ("宝永", 1704), ("正徳", 1711),
    ("享保", 1716), ("元文", 1736), ("寛保", 1741), ("延享", 1744), ("寛延", 1748),
    ("宝暦", 1751), ("明和", 1764), ("安永", 1772), ("天明", 1781), ("寛政", 1789),
    ("享和", 1801), ("文化", 1804), ("文政", 1818), ("天保", 1830), ("弘化", 1844),
    ("嘉永", 1848), ("安政", 1854), ("万延", 1860), ("文久", 1861), ("元治", 1864),
    ("慶応", 1865), ("明治", 1868), ("大正", 1912), ("昭和", 1926), ("平成", 1989),
    ("令和", 2019),
]  # fmt: skip

# Eras proclaimed late in a lunar year (often in the next Gregorian year): 元年 is still
# the year the lunar year began, as in every Japanese history table.
LATE_PROCLAIMED = [
    ("天保元年", 1830), ("弘化元年", 1844), ("安政元年", 1854), ("万延元年", 1860),
    ("元治元年", 1864), ("明治元年", 1868), ("慶応元年", 1865), ("文久元年", 1861),
    ("寛政元年", 1789), ("享和元年", 1801), ("文化元年", 1804), ("文政元年", 1818),
    ("嘉永元年", 1848), ("大正元年", 1912), ("昭和元年", 1926), ("平成元年", 1989),
    ("令和元年", 2019), ("正保元年", 1644), ("安永元年", 1772), ("文禄元年", 1592),
    ("正中元年", 1324), ("徳治元年", 1306), ("正平元年", 1346), ("建保元年", 1213),
]  # fmt: skip

# Years of well-known events, as every textbook gives them.
EVENTS = [
    ("大化元年", 645),  # 乙巳の変
    ("大宝元年", 701),  # 大宝律令
    ("和銅3年", 710),  # 平城京
    ("延暦13年", 794),  # 平安京
    ("文治元年", 1185),
    ("建久3年", 1192),
    ("承久3年", 1221),  # 承久の乱
    ("文永11年", 1274),
    ("弘安4年", 1281),
    ("元弘3年", 1333),  # 南朝 reckoning
    ("正慶2年", 1333),  # 北朝 reckoning, same year
    ("建武元年", 1334),
    ("延元元年", 1336),
    ("元中9年", 1392),  # the courts reunited (南朝)
    ("明徳3年", 1392),  # … and in the 北朝 reckoning
    ("応仁元年", 1467),
    ("天正元年", 1573),
    ("天正10年", 1582),  # 本能寺の変
    ("慶長5年", 1600),  # 関ヶ原
    ("慶長8年", 1603),
    ("寛永15年", 1638),
    ("天保5年", 1834),
    ("嘉永6年", 1853),
    ("安政5年", 1858),
    ("慶応3年", 1867),
    ("慶応4年", 1868),  # the change year belongs to both eras
    ("明治4年", 1871),
    ("明治22年", 1889),
    ("明治45年", 1912),
    ("大正15年", 1926),
    ("昭和20年", 1945),
    ("昭和39年", 1964),
    ("昭和64年", 1989),
    ("平成31年", 2019),
    ("令和6年", 2024),
]


def years(start: int, end: int | None = None) -> YearRange:
    return YearRange(start, start if end is None else end)


@pytest.mark.parametrize(("era", "year"), EDO_AND_LATER)
def test_gannen_of_edo_and_later_eras(era: str, year: int) -> None:
    assert era_range(f"{era}元年") == years(year)
    assert era_span(era).start == year


@pytest.mark.parametrize(("earlier", "later"), list(pairwise(EDO_AND_LATER)))
def test_each_era_ends_in_the_year_the_next_began(
    earlier: tuple[str, int], later: tuple[str, int]
) -> None:
    assert era_span(earlier[0]) == years(earlier[1], later[1])


@pytest.mark.parametrize(("text", "year"), LATE_PROCLAIMED + EVENTS)
def test_era_years(text: str, year: int) -> None:
    assert era_range(text) == years(year)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # kanji numerals, positional kanji digits, 廿
        ("天保十五年", years(1844)),
        ("寛政一〇年", years(1798)),
        ("明治三十年", years(1897)),
        ("明治廿五年", years(1892)),
        ("千八百三十四年", years(1834)),
        ("一九七〇年", years(1970)),
        # month and day, 閏, 吉日, seasons, sexagenary signs that fit
        ("文久3年5月", years(1863)),
        ("明治5年12月3日", years(1872)),
        ("明治二十五年十二月廿八日", years(1892)),
        ("天保5年閏9月", years(1834)),
        ("天保5年5月吉日", years(1834)),
        ("天保5年正月", years(1834)),
        ("天保5年春", years(1834)),
        ("天保五甲午年", years(1834)),
        ("天保五年甲午", years(1834)),
        ("安政二卯年", years(1855)),
        # full-width digits, spaces, half-width kana, squared era signs, initials
        ("天保５年", years(1834)),
        ("１９７０年代", years(1970, 1979)),
        ("昭和　３０年代", years(1955, 1964)),
        ("天保5年ｺﾞﾛ", years(1834)),
        ("天保5年ｶ", years(1834)),
        ("㍻元年", years(1989)),
        ("S30", years(1955)),
        ("Ｈ元年", years(1989)),
        ("S45.3.1", years(1970)),
        # old and variant kanji
        ("寬政元年", years(1789)),
        ("慶應元年", years(1865)),
        ("萬延元年", years(1860)),
        ("延寶元年", years(1673)),
        ("寶曆元年", years(1751)),
        ("元祿元年", years(1688)),
        ("正德元年", years(1711)),
        ("文祿元年", years(1592)),
        ("明曆元年", years(1655)),
        ("靈龜元年", years(715)),
        ("貞觀元年", years(859)),
        ("天保5年", years(1834)),
        # approximate and inferred dates keep the same year
        ("天保5年頃", years(1834)),
        ("天保5年ころ", years(1834)),
        ("天保5年ごろ", years(1834)),
        ("天保5年か", years(1834)),
        ("天保5年?", years(1834)),
        ("天保5年？", years(1834)),
        ("(天保5年)カ", years(1834)),
        ("［天保5年］", years(1834)),
        ("推定天保5年", years(1834)),
        ("天保5年（1834）", years(1834)),
        # era alone: the whole era
        ("天保", years(1830, 1844)),
        ("天保年間", years(1830, 1844)),
        ("元禄期", years(1688, 1704)),
        # fiscal years
        ("昭和45年度", years(1970, 1971)),
        # era decades, clipped to the era
        ("昭和30年代", years(1955, 1964)),
        ("明治10年代", years(1877, 1886)),
        ("昭和60年代", years(1985, 1989)),
        ("昭和一桁", years(1926, 1934)),
        ("昭和30年代前半", years(1955, 1959)),
    ],
)
def test_japanese_dates(text: str, expected: YearRange) -> None:
    assert era_range(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1970年", years(1970)),
        ("1970", years(1970)),
        ("1970年代", years(1970, 1979)),
        ("1800年代", years(1800, 1899)),
        ("1834年頃", years(1834)),
        ("西暦1834年", years(1834)),
        ("約1800年", years(1800)),
        ("c.1834", years(1834)),
        ("1834年5月3日", years(1834)),
        ("1834-05-03", years(1834)),
        ("1834/5/3", years(1834)),
        ("紀元前300年", years(-300)),
        ("19世紀", years(1801, 1900)),
        ("十九世紀", years(1801, 1900)),
        ("19世紀前半", years(1801, 1850)),
        ("19世紀後半", years(1851, 1900)),
        ("18世紀末", years(1784, 1800)),
        ("18世紀初頭", years(1701, 1717)),
        ("紀元前3世紀", years(-300, -201)),
    ],
)
def test_gregorian_dates_and_centuries(text: str, expected: YearRange) -> None:
    assert era_range(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("天保5年～明治4年", years(1834, 1871)),
        ("天保5年〜明治4年", years(1834, 1871)),
        ("天保5年~明治4年", years(1834, 1871)),
        ("天保5年-明治4年", years(1834, 1871)),
        ("天保5年－明治4年", years(1834, 1871)),
        ("天保5年—明治4年", years(1834, 1871)),
        ("天保5年から明治4年まで", years(1834, 1871)),
        ("天保5年頃～明治4年頃", years(1834, 1871)),
        ("文化10年～1830年", years(1813, 1830)),
        ("天保5年～8年", years(1834, 1837)),
        ("天保5年～同8年", years(1834, 1837)),
        ("明治5年3月～6月", years(1872)),
        ("1830～1843", years(1830, 1843)),
        ("1830-1843", years(1830, 1843)),
        ("1830-43", years(1830, 1843)),
        ("1960～70年代", years(1960, 1979)),
        ("19～20世紀", years(1801, 2000)),
        ("昭和30～40年代", years(1955, 1974)),
        ("天保～嘉永", years(1830, 1854)),
        ("江戸時代後期～明治時代", years(1780, 1912)),
        ("江戸時代中期～後期", years(1691, 1868)),
        ("縄文時代中期～後期", years(-3000, -1000)),
        ("天保5年、6年", years(1834, 1835)),
        ("明治・大正", years(1868, 1926)),
    ],
)
def test_ranges_and_lists(text: str, expected: YearRange) -> None:
    assert era_range(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("縄文時代", years(-14000, -300)),
        ("縄文時代中期", years(-3000, -2000)),
        ("縄文時代草創期", years(-14000, -7000)),
        ("弥生時代", years(-300, 250)),
        ("古墳時代", years(250, 592)),
        ("飛鳥時代", years(592, 710)),
        ("奈良時代", years(710, 794)),
        ("平安時代", years(794, 1185)),
        ("鎌倉時代", years(1185, 1333)),
        ("南北朝時代", years(1336, 1392)),
        ("室町時代", years(1336, 1573)),
        ("戦国時代", years(1467, 1573)),
        ("安土桃山時代", years(1573, 1603)),
        ("安土・桃山時代", years(1573, 1603)),
        ("江戸時代", years(1603, 1868)),
        ("江戶時代", years(1603, 1868)),
        ("江戸期", years(1603, 1868)),
        ("江戸", years(1603, 1868)),
        ("明治時代", years(1868, 1912)),
        ("大正時代", years(1912, 1926)),
        ("昭和時代", years(1926, 1989)),
        ("平成時代", years(1989, 2019)),
        ("近世", years(1573, 1868)),
        ("近代", years(1868, 1945)),
        ("現代", years(1945, THIS_YEAR)),
        ("幕末", years(1853, 1868)),
        # thirds: 初期/前期, 中期, 後期; the last sixth for 末/末期 (cut years in both)
        ("江戸時代初期", years(1603, 1691)),
        ("江戸時代前期", years(1603, 1691)),
        ("江戸時代中期", years(1691, 1780)),
        ("江戸時代後期", years(1780, 1868)),
        ("江戸後期", years(1780, 1868)),
        ("江戸時代末期", years(1824, 1868)),
        ("江戸時代末", years(1824, 1868)),
        ("明治初期", years(1868, 1882)),
        ("明治中期", years(1883, 1897)),
        ("明治後期", years(1898, 1912)),
        ("明治末", years(1905, 1912)),
    ],
)
def test_periods(text: str, expected: YearRange) -> None:
    assert era_range(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "不明",
        "不詳",
        "年代不詳",
        "abc",
        "天保20年",  # 天保 had 15 years
        "天保16年",
        "天保0年",
        "元年",
        "5年",
        "50年",
        "令和99年",
        "2999年",
        "天保5年13月",
        "天保五乙未年",  # 天保5年 was 甲午
        "明治4年～天保5年",  # reversed
        "天保5年～",
        "昭和70年代",
        "1975年代",
        "江戸草創期",
        "天保5年と何か",
        "x" * 1000,
        "天保5年" * 300,
    ],
)
def test_unreadable_cells_give_none(text: str) -> None:
    assert era_range(text) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("天保", years(1830, 1844)),
        ("明治", years(1868, 1912)),
        ("慶應", years(1865, 1868)),
        ("江戸時代", years(1603, 1868)),
        ("縄文時代", years(-14000, -300)),
        ("令和", years(2019, THIS_YEAR)),
        ("天保5年", None),
        ("江戸時代後期", None),
        ("不明", None),
        ("", None),
    ],
)
def test_era_span(name: str, expected: YearRange | None) -> None:
    assert era_span(name) == expected


def test_era_table_shape() -> None:
    assert len(ERAS) == 248  # 大化 … 令和, both courts of the 南北朝
    assert ERAS[0].name == "大化" and ERAS[-1].name == "令和"
    assert len({era.name for era in ERAS}) == len(ERAS)
    assert [era.start for era in ERAS] == sorted(era.start for era in ERAS)
    assert all(era.start <= era.end for era in ERAS)
    assert {era.name for era in ERAS if era.court == "南朝"} == {
        "元弘", "延元", "興国", "正平", "建徳", "文中", "天授", "弘和", "元中",
    }  # fmt: skip
    assert len([era for era in ERAS if era.court == "北朝"]) == 17  # 正慶, 暦応 … 明徳


def test_each_court_line_is_continuous() -> None:
    gaps = {("白雉", "朱鳥"), ("朱鳥", "大宝"), ("正慶", "建武")}  # no era; 後醍醐 restored
    main = [era for era in ERAS if era.court != "南朝"]
    for earlier, later in pairwise(main):
        if (earlier.name, later.name) not in gaps:
            assert earlier.end == later.start, (earlier, later)
    south = [era for era in ERAS if era.court == "南朝"]
    for earlier, later in pairwise(south[1:]):  # 延元 … 元中 (元弘 ends in 建武)
        assert earlier.end == later.start, (earlier, later)
    assert south[-1].end == 1392


@pytest.mark.parametrize("era", ERAS, ids=lambda era: era.name)
def test_every_era_gannen_and_last_year(era: Era) -> None:
    assert era_range(f"{era.name}元年") == years(era.start)
    assert era_range(f"{era.name}1年") == years(era.start)
    last = era.end - era.start + 1
    assert era_range(f"{era.name}{last}年") == years(era.end)
    assert era_range(f"{era.name}{last + 1}年") is None
    assert era_span(era.name) == years(era.start, era.end)


def test_every_period_by_name() -> None:
    for name, span in PERIODS.items():
        assert era_span(name) == span
        assert era_span(f"{name}時代") == span


DATEISH = st.text(
    alphabet="天保明治昭和元年月日頃か?～-~()（）0123456789一二十廿〇世紀代時江戸期前後中末半縄文・、同S.午閏から まで",
    max_size=60,
)


@settings(max_examples=500, database=None)
@given(st.one_of(st.text(max_size=1000), DATEISH))
def test_never_raises(text: str) -> None:
    result = era_range(text)
    assert result is None or (isinstance(result, YearRange) and result.start <= result.end)
    assert era_span(text) is None or isinstance(era_span(text), YearRange)
