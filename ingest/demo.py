"""``kura demo``: a demonstration archive of Musashimurayama City's historical materials.

:func:`build_demo` creates (or refreshes) an archive project: kura.toml (made by
``kura init``, then given the demo's base URL, holder and provider), a metadata sheet of
14 items and their scans. The items are real cultural properties and kinds of material of
the city; their metadata follows what the city and its museum publish (designation dates,
addresses, dates of making) and stays general where that is not certain. One item's
reading (吉祥山遺跡) is left empty because it could not be confirmed.

The scans are **not** photographs of the real objects: they are stylised pictures drawn
here with Pillow (no fonts needed; a Japanese font is used for a few labels when one is
installed), deterministic for a given machine, and every item's 備考 says so. Between
them they exercise what a real delivery contains: JPEG, PNG, LZW TIFF (one of them with
three frames), a greyscale photo, a 4000×3000 photo, a 6000×4500 map that needs deep
zoom, a multi-page bound book in a folder with Japanese file names (read right to left),
and records without images.

Re-running is cheap: a scan is drawn only when its file is missing (written atomically, so
an interrupted run never leaves a half file behind), the sheet and kura.toml are rewritten
only when their text changes, so an ingest after a re-run finds nothing to do.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import os
import random
import re
import tomllib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, ImageOps

from archive.config import CONFIG_NAME
from archive.errors import KuraError
from archive.project import SHEET_HEADERS, init_project

DEMO_TITLE_JA = "武蔵村山市 デジタルアーカイブ(デモ)"
DEMO_TITLE_EN = "Musashimurayama City Digital Archive (demo)"
HOLDER_JA = "武蔵村山市"
HOLDER_EN = "Musashimurayama City"
HOMEPAGE = "https://www.city.musashimurayama.lg.jp/"
# lessons/*.md and collections/*.toml shipped with the demo (see README, 学習教材)
DEMO_CONTENT = Path(__file__).with_name("demo_content")

Color = tuple[int, int, int]
Point = tuple[float, float]

# --- the sheet ------------------------------------------------------------------------

_NOTE_IMAGE = "画像はデモ用に描いた模式図で、実物の写真ではありません。"
_NOTE_HOLDING = "デモ用の資料で、実際の収蔵品の記録ではありません。"
_MUSEUM = "武蔵村山市立歴史民俗資料館"
_MUSEUM_ADDRESS = "東京都武蔵村山市本町5-21-1"
_MUSEUM_LAT, _MUSEUM_LON = "35.7652", "139.3768"

ITEMS: list[dict[str, str]] = [
    {
        "ID": "murayama-oshima-tsumugi",
        "名称": "村山大島紬",
        "名称_カナ": "ムラヤマオオシマツムギ",
        "名称_英語": "Murayama Oshima Tsumugi",
        "文化財分類": "無形文化財;伝統的工芸品",
        "種類": "工芸技術",
        "資料種別": "写真",
        "年代": "大正時代～昭和時代",
        "概要": "狭山丘陵南麓の村山地域で織られてきた絹の紬絣。板締染色で先染めした絹糸を手織りする技法で知られ、国の伝統的工芸品に指定されている。",
        "概要_英語": "A silk kasuri (ikat) tsumugi woven in the Murayama area at the southern foot of the Sayama Hills, known for threads dyed by board clamping (itajime) before hand-weaving. It is a designated Traditional Craft of Japan.",
        "説明": "江戸時代から木綿の紺絣の産地だった村山地域では、大正時代に群馬県伊勢崎から板締染色の技術が取り入れられ、絹織物が多く織られるようになった。経糸・緯糸、地糸・絣糸ごとに染めと糸巻きを重ね、柄を合わせて高機で織る。東京都指定無形文化財(昭和42年指定)。",
        "説明_英語": "Known for cotton indigo kasuri since the Edo period, the Murayama area adopted itajime dyeing from Isesaki (Gunma) in the Taishō era and turned to silk. Warp and weft, ground and pattern threads are dyed and wound separately, then aligned and woven on a high loom. Designated an Intangible Cultural Property of Tokyo in 1967.",
        "場所名称": "村山織物協同組合",
        "住所": "東京都武蔵村山市本町2-2-1",
        "緯度": "35.7585",
        "経度": "139.3890",
        "所有者等": "村山織物協同組合(保持団体)",
        "文化財指定日": "1967-03",
        "画像ファイル": "村山大島紬/反物.jpg;村山大島紬/絣の拡大.png",
        "利用条件": "CC BY 4.0",
        "キーワード": "織物;絣;紬;板締染色;伝統的工芸品;絹",
        "備考": _NOTE_IMAGE,
    },
    {
        "ID": "shinpukuji-bonsho",
        "名称": "真福寺梵鐘",
        "名称_カナ": "シンプクジボンショウ",
        "名称_英語": "Temple Bell of Shinpukuji",
        "文化財分類": "有形文化財",
        "種類": "美術工芸品",
        "資料種別": "写真",
        "年代": "寛永15年",
        "概要": "中藤の真福寺に伝わる銅製の梵鐘。鐘銘から、寛永15年(1638)に第9世頼栄法師の代に鋳造されたことがわかる。",
        "概要_英語": "A bronze temple bell at Shinpukuji in Nakato. Its inscription dates it to 1638 (Kan'ei 15), in the time of the temple's ninth head priest, Raiei.",
        "説明": "鐘銘には寺の由緒も刻まれ、その古さから第二次世界大戦中の金属供出を免れた。江戸時代中期の火災でひびが入ったため今は撞かれず、山門の楼上に掛けられている。総高約138センチメートル、口径約75センチメートル。",
        "説明_英語": "The inscription also records the temple's history; because of its age the bell was spared the wartime metal requisition. Cracked in a fire in the mid-Edo period, it is no longer rung and hangs in the upper storey of the temple gate. About 138 cm high and 75 cm across the mouth.",
        "場所名称": "真福寺",
        "住所": "東京都武蔵村山市中藤1-37-1",
        "緯度": "35.7630",
        "経度": "139.4005",
        "員数（数）": "1",
        "員数（単位）": "口",
        "所有者等": "真福寺",
        "文化財指定日": "1976-04",
        "画像ファイル": "真福寺梵鐘.tif",
        "利用条件": "CC BY 4.0",
        "キーワード": "梵鐘;寺院;鋳物;金属供出;中藤",
        "備考": _NOTE_IMAGE,
    },
    {
        "ID": "sashida-nikki",
        "名称": "指田日記",
        "名称_カナ": "サシダニッキ",
        "名称_英語": "The Sashida Diary",
        "文化財分類": "有形文化財",
        "種類": "美術工芸品",
        "資料種別": "古文書",
        "年代": "天保5年～明治4年",
        "概要": "中藤村の陰陽師で神職でもあった指田摂津正藤詮が書き継いだ日記。天候や年中行事、村の出来事から幕末の世情までが記されている。",
        "概要_英語": "The diary kept from 1834 to 1871 by Sashida Settsu-no-shō, a diviner (onmyōji) and Shinto priest of Nakato village, recording weather, seasonal events and village life as well as news of the last years of the Edo period.",
        "説明": "天保5年(1834)から明治4年(1871)まで書き継がれ、地震や火事、盗賊などの事件、回状の写しも含む。幕末から明治初めの村の暮らしを伝える貴重な資料。昭和51年に市の文化財に指定され、平成15年に明治4年分が追加指定された。",
        "説明_英語": "Written from 1834 to 1871, it notes earthquakes, fires and robberies and copies circulars sent round the villages: a rare record of village life from the end of the Edo period into early Meiji. Designated by the city in 1976; the volume for 1871 was added in 2003.",
        "場所名称": "武蔵村山市(旧中藤村)",
        "所有者等": "個人",
        "文化財指定日": "1976-04",
        "画像ファイル": "指田日記/*.jpg",
        "利用条件": "CC BY 4.0",
        "表示方向": "右から左",
        "キーワード": "日記;古文書;陰陽師;幕末;中藤村",
        "備考": _NOTE_IMAGE,
    },
    {
        "ID": "soban-nenbutsu",
        "名称": "双盤念仏(薬師念仏鉦はり)",
        "名称_カナ": "ソウバンネンブツ",
        "名称_英語": "Sōban Nenbutsu (Buddhist chant with gongs and drum)",
        "文化財分類": "無形民俗文化財",
        "種類": "芸能",
        "年代": "文化11年頃",
        "概要": "鉦4個と太鼓1張を打ち鳴らしながら、独特の節をつけて念仏を唱える行事。市内では薬師念仏鉦はりと呼ばれ、三ツ木の宿薬師堂で毎年10月に行われる。",
        "概要_英語": "Nenbutsu chanting to a distinctive melody, accompanied by four gongs and a drum. Known locally as Yakushi nenbutsu kanehari, it is performed every October at the Shuku Yakushi hall in Mitsugi.",
        "説明": "太鼓の胴の内側の墨書から、文化11年(1814)が始まりと推定されている。現在は宿薬師念仏鉦はり保存会が伝えている。",
        "説明_英語": "An ink inscription inside the drum suggests it began in 1814. It is kept up by a local preservation society.",
        "場所名称": "宿薬師堂",
        "住所": "東京都武蔵村山市三ツ木3-22-3",
        "緯度": "35.7618",
        "経度": "139.3655",
        "所有者等": "宿薬師念仏鉦はり保存会(保持団体)",
        "文化財指定日": "1991-03",
        "画像ファイル": "",
        "利用条件": "CC BY 4.0",
        "キーワード": "念仏;鉦;太鼓;薬師堂;三ツ木;年中行事",
        "備考": "画像のない記録の例です。",
    },
    {
        "ID": "yokonakaba-shishimai",
        "名称": "横中馬獅子舞",
        "名称_カナ": "ヨコナカバシシマイ",
        "名称_英語": "Yokonakaba Lion Dance",
        "文化財分類": "無形民俗文化財",
        "種類": "芸能",
        "資料種別": "写真",
        "年代": "昭和30年代",
        "概要": "横田・中村・馬場の三地区に伝わる三匹獅子舞。毎年4月29日の例大祭で、長円寺と各地区の神社に五穀豊穣・無病息災を願って奉納される。",
        "概要_英語": "A three-lion dance of the Yokota, Nakamura and Baba districts (hence Yoko-Naka-Ba). Every 29 April it is offered at Chōenji temple and the districts' shrines for good harvests and health.",
        "説明": "獅子舞に使う太鼓の胴に宝暦年間の墨書があり、江戸時代中期には行われていたと考えられている。写真は例大祭で舞う三匹の獅子(デモ用の模式画像)。",
        "説明_英語": "An ink inscription of the Hōreki era (1750s) on the drum shows the dance was performed by the mid-Edo period. The photograph shows the three lions dancing at the spring festival (a stylised demo picture).",
        "場所名称": "長円寺",
        "住所": "東京都武蔵村山市本町3-40-1",
        "緯度": "35.7602",
        "経度": "139.3822",
        "所有者等": "横中馬獅子舞保存会(保持団体)",
        "文化財指定日": "1976-04",
        "画像ファイル": "横中馬獅子舞_例大祭.jpg",
        "利用条件": "CC BY 4.0",
        "キーワード": "獅子舞;祭礼;長円寺;横田;中村;馬場;五穀豊穣",
        "備考": _NOTE_IMAGE,
    },
    {
        "ID": "jinmen-soshoku-doki",
        "名称": "人面装飾付土器(把手部位破片)",
        "名称_カナ": "ジンメンソウショクツキドキ",
        "名称_英語": "Jōmon Pottery Handle with a Human Face",
        "文化財分類": "有形文化財",
        "種類": "美術工芸品",
        "資料種別": "考古資料",
        "年代": "縄文時代中期",
        "概要": "屋敷山遺跡から出土した、縄文時代中期の土器の把手部分の破片。人の顔が表され、左目が×印でつぶされている珍しいもの。",
        "概要_英語": "A handle fragment of a Middle Jōmon pot from the Yashikiyama site, modelled as a human face whose left eye is struck through with an X, a rare feature.",
        "説明": "昭和39年(1964)頃から行われた市立第三小学校の校舎改修工事の際に見つかった。約4500年前のもので、歴史民俗資料館で常設展示されている。",
        "説明_英語": "Found during rebuilding work at the city's Third Elementary School from about 1964. It is some 4,500 years old and is on permanent display at the city museum.",
        "場所名称": _MUSEUM,
        "住所": _MUSEUM_ADDRESS,
        "緯度": _MUSEUM_LAT,
        "経度": _MUSEUM_LON,
        "員数（数）": "1",
        "員数（単位）": "点",
        "所有者等": "武蔵村山市",
        "画像ファイル": "人面装飾付土器.png",
        "利用条件": "CC BY 4.0",
        "キーワード": "縄文土器;人面;土器;屋敷山遺跡;出土品",
        "備考": _NOTE_IMAGE,
    },
    {
        "ID": "tokoname-ogame",
        "名称": "中世常滑窯大甕",
        "名称_カナ": "チュウセイトコナメガマオオガメ",
        "名称_英語": "Large Medieval Tokoname Storage Jar",
        "文化財分類": "有形文化財",
        "種類": "美術工芸品",
        "資料種別": "考古資料",
        "年代": "室町時代（15世紀前半）",
        "概要": "明治時代の初めに中藤村字屋敷山から出土したと伝えられる大甕。形や胎土から、室町時代に今の愛知県常滑市付近で焼かれたものとわかる。",
        "概要_英語": "A large jar said to have been dug up at Yashikiyama in Nakato village early in the Meiji era. Its shape and clay show it was fired near present-day Tokoname (Aichi) in the early 15th century.",
        "説明": "人がひとりすっぽり入るほどの大きさがある。歴史民俗資料館で常設展示されている。",
        "説明_英語": "It is large enough to hold a person, and is on permanent display at the city museum.",
        "場所名称": _MUSEUM,
        "住所": _MUSEUM_ADDRESS,
        "緯度": _MUSEUM_LAT,
        "経度": _MUSEUM_LON,
        "員数（数）": "1",
        "員数（単位）": "口",
        "所有者等": "武蔵村山市",
        "画像ファイル": "中世常滑窯大甕.jpg",
        "利用条件": "CC BY 4.0",
        "キーワード": "常滑焼;大甕;中世;陶器;屋敷山遺跡;出土品",
        "備考": _NOTE_IMAGE,
    },
    {
        "ID": "kisshozan-iseki",
        "名称": "吉祥山遺跡",
        "文化財分類": "埋蔵文化財包蔵地",
        "種類": "その他",
        "資料種別": "遺跡",
        "年代": "縄文時代晩期",
        "概要": "狭山丘陵では数少ない縄文時代晩期の遺跡。市内では約40か所の遺跡が確認されている。",
        "概要_英語": "One of the few Final Jōmon sites in the Sayama Hills; some forty archaeological sites are known in the city.",
        "場所名称": "狭山丘陵",
        "画像ファイル": "",
        "利用条件": "CC BY 4.0",
        "キーワード": "遺跡;縄文時代;狭山丘陵;埋蔵文化財",
        "備考": "画像のない記録の例です。読み(カナ)は未確認のため空欄にしています。",
    },
    {
        "ID": "sayama-muraezu",
        "名称": "狭山丘陵南麓村絵図(仮題)",
        "名称_カナ": "サヤマキュウリョウナンロクムラエズ",
        "名称_英語": "Village Map of the Southern Foot of the Sayama Hills (provisional title)",
        "資料種別": "絵図",
        "年代": "江戸時代後期",
        "概要": "狭山丘陵と南麓の村々、街道・川・田畑の配置を色分けして描いた村絵図。大判のため、拡大して細部を見ることができる。",
        "概要_英語": "A coloured village map of the Sayama Hills and the villages at their foot, with roads, streams, paddies and fields. It is large, so zoom in to see the details.",
        "説明": "丘陵のふもとを東西に街道が通り、沿道に家並みが続く。残堀川などの流れ、田と畑、雑木林が描き分けられている。",
        "説明_英語": "A road runs east to west along the foot of the hills, lined with houses; streams such as the Zanbori River, paddies, fields and woodland are drawn in their own colours.",
        "場所名称": "狭山丘陵南麓",
        "緯度": "35.7640",
        "経度": "139.3800",
        "員数（数）": "1",
        "員数（単位）": "舗",
        "画像ファイル": "村絵図.jpg",
        "利用条件": "PDM",
        "キーワード": "絵図;地図;村;街道;狭山丘陵;残堀川",
        "備考": _NOTE_HOLDING + _NOTE_IMAGE,
    },
    {
        "ID": "sayama-satoyama",
        "名称": "狭山丘陵の里山風景",
        "名称_カナ": "サヤマキュウリョウノサトヤマフウケイ",
        "名称_英語": "Satoyama Landscape of the Sayama Hills",
        "資料種別": "写真",
        "年代": "令和2年",
        "概要": "野山北・六道山公園付近から見た狭山丘陵の雑木林と、谷戸の田んぼ、茅葺きの民家。",
        "概要_英語": "Coppice woods of the Sayama Hills, paddies in a small valley (yato) and a thatched farmhouse, near Noyamakita-Rokudōyama Park.",
        "場所名称": "野山北・六道山公園",
        "緯度": "35.7705",
        "経度": "139.3660",
        "画像ファイル": "狭山丘陵_里山.jpg",
        "利用条件": "CC0",
        "キーワード": "狭山丘陵;里山;雑木林;谷戸;田んぼ;風景",
        "備考": _NOTE_IMAGE,
    },
    {
        "ID": "mingu-senbakoki",
        "名称": "千歯扱き",
        "名称_カナ": "センバコキ",
        "名称_英語": "Senba-koki (Comb Thresher)",
        "資料種別": "民具",
        "年代": "江戸時代後期～明治時代",
        "概要": "稲や麦の穂を鉄の歯の間に通して引き、籾や粒をしごき落とす脱穀の道具。足踏み脱穀機が広まるまで使われた。",
        "概要_英語": "A threshing tool: ears of rice or wheat are pulled through its row of iron teeth to strip off the grain. It was used until pedal threshers spread.",
        "場所名称": _MUSEUM,
        "住所": _MUSEUM_ADDRESS,
        "緯度": _MUSEUM_LAT,
        "経度": _MUSEUM_LON,
        "員数（数）": "1",
        "員数（単位）": "点",
        "画像ファイル": "民具/千歯扱き.jpg",
        "利用条件": "CC BY 4.0",
        "キーワード": "民具;農具;脱穀;稲;麦;昔の道具",
        "備考": _NOTE_HOLDING + _NOTE_IMAGE,
    },
    {
        "ID": "mingu-tomi",
        "名称": "唐箕",
        "名称_カナ": "トウミ",
        "名称_英語": "Tōmi (Winnowing Machine)",
        "資料種別": "民具",
        "年代": "明治時代～昭和時代前期",
        "概要": "ハンドルを回して羽根車で風を起こし、籾殻やごみを吹き飛ばして、実の入った穀粒をより分ける農具。",
        "概要_英語": "A winnowing machine: turning the handle spins a fan whose wind blows away chaff and dust, leaving the full grains to fall out below.",
        "場所名称": _MUSEUM,
        "住所": _MUSEUM_ADDRESS,
        "緯度": _MUSEUM_LAT,
        "経度": _MUSEUM_LON,
        "員数（数）": "1",
        "員数（単位）": "点",
        "画像ファイル": "民具/唐箕.png",
        "利用条件": "CC BY 4.0",
        "キーワード": "民具;農具;選別;風;昔の道具",
        "備考": _NOTE_HOLDING + _NOTE_IMAGE,
    },
    {
        "ID": "mingu-ishiusu",
        "名称": "石臼",
        "名称_カナ": "イシウス",
        "名称_英語": "Ishiusu (Stone Hand Mill)",
        "資料種別": "民具",
        "年代": "江戸時代～昭和時代",
        "概要": "上臼を手で回して、麦やそばなどを粉にひく道具。「村山かてうどん」のように、この地域では粉にした麦を食べる暮らしが長く続いた。",
        "概要_英語": "A hand mill: turning the upper stone grinds wheat or buckwheat into flour. Flour food such as Murayama katé udon noodles has long been part of daily life here.",
        "場所名称": _MUSEUM,
        "住所": _MUSEUM_ADDRESS,
        "緯度": _MUSEUM_LAT,
        "経度": _MUSEUM_LON,
        "員数（数）": "1",
        "員数（単位）": "組",
        "画像ファイル": "民具/石臼.jpg",
        "利用条件": "CC BY 4.0",
        "キーワード": "民具;粉;うどん;麦;昔の道具;食",
        "備考": _NOTE_HOLDING + _NOTE_IMAGE,
    },
    {
        "ID": "shumon-ninbetsu",
        "名称": "宗門人別改帳",
        "名称_カナ": "シュウモンニンベツアラタメチョウ",
        "名称_英語": "Register of Households and Temple Affiliation",
        "資料種別": "古文書",
        "年代": "江戸時代後期",
        "概要": "村の家ごとに家族の名と年齢、檀那寺を書き上げ、毎年領主に差し出した帳面。市域の旧村に伝わった村方文書の一つとして用意したデモ資料。",
        "概要_英語": "A yearly register listing every household of a village with names, ages and the family temple, submitted to the lord. A demo item standing for the village records of the city's former villages.",
        "場所名称": "武蔵村山市",
        "員数（数）": "1",
        "員数（単位）": "冊",
        "画像ファイル": "宗門人別改帳.tif",
        "利用条件": "CC BY 4.0",
        "表示方向": "右から左",
        "キーワード": "古文書;村方文書;人口;寺;江戸時代",
        "備考": _NOTE_HOLDING + _NOTE_IMAGE,
    },
]


def sheet_text() -> str:
    """The demo sheet as CSV text (canonical headers, CRLF line ends)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=SHEET_HEADERS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(ITEMS)
    return buf.getvalue()


# --- building the project -------------------------------------------------------------


def build_demo(target: Path, base_url: str) -> None:
    """Create or refresh the demo archive project in ``target``.

    A new project gets kura.toml from ``kura init`` with ``base_url``, the holder and the
    provider filled in; an existing one only gets ``base_url`` updated, and must be a demo
    project (its title is the demo's), so a real archive's sheet is never overwritten.
    The sheet is rewritten, and scans are drawn only where their files are missing.
    """
    target = Path(target)
    config_path = target / CONFIG_NAME
    if not config_path.exists():
        init_project(target, DEMO_TITLE_JA, DEMO_TITLE_EN)
        text = config_path.read_text(encoding="utf-8")
        text = set_toml_value(text, None, "base_url", _toml_string(base_url))
        holder = _toml_lang_map(HOLDER_JA, HOLDER_EN)
        text = set_toml_value(text, "required_statement", "value", holder)
        text = set_toml_value(text, "provider", "label", holder)
        text = set_toml_value(text, "provider", "homepage", _toml_string(HOMEPAGE))
        _write_if_changed(config_path, text.encode("utf-8"))
    else:
        text = config_path.read_text(encoding="utf-8")
        _check_demo(config_path, text)
        text = set_toml_value(text, None, "base_url", _toml_string(base_url))
        _write_if_changed(config_path, text.encode("utf-8"))
    for folder in ("scans", "lessons", "collections"):
        (target / folder).mkdir(exist_ok=True)
    _write_if_changed(target / "items.csv", sheet_text().encode("utf-8-sig"))
    for source in sorted(DEMO_CONTENT.glob("*/*")):  # the demo lessons and collections
        if source.suffix in (".md", ".toml"):
            folder = source.parent.name
            _write_if_changed(target / folder / source.name, source.read_bytes())
    missing = [(scan, target / "scans" / scan.path) for scan in SCANS]
    write_scans([(scan, path) for scan, path in missing if not path.exists()])


def write_scans(jobs: list[tuple[Scan, Path]]) -> None:
    """Draw and save scans, a few at a time (Pillow releases the GIL while it resizes,
    filters and encodes, so threads make good use of several cores), heaviest first."""
    jobs = sorted(jobs, key=lambda job: -job[0].cost)
    workers = min(len(jobs), os.cpu_count() or 1, 4)
    if workers <= 1:
        for scan, path in jobs:
            scan.write(path)
        return
    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(scan.write, path) for scan, path in jobs]
        for future in futures:
            future.result()


def _check_demo(path: Path, text: str) -> None:
    try:
        title = tomllib.loads(text).get("title", {})
    except tomllib.TOMLDecodeError as exc:
        raise KuraError(f"{path}: TOML として読めません / not valid TOML: {exc}") from exc
    if not (isinstance(title, dict) and title.get("ja") == DEMO_TITLE_JA):
        raise KuraError(
            f"{path.parent}: デモ用アーカイブではないため、台帳を上書きしません。空のフォルダか"
            f"新しいフォルダを指定してください / {path.parent} is not a demo archive (its title "
            "is not the demo's), so its sheet is not overwritten; choose an empty or new folder"
        )


def _toml_string(value: str) -> str:
    # a JSON string is a valid TOML basic string (same escapes)
    return json.dumps(value, ensure_ascii=False)


def _toml_lang_map(ja: str, en: str) -> str:
    return f"{{ ja = {_toml_string(ja)}, en = {_toml_string(en)} }}"


_SECTION = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(#.*)?$")


def set_toml_value(text: str, section: str | None, key: str, value: str) -> str:
    """``text`` with ``key = value`` set in ``[section]`` (None: the top level), keeping every
    other line and comment as it is. A missing key is added at the end of its section."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    assignment = re.compile(rf"^(\s*){re.escape(key)}\s*=")
    current: str | None = None
    end = None  # index after the section's last line
    for index, line in enumerate(lines):
        header = _SECTION.match(line)
        if header:
            if current == section and end is None:
                end = index
            current = header.group(1)
            continue
        if current == section:
            found = assignment.match(line)
            if found:
                lines[index] = f"{found.group(1)}{key} = {value}{newline}"
                return "".join(lines)
    if section is not None and current != section and end is None:
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += newline
        lines.append(f"{newline}[{section}]{newline}")
        end = len(lines)
    if end is None:
        end = len(lines)
    while end > 0 and lines[end - 1].lstrip().startswith("#"):
        end -= 1  # the comment block just above the next section belongs to it
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    if end > 0 and not lines[end - 1].endswith(("\n", "\r")):
        lines[end - 1] += newline
    lines.insert(end, f"{key} = {value}{newline}")
    return "".join(lines)


def _write_if_changed(path: Path, data: bytes) -> None:
    if path.is_file() and path.read_bytes() == data:
        return
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# --- scans ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scan:
    """One scan file: where it goes under ``scans/``, how it is drawn and saved."""

    path: str
    draw: Callable[[random.Random], Image.Image | list[Image.Image]]
    save: dict = field(default_factory=dict)
    cost: float = 1.0  # rough drawing time, to start the slow ones first

    def images(self) -> list[Image.Image]:
        result = self.draw(random.Random(f"kura-demo:{self.path}"))
        return result if isinstance(result, list) else [result]

    def write(self, path: Path) -> None:
        """Draw and save atomically (a hidden ``.part`` file renamed into place)."""
        images = self.images()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.part")
        first, rest = images[0], images[1:]
        options = dict(self.save)
        if rest:
            options.update(save_all=True, append_images=rest)
        try:
            first.save(tmp, **options)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


# -- drawing helpers -------------------------------------------------------------------


def _noise(rng: random.Random, size: tuple[int, int], lo: int = 0, hi: int = 255) -> Image.Image:
    """Uniform noise in lo..hi (mode L), from the seeded generator."""
    w, h = size
    image = Image.frombytes("L", (w, h), rng.randbytes(w * h))
    if (lo, hi) != (0, 255):
        image = image.point([lo + (v * (hi - lo) + 127) // 255 for v in range(256)])
    return image


def _clouds(rng: random.Random, size: tuple[int, int], scale: int, octaves: int = 3) -> Image.Image:
    """Smooth value noise (mode L, full range): ``octaves`` layers from ``scale`` px down."""
    w, h = size
    result = None
    for octave in range(octaves):
        cell = max(2, scale >> octave)
        small = _noise(rng, (w // cell + 3, h // cell + 3))
        layer = small.resize((w + 2 * cell, h + 2 * cell), Image.Resampling.BICUBIC)
        layer = layer.crop((cell, cell, cell + w, cell + h))
        result = layer if result is None else Image.blend(result, layer, 0.33)
    return ImageOps.autocontrast(result, cutoff=1)


def _grain(image: Image.Image, rng: random.Random, amount: int) -> Image.Image:
    """Add film/scanner grain of ±amount to every pixel."""
    n = _noise(rng, image.size, 128 - amount, 128 + amount)
    if image.mode == "RGB":
        n = Image.merge("RGB", (n, n, n))
    return ImageChops.add(image, n, 1.0, -128)


def _colorize(
    gray: Image.Image, dark: Color, light: Color, mid: Color | None = None
) -> Image.Image:
    return ImageOps.colorize(gray, black=dark, white=light, mid=mid)


def _vgradient(size: tuple[int, int], top: Color, bottom: Color) -> Image.Image:
    return _colorize(Image.linear_gradient("L").resize(size), top, bottom)


def _profile(values: Sequence[float], size: tuple[int, int], vertical: bool = False) -> Image.Image:
    """An L image varying along x (or y) through ``values`` (0..1), constant across."""
    data = [max(0, min(255, round(v * 255))) for v in values]
    strip = Image.new("L", (1, len(data)) if vertical else (len(data), 1))
    strip.putdata(data)
    return strip.resize(size, Image.Resampling.BILINEAR)


def _cylinder(size: tuple[int, int], light_at: float = 0.32, ambient: float = 0.18) -> Image.Image:
    """Shading of a vertical cylinder lit from the left (mode L)."""
    values = []
    for i in range(64):
        u = (i + 0.5) / 64 * 2 - 1  # -1..1 across
        normal = math.asin(max(-1.0, min(1.0, u)))
        light = math.cos(normal - (light_at - 0.5) * math.pi)
        rim = 1 - abs(u) ** 6 * 0.5
        values.append(ambient + (1 - ambient) * max(0.0, light) ** 1.4 * rim)
    return _profile(values, size)


def _shade(image: Image.Image, shade: Image.Image) -> Image.Image:
    """Multiply an RGB image by an L shading image."""
    return ImageChops.multiply(image, Image.merge("RGB", (shade, shade, shade)))


def _blur(image: Image.Image, radius: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius))


def _paint(image: Image.Image, color: Color | int, mask: Image.Image, box=(0, 0)) -> None:
    """Paint a solid colour through an L mask (in place)."""
    image.paste(color, (box[0], box[1], box[0] + mask.width, box[1] + mask.height), mask)


def _paper(
    rng: random.Random,
    size: tuple[int, int],
    light: Color = (236, 225, 198),
    dark: Color = (204, 186, 148),
    grain: int = 6,
    fibres: int = 200,
) -> Image.Image:
    """Aged Japanese paper: mottled warm tone, fibres, a few foxing spots, fine grain."""
    w, h = size
    mottle = _clouds(rng, size, max(32, min(w, h) // 6), octaves=4)
    mottle = mottle.point(lambda v: 90 + v * 165 // 255)
    paper = _colorize(mottle, dark, light)
    draw = ImageDraw.Draw(paper)
    for _ in range(fibres):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        length = rng.uniform(20, 90)
        angle = rng.uniform(0, math.pi)
        mix = rng.uniform(0.2, 0.7)
        color = tuple(round(a * mix + b * (1 - mix)) for a, b in zip(dark, light, strict=True))
        draw.line(
            [(x, y), (x + length * math.cos(angle), y + length * math.sin(angle))],
            fill=color,
            width=2,
        )
    spots = Image.new("L", size, 0)
    sd = ImageDraw.Draw(spots)
    for _ in range(rng.randint(3, 9)):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(6, 40)
        sd.ellipse((x - r, y - r * 0.8, x + r, y + r * 0.8), fill=rng.randint(40, 110))
    _paint(paper, (160, 120, 70), _blur(spots, 8))
    return _grain(paper, rng, grain) if grain else paper


def _bezier(p0: Point, p1: Point, p2: Point, n: int) -> list[Point]:
    points = []
    for i in range(n):
        t = i / (n - 1)
        a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t * t
        points.append((a * p0[0] + b * p1[0] + c * p2[0], a * p0[1] + b * p1[1] + c * p2[1]))
    return points


def _stroke(
    draw: ImageDraw.ImageDraw, rng: random.Random, p0: Point, p2: Point, width: float, fill: int
) -> None:
    """One brush stroke: a slightly curved line that starts with a blob and thins out."""
    dx, dy = p2[0] - p0[0], p2[1] - p0[1]
    bend = rng.uniform(-0.18, 0.18)
    control = ((p0[0] + p2[0]) / 2 - dy * bend, (p0[1] + p2[1]) / 2 + dx * bend)
    points = _bezier(p0, control, p2, 6)
    r = width * 0.5
    draw.ellipse((p0[0] - r, p0[1] - r, p0[0] + r, p0[1] + r), fill=fill)
    for i in range(5):
        w = max(1, round(width * (1 - 0.62 * i / 4)))
        draw.line([points[i], points[i + 1]], fill=fill, width=w)


def _glyph(
    draw: ImageDraw.ImageDraw, rng: random.Random, cx: float, cy: float, s: float, width: float
) -> None:
    """A brush-written character: a few strokes in a cell of size ``s`` around (cx, cy)."""
    fill = rng.randint(190, 255)
    for _ in range(rng.randint(3, 7)):
        kind = rng.random()
        if kind < 0.4:  # horizontal, rising slightly
            y = cy + s * rng.uniform(-0.42, 0.42)
            p0 = (cx - s * rng.uniform(0.18, 0.48), y)
            p2 = (cx + s * rng.uniform(0.12, 0.48), y - s * rng.uniform(-0.02, 0.1))
        elif kind < 0.72:  # vertical
            x = cx + s * rng.uniform(-0.36, 0.36)
            p0 = (x, cy - s * rng.uniform(0.12, 0.5))
            p2 = (x + s * rng.uniform(-0.08, 0.08), cy + s * rng.uniform(0.05, 0.5))
        elif kind < 0.86:  # left-falling sweep
            p0 = (cx + s * rng.uniform(-0.1, 0.2), cy - s * rng.uniform(0.1, 0.4))
            p2 = (cx - s * rng.uniform(0.25, 0.5), cy + s * rng.uniform(0.2, 0.5))
        elif kind < 0.94:  # right-falling sweep
            p0 = (cx - s * rng.uniform(0.0, 0.2), cy + s * rng.uniform(-0.15, 0.15))
            p2 = (cx + s * rng.uniform(0.25, 0.5), cy + s * rng.uniform(0.3, 0.5))
        else:  # dot
            x, y = cx + s * rng.uniform(-0.3, 0.3), cy + s * rng.uniform(-0.4, 0.4)
            p0, p2 = (x, y), (x + s * 0.07, y + s * 0.12)
        _stroke(draw, rng, p0, p2, width * rng.uniform(0.7, 1.25), fill)


def _columns(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    box: tuple[float, float, float, float],
    pitch: float,
    char: float,
    width: float,
    fill: float = 1.0,
    on_column: Callable[[float, float], None] | None = None,
) -> None:
    """Vertical columns of brush characters filling ``box`` from right to left.

    ``fill`` is the share of the box's columns that are written; a column may end early,
    start indented, or be a pair of small annotation columns. ``on_column(x, y_end)`` is
    called after each column (for seals and marks)."""
    x0, y0, x1, y1 = box
    count = int((x1 - x0) // pitch)
    written = max(1, round(count * fill))
    for c in range(written):
        cx = x1 - pitch * (c + 0.5)
        top = y0 + (char * rng.choice((0, 0, 0, 1, 2)))
        bottom = y1 if rng.random() < 0.65 else y0 + (y1 - y0) * rng.uniform(0.25, 0.95)
        if rng.random() < 0.12:  # 割注: two small columns side by side
            for dx in (-pitch * 0.2, pitch * 0.2):
                _column(draw, rng, cx + dx, top, bottom, char * 0.5, width * 0.55)
        else:
            _column(draw, rng, cx, top, bottom, char, width)
        if on_column:
            on_column(cx, bottom)


def _column(draw, rng, cx: float, top: float, bottom: float, char: float, width: float) -> None:
    y = top
    while True:
        s = char * rng.uniform(0.7, 1.08)
        if y + s > bottom:
            break
        x = cx + char * rng.uniform(-0.06, 0.06)
        _glyph(draw, rng, x, y + s / 2, s * 0.86, width)
        if rng.random() < 0.25:  # 連綿: a thin connecting stroke into the next character
            draw.line([(x, y + s * 0.85), (x + char * 0.05, y + s * 1.12)], fill=200, width=2)
        y += s * rng.uniform(1.0, 1.15)


_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-mincho.ttf",
)


@functools.cache
def _font_file() -> str | None:
    """A Japanese font if one is installed (labels are drawn as brush strokes otherwise)."""
    for name in _FONT_FILES:
        if Path(name).is_file():
            try:
                ImageFont.truetype(name, 20)
            except OSError:
                continue
            return name
    return None


def _label(
    draw: ImageDraw.ImageDraw, rng: random.Random, text: str, cx: float, top: float, size: float
) -> None:
    """A vertical title: with a Japanese font when installed, else as brush characters.

    Draws on an L mask (ink = 255)."""
    name = _font_file()
    if name:
        font = ImageFont.truetype(name, round(size))
        y = top
        for ch in text:
            draw.text((cx, y + size / 2), ch, font=font, fill=255, anchor="mm")
            y += size * 1.05
        return
    y = top
    for _ in text:
        _glyph(draw, rng, cx, y + size / 2, size * 0.9, max(3.0, size / 11))
        y += size * 1.05


def _ink(image: Image.Image, mask: Image.Image, color: Color | int, soften: float = 0.9) -> None:
    """Lay ink through a mask, softened so edges look absorbed by the paper."""
    _paint(image, color, _blur(mask, soften) if soften else mask)


def _shadow(image: Image.Image, box: tuple[float, float, float, float], blur: float, strength: int):
    """A soft drop shadow of a rectangle or ellipse box (in place)."""
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).rectangle(box, fill=strength)
    _paint(image, (0, 0, 0) if image.mode == "RGB" else 0, _blur(mask, blur))


def _ellipse_shadow(image: Image.Image, box, blur: float, strength: int) -> None:
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse(box, fill=strength)
    _paint(image, (0, 0, 0) if image.mode == "RGB" else 0, _blur(mask, blur))


def _backdrop(rng: random.Random, size: tuple[int, int], top: Color, bottom: Color) -> Image.Image:
    """A studio backdrop: a vertical gradient with a soft centre light and slight grain."""
    w, h = size
    image = _vgradient(size, top, bottom)
    light = (
        Image.radial_gradient("L")
        .resize((w * 2, h * 2))
        .crop((w // 2, h // 3, w // 2 + w, h // 3 + h))
    )
    light = light.point(lambda v: 255 - v * 70 // 255)
    return _grain(_shade(image, light), rng, 3)


def _smooth_profile(points: Sequence[tuple[float, float]]) -> Callable[[float], float]:
    """A smooth function through (t, value) points (a Catmull-Rom spline)."""
    ts = [t for t, _ in points]
    vs = [v for _, v in points]

    def f(t: float) -> float:
        i = 0
        while i < len(ts) - 2 and t > ts[i + 1]:
            i += 1
        t0, t1 = ts[i], ts[i + 1]
        u = 0.0 if t1 == t0 else max(0.0, min(1.0, (t - t0) / (t1 - t0)))
        p0, p1, p2 = vs[max(0, i - 1)], vs[i], vs[i + 1]
        p3 = vs[min(len(vs) - 1, i + 2)]
        return 0.5 * (
            2 * p1
            + (p2 - p0) * u
            + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u * u
            + (3 * p1 - p0 - 3 * p2 + p3) * u**3
        )

    return f


def _lathe(cx: float, y0: float, y1: float, half: Callable[[float], float], n: int = 160):
    """The outline polygon of a round vessel: half-width ``half(t)`` for t from top to bottom."""
    left = [(cx - half(i / n), y0 + (y1 - y0) * i / n) for i in range(n + 1)]
    right = [(2 * cx - x, y) for x, y in reversed(left)]
    return left + right


# -- 指田日記: a bound diary, cover and open spreads ----------------------------------

_DIARY_SIZE = (2400, 1700)
_DIARY_PAGES = 6


def _diary_page(number: int) -> Callable[[random.Random], Image.Image]:
    def draw(rng: random.Random) -> Image.Image:
        if number == 1:
            return _book_cover(rng, _DIARY_SIZE, "指田日記", "天保五年", (74, 84, 100))
        return _book_spread(rng, _DIARY_SIZE, last=number == _DIARY_PAGES)

    return draw


def _book_cover(
    rng: random.Random, size: tuple[int, int], title: str, subtitle: str, cover: Color
) -> Image.Image:
    """A closed Japanese bound book (fukuro-toji, four-hole binding on the right)."""
    w, h = size
    image = _backdrop(rng, size, (70, 72, 76), (44, 46, 50))
    bw, bh = round(h * 0.68), round(h * 0.88)
    bx0, by0 = (w - bw) // 2, (h - bh) // 2
    bx1, by1 = bx0 + bw, by0 + bh
    _shadow(image, (bx0 + 14, by0 + 22, bx1 + 20, by1 + 26), 18, 150)
    # the page block shows at the bottom and left edges
    edge = _paper(rng, (bw, bh), (226, 214, 186), (196, 180, 146), grain=4, fibres=0)
    image.paste(edge, (bx0 - 6, by0 + 8))
    lines = ImageDraw.Draw(image)
    for i in range(6):
        lines.line([(bx0 - 6, by0 + 12 + i * 2), (bx0 - 6, by1 + 6)], fill=(180, 166, 134))
    tone = _clouds(rng, (bw, bh), bw // 3, octaves=4).point(lambda v: 110 + v * 145 // 255)
    dark = tuple(max(0, c - 34) for c in cover)
    light = tuple(min(255, c + 26) for c in cover)
    board = _grain(_colorize(tone, dark, light), rng, 5)
    pattern = ImageDraw.Draw(board)  # a faint woven/embossed diagonal pattern
    for k in range(-bh, bw, 26):
        pattern.line([(k, 0), (k + bh, bh)], fill=tuple(max(0, c - 8) for c in cover), width=2)
    board = _blur(board, 0.8)
    wear = Image.new("L", (bw, bh), 0)  # rubbed corners and edges
    ImageDraw.Draw(wear).rectangle((0, 0, bw - 1, bh - 1), outline=120, width=10)
    _paint(board, (150, 140, 120), _blur(wear, 9))
    image.paste(board, (bx0, by0))
    draw = ImageDraw.Draw(image)
    # four-hole binding on the right edge
    hole_x = bx1 - round(bw * 0.055)
    holes = [by0 + bh * f for f in (0.08, 0.36, 0.64, 0.92)]
    thread = (222, 214, 196)
    draw.line([(hole_x, by0), (hole_x, by1)], fill=thread, width=7)
    for y in holes:
        draw.line([(hole_x, y), (bx1, y)], fill=thread, width=7)
        draw.ellipse((hole_x - 7, y - 7, hole_x + 7, y + 7), fill=(40, 36, 32))
    # title slip (daisen) near the top left, with the title brushed or printed on it
    sw, sh = round(bw * 0.16), round(bh * 0.5)
    sx0, sy0 = bx0 + round(bw * 0.07), by0 + round(bh * 0.06)
    slip = _paper(rng, (sw, sh), (238, 230, 206), (214, 200, 168), grain=4, fibres=30)
    ImageDraw.Draw(slip).rectangle((4, 4, sw - 5, sh - 5), outline=(120, 100, 80), width=3)
    image.paste(slip, (sx0, sy0))
    mask = Image.new("L", size, 0)
    md = ImageDraw.Draw(mask)
    char = min(sw * 0.62, (sh - 60) / (len(title) * 1.08))
    _label(md, rng, title, sx0 + sw / 2, sy0 + 30, char)
    _label(md, rng, subtitle, sx0 + sw + char * 0.6, sy0 + sh * 0.08, char * 0.42)
    _ink(image, mask, (26, 22, 20), 0.8)
    return image


def _book_spread(rng: random.Random, size: tuple[int, int], last: bool = False) -> Image.Image:
    """An open bound book: two pages of brushed columns, read right to left."""
    w, h = size
    image = _backdrop(rng, size, (66, 68, 72), (42, 44, 48))
    bx0, by0, bx1, by1 = round(w * 0.06), round(h * 0.065), round(w * 0.94), round(h * 0.935)
    gutter = w / 2
    _shadow(image, (bx0 + 10, by0 + 20, bx1 + 16, by1 + 22), 20, 160)
    pw, ph = bx1 - bx0, by1 - by0
    paper = _paper(rng, (pw, ph))
    # page curvature: darker towards the gutter and slightly at the outer edges
    prof = []
    for i in range(96):
        u = i / 95
        d = abs(u - 0.5) * 2  # 0 at the gutter, 1 at the edges
        prof.append(min(1.0, 0.7 + 0.3 * d**0.35) * (1 - 0.1 * max(0.0, d - 0.93) / 0.07))
    paper = _shade(paper, _profile(prof, (pw, ph)))
    image.paste(paper, (bx0, by0))
    draw = ImageDraw.Draw(image)
    for i in range(5):  # page-block edges at both sides
        draw.line(
            [(bx0 - 2 - i * 3, by0 + 6 + i), (bx0 - 2 - i * 3, by1 - 4 - i)], fill=(196, 182, 150)
        )
        draw.line(
            [(bx1 + 1 + i * 3, by0 + 6 + i), (bx1 + 1 + i * 3, by1 - 4 - i)], fill=(196, 182, 150)
        )
    draw.line([(gutter, by0), (gutter, by1)], fill=(150, 134, 104), width=3)
    mask = Image.new("L", size, 0)
    md = ImageDraw.Draw(mask)
    red = Image.new("L", size, 0)
    rd = ImageDraw.Draw(red)
    margin_x, margin_top, margin_bottom = pw * 0.045, ph * 0.08, ph * 0.07
    pitch = pw * 0.046
    char, width = pitch * 0.74, pitch * 0.075

    def mark(x: float, y_end: float) -> None:
        if rng.random() < 0.18:  # a red tick (合点) at the head of an entry
            y = by0 + margin_top - char * 0.6
            rd.arc(
                (x - char * 0.3, y - char * 0.3, x + char * 0.3, y + char * 0.3),
                200,
                340,
                fill=220,
                width=5,
            )

    right = (gutter + margin_x * 1.2, by0 + margin_top, bx1 - margin_x, by1 - margin_bottom)
    left = (bx0 + margin_x, by0 + margin_top, gutter - margin_x * 1.2, by1 - margin_bottom)
    _columns(md, rng, right, pitch, char, width, on_column=mark)
    _columns(md, rng, left, pitch, char, width, fill=0.35 if last else 1.0, on_column=mark)
    _ink(image, mask, (30, 26, 24), 0.9)
    _ink(image, red, (178, 52, 38), 0.9)
    return image


# -- 宗門人別改帳: a three-frame TIFF -------------------------------------------------

_REGISTER_SIZE = (1500, 2100)


def _register(rng: random.Random) -> list[Image.Image]:
    cover = _book_cover(rng, _REGISTER_SIZE, "宗門人別改帳", "村方", (128, 88, 56))
    return [cover, _register_page(rng), _register_page(rng)]


def _register_page(rng: random.Random) -> Image.Image:
    """One page of a register: household entries with red seals under the names."""
    w, h = _REGISTER_SIZE
    image = _backdrop(rng, (w, h), (66, 68, 72), (44, 46, 50))
    px0, py0, px1, py1 = round(w * 0.08), round(h * 0.05), round(w * 0.92), round(h * 0.95)
    _shadow(image, (px0 + 10, py0 + 16, px1 + 14, py1 + 18), 16, 150)
    image.paste(_paper(rng, (px1 - px0, py1 - py0), grain=2, fibres=120), (px0, py0))
    mask = Image.new("L", (w, h), 0)
    md = ImageDraw.Draw(mask)
    red = Image.new("L", (w, h), 0)
    rd = ImageDraw.Draw(red)
    pitch = (px1 - px0) * 0.085
    char = pitch * 0.66

    def seal(x: float, y_end: float) -> None:
        if rng.random() < 0.55:
            y = y_end + char * 0.2
            r = char * 0.42
            if rng.random() < 0.5:
                rd.ellipse((x - r, y, x + r, y + 2 * r), outline=230, width=5)
            else:
                rd.rectangle((x - r, y, x + r, y + 2 * r), outline=230, width=5)
            _glyph(rd, rng, x, y + r, r * 1.2, 4)

    box = (px0 + 70, py0 + 110, px1 - 70, py1 - 260)
    _columns(md, rng, box, pitch, char, pitch * 0.08, on_column=seal)
    _ink(image, mask, (28, 24, 22), 0.8)
    _ink(image, red, (186, 48, 36), 0.7)
    return image


# -- 村山大島紬: kasuri cloth ---------------------------------------------------------

_INDIGO, _INDIGO_LIGHT = (30, 36, 60), (50, 60, 92)
_KASURI_WHITE, _KASURI_GREY = (214, 210, 198), (132, 138, 150)


def _jitter(mask: Image.Image, rng: random.Random, strip: int, amount: int) -> Image.Image:
    """Shift each horizontal strip sideways a little: the feathered edges of ikat."""
    w, h = mask.size
    out = Image.new("L", (w, h), 0)
    for y in range(0, h, strip):
        out.paste(mask.crop((0, y, w, min(h, y + strip))), (rng.randint(-amount, amount), y))
    return out


def _kasuri_masks(rng: random.Random, size: tuple[int, int], cell: int):
    """White and grey motif masks: crosses (十字絣) and well-curbs (井桁) in a half-drop grid."""
    w, h = size
    white = Image.new("L", size, 0)
    grey = Image.new("L", size, 0)
    wd, gd = ImageDraw.Draw(white), ImageDraw.Draw(grey)
    arm, bar = cell * 0.3, cell * 0.075
    row_h = cell * 0.8
    for r in range(-1, int(h / row_h) + 2):
        for c in range(-1, int(w / cell) + 2):
            cx = c * cell + (cell / 2 if r % 2 else 0)
            cy = r * row_h
            if r % 2 == 0:  # cross
                wd.rectangle((cx - arm, cy - bar, cx + arm, cy + bar), fill=255)
                wd.rectangle((cx - bar, cy - arm, cx + bar, cy + arm), fill=255)
            else:  # well-curb #
                for d in (-arm * 0.4, arm * 0.4):
                    gd.rectangle(
                        (cx - arm * 0.8, cy + d - bar * 0.7, cx + arm * 0.8, cy + d + bar * 0.7),
                        fill=255,
                    )
                    gd.rectangle(
                        (cx + d - bar * 0.7, cy - arm * 0.8, cx + d + bar * 0.7, cy + arm * 0.8),
                        fill=255,
                    )
            # small dots between motifs
            dx, dy = cx + cell / 2, cy + row_h / 2
            wd.rectangle((dx - bar, dy - bar * 0.8, dx + bar, dy + bar * 0.8), fill=255)
    amount = max(2, cell // 28)
    masks = []
    for mask in (white, grey):
        mask = _jitter(mask, rng, 3, amount)
        mask = _jitter(mask.transpose(Image.Transpose.TRANSPOSE), rng, 3, amount // 2 + 1)
        masks.append(_blur(mask.transpose(Image.Transpose.TRANSPOSE), 1.0))
    return masks


def _cloth(rng: random.Random, size: tuple[int, int], cell: int, thread: int) -> Image.Image:
    """Kasuri tsumugi: indigo ground, white and grey motifs, plain weave, slubby silk."""
    w, h = size
    ground = _colorize(
        _clouds(rng, size, cell, 2).point(lambda v: 80 + v // 3), _INDIGO, _INDIGO_LIGHT
    )
    white, grey = _kasuri_masks(rng, size, cell)
    _paint(ground, _KASURI_GREY, grey)
    _paint(ground, _KASURI_WHITE, white)
    # plain weave: alternating over/under blocks, each thread shaded across
    tile = Image.new("L", (2 * thread, 2 * thread))
    td = ImageDraw.Draw(tile)
    for i in range(2):
        for j in range(2):
            horizontal = (i + j) % 2 == 0
            x0, y0 = i * thread, j * thread
            for k in range(thread):
                v = 255 - round(70 * abs(k - (thread - 1) / 2) / thread)
                if horizontal:
                    td.line([(x0, y0 + k), (x0 + thread - 1, y0 + k)], fill=v)
                else:
                    td.line([(x0 + k, y0), (x0 + k, y0 + thread - 1)], fill=v)
    weave = Image.new("L", size)
    for y in range(0, h, tile.height):
        for x in range(0, w, tile.width):
            weave.paste(tile, (x, y))
    slubs = _noise(rng, (max(2, w // 60), h), 205, 255).resize(size, Image.Resampling.BILINEAR)
    cloth = _shade(ground, ImageChops.multiply(weave, slubs).point(lambda v: 60 + v * 195 // 255))
    return _grain(cloth, rng, 4)


def _kasuri_bolt(rng: random.Random) -> Image.Image:
    """A bolt of cloth unrolled on tatami."""
    w, h = 2600, 1950
    straw = _noise(rng, (w, max(2, h // 60)), 150, 255).resize((w, h), Image.Resampling.BILINEAR)
    tatami = _shade(_colorize(_clouds(rng, (w, h), 400, 3), (150, 140, 92), (200, 190, 140)), straw)
    border = ImageDraw.Draw(tatami)
    border.rectangle((0, h - 150, w, h), fill=(42, 40, 38))  # the tatami's cloth edge
    border.line([(0, h - 150), (w, h - 150)], fill=(90, 84, 70), width=4)
    tatami = _grain(tatami, rng, 5)
    cx0, cx1 = 760, 1840
    roll_top, roll_bottom = 150, 470
    cw = cx1 - cx0
    _shadow(tatami, (cx0 + 20, roll_top + 40, cx1 + 30, h), 24, 170)
    flat = _cloth(rng, (cw, h - roll_bottom), 150, 3)
    folds = [
        0.9 + 0.08 * math.sin(i / 63 * math.pi * 3.2 + 0.6) + 0.04 * math.sin(i / 63 * 17)
        for i in range(64)
    ]
    edge = [min(1.0, 0.75 + 0.25 * min(i, 63 - i) / 4) for i in range(64)]
    flat = _shade(
        flat, _profile([min(1.0, a * b) for a, b in zip(folds, edge, strict=True)], flat.size)
    )
    top_shadow = _profile(
        [0.55 + 0.45 * min(1.0, i / 20) for i in range(64)], flat.size, vertical=True
    )
    flat = _shade(flat, top_shadow)
    tatami.paste(flat, (cx0, roll_bottom))
    # the roll: the same pattern squeezed as on a cylinder, lit from above
    rh = roll_bottom - roll_top
    roll = _cloth(rng, (cw + 40, round(rh * 1.6)), 150, 3).resize(
        (cw + 40, rh), Image.Resampling.BICUBIC
    )
    roll = _shade(
        roll, _cylinder((rh, cw + 40), light_at=0.3).transpose(Image.Transpose.ROTATE_270)
    )
    mask = Image.new("L", roll.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (0, 0, roll.width - 1, roll.height - 1), radius=26, fill=255
    )
    tatami.paste(roll, (cx0 - 20, roll_top), mask)
    # selvedges
    d = ImageDraw.Draw(tatami)
    for x in (cx0 + 6, cx1 - 8):
        d.line([(x, roll_bottom), (x, h)], fill=(88, 92, 118), width=3)
    return tatami


def _kasuri_closeup(rng: random.Random) -> Image.Image:
    return _cloth(rng, (1600, 1600), 440, 7)


# -- 真福寺梵鐘: a bronze temple bell -------------------------------------------------

_BRONZE = ((38, 27, 18), (122, 86, 50), (214, 174, 116))


def _bell(rng: random.Random) -> Image.Image:
    w, h = 1800, 2400
    # inside a temple gate: dark beams above, pillars at the sides, pale daylight between
    image = _vgradient((w, h), (196, 200, 196), (150, 152, 140))
    d = ImageDraw.Draw(image)
    wood = (70, 46, 32)
    d.rectangle((0, 0, w, 240), fill=wood)
    d.rectangle((0, 240, w, 272), fill=(50, 34, 24))
    for x0 in (0, w - 190):
        d.rectangle((x0, 240, x0 + 190, h), fill=(86, 58, 38))
        d.line([(x0 + 30, 240), (x0 + 30, h)], fill=(104, 72, 48), width=8)
    d.rectangle((0, h - 190, w, h), fill=(112, 104, 92))  # the floor of the upper storey
    wood_tone = _clouds(rng, (w, h), 300, 3).point(lambda v: 225 + v * 30 // 255)
    image = _shade(image, wood_tone)
    cx = w / 2
    y_top, y_body, y_bottom = 520, 700, 2000
    body_h = y_bottom - y_body
    half = _smooth_profile(
        [(0, 300), (0.25, 318), (0.7, 352), (0.93, 372), (0.97, 392), (1.0, 394)]
    )
    # hook and dragon-head handle (龍頭)
    d = ImageDraw.Draw(image)
    d.rectangle((cx - 26, 250, cx + 26, 470), fill=(40, 36, 34))
    d.ellipse((cx - 60, 430, cx + 60, 510), outline=(40, 36, 34), width=22)
    bell = Image.new("L", (w, h), 0)
    bd = ImageDraw.Draw(bell)
    bd.polygon(_lathe(cx, y_body, y_bottom, lambda t: half(t)), fill=255)
    bd.ellipse((cx - half(0), y_top + 40, cx + half(0), y_body + 150), fill=255)  # the crown
    bd.ellipse((cx - 130, y_top - 90, cx - 20, y_top + 80), outline=255, width=44)  # ryūzu loops
    bd.ellipse((cx + 20, y_top - 90, cx + 130, y_top + 80), outline=255, width=44)
    bd.rectangle((cx - 40, y_top - 40, cx + 40, y_top + 90), fill=255)
    bw = round(2 * half(1.0)) + 4
    shade = _cylinder((bw, h), light_at=0.3, ambient=0.12)
    gray = Image.new("L", (w, h), 0)
    gray.paste(shade, (round(cx - bw / 2), 0))
    vertical = _profile([0.78 + 0.22 * (i / 31) ** 0.5 for i in range(32)], (w, h), vertical=True)
    metal = _colorize(ImageChops.multiply(gray, vertical), *_BRONZE[::2], mid=_BRONZE[1])
    patina = _clouds(rng, (w, h), 90, 3).point(lambda v: max(0, v - 150) * 2)
    _paint(metal, (84, 118, 96), _blur(patina, 2))
    mottle = _clouds(rng, (w, h), 24, 2).point(lambda v: 215 + v * 40 // 255)
    metal = _shade(metal, mottle)
    # cast decoration: bands, vertical bands, nipples (乳), a lotus striking seat
    dec = ImageDraw.Draw(metal)
    dark, hi = (46, 32, 20), (196, 160, 104)

    def band(t: float, thick: int) -> None:
        y = y_body + body_h * t
        x = half(t) - 4
        dec.line([(cx - x, y), (cx + x, y)], fill=dark, width=thick)
        dec.line([(cx - x, y + thick), (cx + x, y + thick)], fill=hi, width=max(2, thick // 3))

    for t, thick in ((0.0, 10), (0.04, 6), (0.62, 12), (0.68, 8), (0.86, 10), (0.9, 6)):
        band(t, thick)
    y_nipple_end = y_body + body_h * 0.3
    for u in (-0.62, -0.05, 0.05, 0.62):
        x = cx + u * half(0.3)
        dec.line([(x, y_body), (x, y_body + body_h * 0.62)], fill=dark, width=9)
        dec.line([(x + 8, y_body), (x + 8, y_body + body_h * 0.62)], fill=hi, width=3)
    dec.line([(cx - half(0.3), y_nipple_end), (cx + half(0.3), y_nipple_end)], fill=dark, width=8)
    for section in ((-0.58, -0.1), (0.1, 0.58)):
        for row in range(4):
            for col in range(4):
                u = section[0] + (section[1] - section[0]) * (col + 0.5) / 4
                x = cx + u * half(0.15)
                y = y_body + 40 + row * (y_nipple_end - y_body - 60) / 4 + 20
                r = 15
                dec.ellipse((x - r + 4, y - r + 5, x + r + 4, y + r + 5), fill=dark)
                dec.ellipse((x - r, y - r, x + r, y + r), fill=(150, 112, 68))
                dec.ellipse((x - r * 0.55, y - r * 0.6, x, y - r * 0.05), fill=(226, 196, 140))
    # the inscription in the panel (池の間)
    text = Image.new("L", (w, h), 0)
    _columns(
        ImageDraw.Draw(text),
        rng,
        (cx - 250, y_nipple_end + 50, cx + 250, y_body + body_h * 0.58),
        34,
        26,
        3,
    )
    _paint(metal, (58, 40, 26), _blur(text, 0.7))
    # lotus striking seat on the lower band
    sy = y_body + body_h * 0.76
    for i in range(8):
        a = i * math.pi / 4
        px, py = cx + 60 * math.cos(a), sy + 60 * math.sin(a)
        dec.ellipse((px - 34, py - 34, px + 34, py + 34), outline=dark, width=5)
    dec.ellipse((cx - 48, sy - 48, cx + 48, sy + 48), fill=(150, 110, 66), outline=dark, width=6)
    dec.ellipse((cx - 18, sy - 18, cx + 18, sy + 18), fill=dark)
    # the old crack (宝暦年間の火災によるひび)
    crack = [(cx + 210, y_bottom - 5)]
    for _ in range(14):
        x, y = crack[-1]
        crack.append((x + rng.uniform(-14, 10), y - rng.uniform(20, 38)))
    dec.line(crack, fill=(24, 16, 10), width=4)
    _ellipse_shadow(image, (cx - 430, y_bottom - 30, cx + 450, y_bottom + 60), 30, 120)
    image.paste(metal, (0, 0), _blur(bell, 1.0))
    return _grain(image, rng, 3)


# -- 人面装飾付土器: a Jōmon sherd with a face ----------------------------------------


def _jomon(rng: random.Random) -> Image.Image:
    w = h = 1800
    image = _backdrop(rng, (w, h), (206, 204, 198), (150, 148, 144))
    cx = w / 2
    face_c, face_r = (cx, 620), 270
    shape = Image.new("L", (w, h), 0)
    sd = ImageDraw.Draw(shape)
    # the sherd: a curved rim fragment with broken, jagged edges, the face rising above it
    corners = []
    for i in range(13):  # a few break points joined by straight-ish broken edges
        a = (i + rng.uniform(-0.3, 0.3)) / 13 * 2 * math.pi
        r = rng.uniform(0.82, 1.08)
        corners.append((cx + 560 * r * math.cos(a), 1120 + 330 * r * math.sin(a)))
    outline = []
    for (x0, y0), (x1, y1) in zip(corners, corners[1:] + corners[:1], strict=True):
        for k in range(6):
            t = k / 6
            outline.append(
                (x0 + (x1 - x0) * t + rng.uniform(-6, 6), y0 + (y1 - y0) * t + rng.uniform(-6, 6))
            )
    sd.polygon(outline, fill=255)
    sd.ellipse(
        (
            face_c[0] - face_r,
            face_c[1] - face_r * 1.1,
            face_c[0] + face_r,
            face_c[1] + face_r * 1.1,
        ),
        fill=255,
    )
    sd.polygon([(cx - 240, 760), (cx + 240, 760), (cx + 330, 900), (cx - 330, 900)], fill=255)
    shape = _blur(shape, 1.2)
    _ellipse_shadow(image, (cx - 580, 1360, cx + 620, 1530), 40, 170)
    clay = _colorize(_clouds(rng, (w, h), 160, 4), (92, 56, 34), (184, 128, 84), mid=(146, 94, 60))
    clay = _shade(clay, _profile([1.0 - 0.35 * (i / 31) for i in range(32)], (w, h), vertical=True))
    clay = _shade(clay, _cylinder((w, h), light_at=0.38, ambient=0.55))
    # cord marks (縄文): rows of slanted twisted-cord impressions on the body
    dark = Image.new("L", (w, h), 0)
    light = Image.new("L", (w, h), 0)
    dd, ld = ImageDraw.Draw(dark), ImageDraw.Draw(light)
    for row, y in enumerate(range(960, 1540, 22)):
        slant = 9 if row % 2 else -9
        for x in range(320, 1500, 13):
            jx, jy = x + rng.uniform(-2, 2), y + rng.uniform(-2, 2)
            dd.line([(jx, jy), (jx + slant, jy + 15)], fill=170, width=5)
            ld.line([(jx - 3, jy - 3), (jx + slant - 3, jy + 12)], fill=110, width=2)
    # a raised band (隆帯) with an incised line under the face
    dd.arc((cx - 520, 640, cx + 520, 1060), 20, 160, fill=200, width=14)
    ld.arc((cx - 520, 630, cx + 520, 1050), 20, 160, fill=170, width=12)
    # the face: a raised rim, joined brows and nose, a slit eye and an X-ed eye, a round mouth
    fx, fy = face_c
    ld.ellipse((fx - 235, fy - 280, fx + 225, fy + 270), outline=170, width=28)
    dd.ellipse((fx - 222, fy - 262, fx + 240, fy + 290), outline=200, width=10)
    ld.arc((fx - 170, fy - 150, fx - 6, fy - 10), 200, 340, fill=190, width=22)
    ld.arc((fx + 6, fy - 150, fx + 170, fy - 10), 200, 340, fill=190, width=22)
    ld.rectangle((fx - 14, fy - 95, fx + 12, fy + 50), fill=170)
    dd.line([(fx + 16, fy - 80), (fx + 18, fy + 55)], fill=170, width=8)
    dd.polygon(
        [(fx - 165, fy - 38), (fx - 95, fy - 60), (fx - 40, fy - 40), (fx - 100, fy - 22)], fill=250
    )
    for a, b in (
        ((fx + 45, fy - 85), (fx + 160, fy + 5)),
        ((fx + 45, fy + 5), (fx + 160, fy - 85)),
    ):
        dd.line([a, b], fill=250, width=17)
    dd.ellipse((fx - 40, fy + 95, fx + 40, fy + 165), fill=250)
    ld.arc((fx - 52, fy + 82, fx + 52, fy + 178), 180, 360, fill=160, width=8)
    clay = _grain(clay, rng, 10)
    _paint(clay, (40, 24, 16), _blur(dark, 1.6))
    _paint(clay, (222, 180, 134), _blur(light, 1.8))
    # a thin darker break-edge around the outline
    edge = ImageChops.subtract(shape, shape.filter(ImageFilter.MinFilter(5)))
    _paint(clay, (70, 44, 30), _blur(edge, 1.5))
    image.paste(clay, (0, 0), shape)
    return image


# -- 中世常滑窯大甕: a large medieval jar ---------------------------------------------


def _tokoname(rng: random.Random) -> Image.Image:
    w, h = 2000, 2400
    image = _backdrop(rng, (w, h), (196, 192, 184), (120, 116, 110))
    cx, y0, y1 = w / 2, 330, 2230
    half = _smooth_profile(
        [
            (0, 300),
            (0.035, 292),
            (0.07, 280),
            (0.12, 400),
            (0.2, 620),
            (0.3, 760),
            (0.42, 770),
            (0.6, 680),
            (0.8, 500),
            (0.94, 370),
            (1.0, 330),
        ]
    )
    _ellipse_shadow(image, (cx - 520, y1 - 70, cx + 620, y1 + 90), 36, 190)
    shape = Image.new("L", (w, h), 0)
    ImageDraw.Draw(shape).polygon(_lathe(cx, y0, y1, half), fill=255)
    shape = _blur(shape, 1.2)
    tone = _clouds(rng, (w, h), 260, 4).point(lambda v: 70 + v * 120 // 255)
    body = _colorize(tone, (70, 40, 26), (176, 108, 68), mid=(132, 76, 46))
    body = _shade(body, _cylinder((w, h), light_at=0.34, ambient=0.22))
    ridges = _profile([0.95 + 0.05 * math.sin(i * 1.7) for i in range(90)], (w, h), vertical=True)
    body = _shade(body, ridges)
    # natural ash glaze (自然釉): a glossy olive-brown film on the shoulder, running in drips
    glaze = Image.new("L", (w, h), 0)
    gd = ImageDraw.Draw(glaze)
    gy0, gy1 = y0 + 0.08 * (y1 - y0), y0 + 0.24 * (y1 - y0)
    gd.polygon(
        [(cx - 900 + 1800 * k / 24, gy1 + rng.uniform(-60, 80)) for k in range(25)]
        + [(cx + 900, gy0), (cx - 900, gy0)],
        fill=200,
    )
    for _ in range(26):
        x = cx + rng.uniform(-0.85, 0.85) * 700
        length = rng.uniform(60, 420) * (1 - abs(x - cx) / 900)
        width = rng.uniform(8, 22)
        gd.line(
            [(x, gy1 - 30), (x + rng.uniform(-8, 8), gy1 + length)], fill=190, width=round(width)
        )
        r = width * 0.8
        gd.ellipse((x - r, gy1 + length - r, x + r, gy1 + length + r), fill=190)
    breakup = _clouds(rng, (w, h), 60, 3).point(lambda v: min(255, 60 + v * 2))
    glaze = ImageChops.multiply(_blur(glaze, 7), breakup)
    _paint(body, (92, 86, 40), glaze.point(lambda v: v * 3 // 4))
    sheen = Image.new("L", (w, h), 0)  # the glaze's gloss on the lit side
    ImageDraw.Draw(sheen).ellipse((cx - 560, gy0 + 40, cx - 330, gy1 - 10), fill=110)
    _paint(body, (236, 226, 180), ImageChops.multiply(_blur(sheen, 30), glaze))
    highlight = Image.new("L", (w, h), 0)
    ImageDraw.Draw(highlight).ellipse((cx - 560, y0 + 600, cx - 430, y0 + 1150), fill=50)
    _paint(body, (255, 236, 206), _blur(highlight, 40))
    image.paste(_grain(body, rng, 6), (0, 0), shape)
    # the rolled rim and the dark mouth
    d = ImageDraw.Draw(image)
    d.ellipse((cx - 310, y0 - 70, cx + 310, y0 + 70), fill=(120, 72, 44))
    d.ellipse((cx - 252, y0 - 46, cx + 252, y0 + 48), fill=(28, 18, 12))
    d.arc((cx - 310, y0 - 70, cx + 310, y0 + 70), 180, 350, fill=(178, 128, 86), width=9)
    d.arc((cx - 310, y0 - 60, cx + 310, y0 + 84), 10, 170, fill=(84, 50, 32), width=10)
    return image


# -- 横中馬獅子舞: a greyscale festival photograph -------------------------------------


def _dancer(rng: random.Random, scale: float) -> tuple[Image.Image, Image.Image]:
    """One lion dancer (black lion head with a long mane, drum at the belly); L + mask."""
    w, h = round(900 * scale), round(1500 * scale)
    pic = Image.new("L", (w, h), 0)
    mask = Image.new("L", (w, h), 0)
    p, m = ImageDraw.Draw(pic), ImageDraw.Draw(mask)
    s = scale
    cx = w / 2

    def shape(kind: str, box_or_points, tone: int, **kw) -> None:
        getattr(p, kind)(box_or_points, fill=tone, **kw)
        getattr(m, kind)(box_or_points, fill=255, **kw)

    # hakama (legs), wide and dark, feet apart
    shape(
        "polygon",
        [
            (cx - 170 * s, 820 * s),
            (cx + 170 * s, 820 * s),
            (cx + 300 * s, 1440 * s),
            (cx + 60 * s, 1440 * s),
            (cx, 1100 * s),
            (cx - 60 * s, 1440 * s),
            (cx - 300 * s, 1440 * s),
        ],
        48,
    )
    for fx in (-200, 180):
        shape("ellipse", (cx + (fx - 70) * s, 1420 * s, cx + (fx + 70) * s, 1480 * s), 200)
    # kimono body with sleeves
    shape(
        "polygon",
        [
            (cx - 190 * s, 420 * s),
            (cx + 190 * s, 420 * s),
            (cx + 210 * s, 860 * s),
            (cx - 210 * s, 860 * s),
        ],
        178,
    )
    for side in (-1, 1):
        shape(
            "polygon",
            [
                (cx + side * 180 * s, 440 * s),
                (cx + side * 400 * s, 560 * s),
                (cx + side * 420 * s, 760 * s),
                (cx + side * 200 * s, 700 * s),
            ],
            160,
        )
        # drumstick raised
        p.line(
            [
                (cx + side * 380 * s, 600 * s),
                (cx + side * (300 + rng.uniform(0, 120)) * s, 330 * s),
            ],
            fill=235,
            width=round(14 * s),
        )
        m.line(
            [(cx + side * 380 * s, 600 * s), (cx + side * 300 * s, 330 * s)],
            fill=255,
            width=round(14 * s),
        )
    # crossed sash (たすき) over the kimono
    p.line([(cx - 180 * s, 430 * s), (cx + 190 * s, 840 * s)], fill=90, width=round(26 * s))
    p.line([(cx + 180 * s, 430 * s), (cx - 190 * s, 840 * s)], fill=90, width=round(26 * s))
    # the drum at the belly
    shape("ellipse", (cx - 165 * s, 560 * s, cx + 165 * s, 760 * s), 62)
    for k in (-1, 0, 1):  # the drum's lacing
        p.line(
            [(cx + k * 90 * s, 600 * s), (cx + k * 70 * s, 740 * s)], fill=150, width=round(6 * s)
        )
    shape("ellipse", (cx - 130 * s, 548 * s, cx + 130 * s, 612 * s), 225)
    p.ellipse((cx - 130 * s, 548 * s, cx + 130 * s, 612 * s), outline=50, width=round(8 * s))
    # the cloth hanging from the lion head over the dancer's face
    shape(
        "polygon",
        [
            (cx - 150 * s, 300 * s),
            (cx + 150 * s, 300 * s),
            (cx + 190 * s, 470 * s),
            (cx - 190 * s, 470 * s),
        ],
        120,
    )
    for k in range(-4, 5):
        p.line(
            [(cx + k * 34 * s, 305 * s), (cx + k * 42 * s, 468 * s)], fill=95, width=round(5 * s)
        )
    # the mane (ケンバ): long dark strands falling from the head
    for _ in range(260):
        a = rng.uniform(0.15, math.pi - 0.15)
        sx, sy = cx + 170 * s * math.cos(a), 190 * s - 60 * s * math.sin(a)
        length = rng.uniform(180, 460) * s
        tone = rng.randint(12, 60)
        ex = sx + (sx - cx) * rng.uniform(0.2, 0.7) + rng.uniform(-30, 30) * s
        p.line([(sx, sy), (ex, sy + length)], fill=tone, width=max(2, round(rng.uniform(3, 6) * s)))
        m.line([(sx, sy), (ex, sy + length)], fill=255, width=max(2, round(rng.uniform(3, 6) * s)))
    # the lion head: black lacquer with white eyes, gilt teeth and a short horn
    shape("ellipse", (cx - 170 * s, 60 * s, cx + 170 * s, 330 * s), 22)
    for side in (-1, 1):
        ex = cx + side * 80 * s
        p.ellipse((ex - 36 * s, 150 * s, ex + 36 * s, 205 * s), fill=235)
        p.ellipse((ex - 14 * s, 165 * s, ex + 14 * s, 195 * s), fill=10)
        p.ellipse(
            (cx + side * 150 * s - 40 * s, 40 * s, cx + side * 150 * s + 20 * s, 120 * s), fill=40
        )
    p.rectangle((cx - 90 * s, 258 * s, cx + 90 * s, 285 * s), fill=205)
    for k in range(-4, 5):
        p.line([(cx + k * 20 * s, 258 * s), (cx + k * 20 * s, 285 * s)], fill=120, width=2)
    p.polygon([(cx - 20 * s, 70 * s), (cx + 20 * s, 70 * s), (cx, -10 * s + 40 * s)], fill=180)
    return pic, mask


def _shishimai(rng: random.Random) -> Image.Image:
    w, h = 4000, 3000
    sky = _profile([0.86 - 0.12 * i / 31 for i in range(32)], (w, h), vertical=True)
    image = sky
    d = ImageDraw.Draw(image)
    # trees behind the temple
    trees = Image.new("L", (w, h), 0)
    td = ImageDraw.Draw(trees)
    for _ in range(420):
        x, y = rng.uniform(-100, w + 100), rng.uniform(250, 1250)
        r = rng.uniform(60, 220)
        td.ellipse((x - r, y - r * 0.8, x + r, y + r * 0.8), fill=255)
    td.rectangle((0, 520, w, 1500), fill=255)
    foliage = _clouds(rng, (w, h), 60, 3).point(lambda v: 40 + v * 70 // 255)
    image.paste(foliage, (0, 0), _blur(trees, 4))
    # the temple hall: a big roof with upturned eaves
    d.polygon(
        [(1700, 1180), (3900, 1180), (3700, 880), (3300, 720), (2300, 720), (1900, 880)], fill=46
    )
    d.polygon([(1640, 1190), (3960, 1190), (3990, 1150), (1610, 1150)], fill=34)
    d.rectangle((1850, 1190, 3750, 1560), fill=92)
    for x in range(1900, 3750, 230):
        d.rectangle((x, 1190, x + 34, 1560), fill=60)
    d.rectangle((1850, 1190, 3750, 1240), fill=70)
    # the ground: trodden earth and gravel
    ground = _profile([0.62 + 0.12 * i / 31 for i in range(32)], (w, h - 1500), vertical=True)
    ground = ImageChops.multiply(ground, _noise(rng, ground.size, 190, 255))
    image.paste(ground, (0, 1500))
    # onlookers around the dance ground
    crowd = ImageDraw.Draw(image)
    for k in range(44):
        x = rng.uniform(-50, w + 50)
        if 900 < x < 3100 and k % 3:
            continue
        y = rng.uniform(1480, 1720)
        r = rng.uniform(44, 60)
        tone = rng.randint(30, 110)
        crowd.ellipse((x - r, y - r, x + r, y + r), fill=tone)
        crowd.polygon(
            [
                (x - r * 2, y + r * 6),
                (x - r * 1.6, y + r * 0.8),
                (x + r * 1.6, y + r * 0.8),
                (x + r * 2, y + r * 6),
            ],
            fill=min(255, tone + rng.randint(-20, 60)),
        )
    image = _blur(image, 5.0)  # the background out of focus
    for x, tilt, scale in ((1150, -4, 1.02), (2000, 2, 1.08), (2850, 5, 0.98)):
        pic, mask = _dancer(rng, scale)
        pic = pic.rotate(tilt, resample=Image.Resampling.BICUBIC, expand=True)
        mask = mask.rotate(tilt, resample=Image.Resampling.BICUBIC, expand=True)
        top = 2880 - pic.height
        _ellipse_shadow(image, (x - 380, 2780, x + 420, 2920), 30, 120)
        image.paste(pic, (round(x - pic.width / 2), top), _blur(mask, 1.2))
    image = _blur(image, 1.1)
    vignette = (
        Image.radial_gradient("L")
        .resize((w, h))
        .point(lambda v: 255 - max(0, v - 120) * 150 // 135)
    )
    image = ImageChops.multiply(image, vignette)
    image = image.point(lambda v: round(255 * (v / 255) ** 1.1))
    # old-print wear: dust and a few scratches
    d = ImageDraw.Draw(image)
    for _ in range(90):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(1, 2.5)
        d.ellipse((x - r, y - r, x + r, y + r), fill=rng.choice((200, 215, 50)))
    for _ in range(3):
        x = rng.uniform(0, w)
        y = rng.uniform(0, h * 0.7)
        d.line([(x, y), (x + rng.uniform(-12, 12), y + rng.uniform(200, 700))], fill=205, width=2)
    return _grain(image, rng, 16)


# -- 村絵図: a large coloured village map ---------------------------------------------

_EZU = (6000, 4500)


def _meander(
    rng: random.Random, x0: float, x1: float, y: float, amp: float, n: int = 90
) -> list[Point]:
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(3)]
    points = []
    for i in range(n + 1):
        t = i / n
        dy = sum(
            amp / (k + 1) * math.sin(t * math.pi * (k * 2 + 1.3) + phases[k]) for k in range(3)
        )
        points.append((x0 + (x1 - x0) * t, y + dy))
    return points


def _house(draw: ImageDraw.ImageDraw, x: float, y: float, s: float, roof: Color) -> None:
    ink = (52, 40, 30)
    draw.rectangle((x - s, y, x + s, y + s * 0.8), fill=(236, 226, 200), outline=ink, width=3)
    draw.polygon(
        [
            (x - s * 1.35, y + 4),
            (x + s * 1.35, y + 4),
            (x + s * 0.8, y - s * 0.75),
            (x - s * 0.8, y - s * 0.75),
        ],
        fill=roof,
        outline=ink,
    )


def _ezu(rng: random.Random) -> Image.Image:
    w, h = _EZU
    paper = _paper(rng, (w, h), (232, 218, 182), (196, 172, 124), grain=3, fibres=2500)
    art = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(art)
    ink = (56, 44, 34)
    margin = 170
    hill_foot = 1650
    # fields and paddies of the plain, in irregular plots with ridges between them
    cols, rows = 22, 11
    grid = [
        [
            (
                margin
                + (w - 2 * margin) * c / cols
                + (rng.uniform(-40, 40) if 0 < c < cols else 0),
                hill_foot
                + 150
                + (h - margin - hill_foot - 150) * r / rows
                + (rng.uniform(-30, 30) if 0 < r < rows else 0),
            )
            for c in range(cols + 1)
        ]
        for r in range(rows + 1)
    ]
    paddy, field_, wood = (200, 214, 150), (232, 212, 140), (120, 150, 96)
    for r in range(rows):
        for c in range(cols):
            quad = [grid[r][c], grid[r][c + 1], grid[r + 1][c + 1], grid[r + 1][c]]
            kind = rng.random()
            near_stream = abs(r - 5.5) < 2
            color = (
                paddy
                if (near_stream and kind < 0.7) or kind < 0.2
                else field_
                if kind < 0.8
                else wood
            )
            d.polygon(quad, fill=color, outline=ink)
            xs, ys = [p[0] for p in quad], [p[1] for p in quad]
            x0, x1, y0, y1 = min(xs) + 30, max(xs) - 30, min(ys) + 26, max(ys) - 26
            if color == paddy:
                for y in range(round(y0), round(y1), 34):
                    for x in range(round(x0), round(x1), 60):
                        d.line([(x, y), (x + 26, y)], fill=(120, 150, 90), width=3)
            elif color == field_:
                for y in range(round(y0), round(y1), 40):
                    d.line([(x0, y), (x1, y + rng.uniform(-6, 6))], fill=(176, 150, 90), width=3)
            else:
                for _ in range(10):
                    x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
                    d.ellipse((x - 20, y - 20, x + 20, y + 20), fill=(80, 116, 70), outline=ink)
    # the Sayama Hills: rows of rounded hills drawn back to front, with trees on them
    for row in range(6):
        base = 520 + row * 220
        x = margin - rng.uniform(0, 300)
        while x < w - margin:
            hw, hh = rng.uniform(260, 520), rng.uniform(200, 360)
            g = rng.randint(-16, 16)
            fill = (110 + g, 146 + g, 96 + g)
            box = (x, base - hh, x + 2 * hw, base + hh)
            d.chord(box, 180, 360, fill=fill, outline=ink, width=5)
            for _ in range(int(hw / 40)):
                tx = rng.uniform(box[0] + 40, box[2] - 40)
                rel = (tx - (x + hw)) / hw
                ty = base - hh * math.sqrt(max(0.0, 1 - rel * rel)) * rng.uniform(0.2, 0.9)
                if rng.random() < 0.5:  # pine
                    d.polygon(
                        [(tx, ty - 46), (tx - 26, ty + 6), (tx + 26, ty + 6)],
                        fill=(62, 96, 64),
                        outline=ink,
                    )
                    d.line([(tx, ty + 6), (tx, ty + 22)], fill=ink, width=4)
                else:  # broadleaf
                    d.ellipse((tx - 24, ty - 30, tx + 24, ty + 10), fill=(86, 126, 76), outline=ink)
            x += hw * rng.uniform(1.0, 1.5)
    # streams from the valleys (谷戸) and the Zanbori River across the plain
    river = _meander(rng, margin, w - margin, hill_foot + 150 + (h - margin - hill_foot) * 0.5, 160)
    d.line(river, fill=(92, 124, 150), width=70, joint="curve")
    d.line(river, fill=(140, 172, 196), width=48, joint="curve")
    for k in range(7):
        x = margin + (w - 2 * margin) * (k + 0.5) / 7 + rng.uniform(-120, 120)
        phase = rng.uniform(0, 2 * math.pi)
        end_y = round(river[int((x - margin) / (w - 2 * margin) * 90)][1])
        stream = [
            (x + 50 * math.sin(y / 170 + phase) + 20 * math.sin(y / 53), y)
            for y in range(1100, end_y, 30)
        ]
        if len(stream) > 1:
            d.line(stream, fill=(92, 124, 150), width=20, joint="curve")
            d.line(stream, fill=(150, 180, 200), width=10, joint="curve")
    # the red road along the foot of the hills, with lanes branching south
    road = _meander(rng, margin, w - margin, hill_foot, 40)
    d.line(road, fill=(170, 62, 44), width=36, joint="curve")
    for k in range(9):
        x = margin + (w - 2 * margin) * (k + 0.5) / 9 + rng.uniform(-80, 80)
        lane = [(x + 60 * math.sin(y / 300 + k), y) for y in range(hill_foot, h - margin, 80)]
        d.line(lane, fill=(180, 80, 58), width=14, joint="curve")
    # villages strung along the road, each with a shrine gate and a temple
    villages = ["岸村", "三ツ木村", "横田村", "中藤村"]
    for i, _name in enumerate(villages):
        vx = margin + (w - 2 * margin) * (i + 0.5) / len(villages)
        for _ in range(26):
            x = vx + rng.uniform(-520, 520)
            y = hill_foot + rng.choice((-1, 1)) * rng.uniform(70, 230)
            _house(d, x, y, rng.uniform(22, 30), (120, 96, 70))
        tx, ty = vx + rng.uniform(-300, 300), hill_foot - 330
        d.line([(tx - 40, ty), (tx - 40, ty + 90)], fill=(200, 52, 36), width=10)
        d.line([(tx + 40, ty), (tx + 40, ty + 90)], fill=(200, 52, 36), width=10)
        d.line([(tx - 62, ty), (tx + 62, ty)], fill=(200, 52, 36), width=12)
        d.line([(tx - 50, ty + 22), (tx + 50, ty + 22)], fill=(200, 52, 36), width=7)
        _house(d, vx + rng.uniform(-200, 200), hill_foot - 420, 60, (70, 70, 76))
    # frame
    d.rectangle((margin - 60, margin - 60, w - margin + 60, h - margin + 60), outline=ink, width=10)
    d.rectangle((margin - 40, margin - 40, w - margin + 40, h - margin + 40), outline=ink, width=4)
    art = _blur(art, 0.8)
    image = ImageChops.multiply(paper, art)
    # labels on pasted paper slips (貼紙), the title at the top right, compass points
    slips = ImageDraw.Draw(image)
    mask = Image.new("L", (w, h), 0)
    md = ImageDraw.Draw(mask)

    def slip(x: float, y: float, text: str, size: float) -> None:
        sw, sh = size * 1.6, size * (len(text) * 1.05 + 0.8)
        slips.rectangle(
            (x - sw / 2, y, x + sw / 2, y + sh),
            fill=(242, 234, 212),
            outline=(150, 130, 100),
            width=3,
        )
        _label(md, rng, text, x, y + size * 0.4, size)

    for i, name in enumerate(villages):
        slip(margin + (w - 2 * margin) * (i + 0.5) / len(villages) + 180, hill_foot - 560, name, 70)
    slip(w - margin - 160, margin + 80, "狭山丘陵南麓村絵図", 110)
    slip(w / 2, margin + 40, "北", 90)
    slip(w / 2, h - margin - 240, "南", 90)
    slip(margin + 100, h / 2, "西", 90)
    slip(w - margin - 100, h / 2, "東", 90)
    slip(river[30][0], river[30][1] + 90, "残堀川", 60)
    # a legend at the bottom left: paddy, field, road, water
    lx, ly = margin + 80, h - margin - 560
    slips.rectangle(
        (lx, ly, lx + 520, ly + 470), fill=(242, 234, 212), outline=(150, 130, 100), width=3
    )
    for k, color in enumerate(((200, 214, 150), (232, 212, 140), (170, 62, 44), (140, 172, 196))):
        slips.rectangle(
            (lx + 420 - k * 110, ly + 40, lx + 480 - k * 110, ly + 110),
            fill=color,
            outline=ink,
            width=3,
        )
        _columns(md, rng, (lx + 405 - k * 110, ly + 140, lx + 495 - k * 110, ly + 440), 90, 60, 7)
    _ink(image, mask, (34, 28, 24), 1.0)
    # fold creases: the map was kept folded in 4 × 3
    crease = Image.new("L", (w, h), 0)
    cd = ImageDraw.Draw(crease)
    for k in range(1, 4):
        cd.line([(w * k / 4, 0), (w * k / 4, h)], fill=120, width=10)
    for k in range(1, 3):
        cd.line([(0, h * k / 3), (w, h * k / 3)], fill=120, width=10)
    _paint(image, (255, 250, 236), _blur(crease, 6))
    shadow = ImageChops.offset(crease, 8, 8)
    _paint(image, (90, 70, 40), _blur(shadow.point(lambda v: v // 2), 5))
    return image


# -- 狭山丘陵の里山: a colour landscape photograph -----------------------------------


def _satoyama(rng: random.Random) -> Image.Image:
    w, h = 2400, 1600
    image = _vgradient((w, h), (118, 164, 214), (226, 234, 238))
    clouds = _clouds(rng, (w, h), 420, 4).point(lambda v: min(255, max(0, v - 150) * 3))
    fade = _profile([max(0.0, 1 - i / 24) for i in range(32)], (w, h), vertical=True)
    _paint(image, (250, 250, 252), ImageChops.multiply(_blur(clouds, 10), fade))

    def ridge(base: float, amp: float, seed_phase: float) -> list[Point]:
        pts = [(0.0, float(h))]
        for i in range(121):
            x = w * i / 120
            y = base - amp * (
                0.6 * math.sin(i / 18 + seed_phase)
                + 0.3 * math.sin(i / 7 + 2 * seed_phase)
                + 0.1 * math.sin(i / 2.3)
            )
            pts.append((x, y))
        pts.append((float(w), float(h)))
        return pts

    far = Image.new("L", (w, h), 0)
    ImageDraw.Draw(far).polygon(ridge(760, 60, rng.uniform(0, 6)), fill=255)
    _paint(image, (132, 156, 168), _blur(far, 2))
    near = Image.new("L", (w, h), 0)
    ImageDraw.Draw(near).polygon(ridge(860, 120, rng.uniform(0, 6)), fill=255)
    forest = _colorize(_clouds(rng, (w, h), 40, 3), (34, 62, 34), (118, 150, 72), mid=(70, 104, 50))
    fd = ImageDraw.Draw(forest)
    for _ in range(2600):  # tree crowns catching the light
        x, y = rng.uniform(0, w), rng.uniform(700, 1200)
        r = rng.uniform(10, 34)
        g = rng.randint(-20, 30)
        fd.ellipse((x - r, y - r * 0.8, x + r, y + r * 0.6), fill=(70 + g, 108 + g, 52 + g // 2))
    image.paste(forest, (0, 0), _blur(near, 1.5))
    # terraced paddies in the valley and a thatched farmhouse
    d = ImageDraw.Draw(image)
    y = 1120
    k = 0
    while y < h:
        step = 50 + k * 18
        tone = (140, 178, 84) if k % 2 else (168, 190, 96)
        d.polygon(
            [
                (0, y + 14 * math.sin(k)),
                (w, y - 20 + 10 * math.cos(k)),
                (w, y + step),
                (0, y + step + 10),
            ],
            fill=tone,
        )
        d.line(
            [(0, y + 14 * math.sin(k)), (w, y - 20 + 10 * math.cos(k))], fill=(96, 110, 60), width=4
        )
        y += step
        k += 1
    hx, hy = 1640, 1040
    d.rectangle((hx - 170, hy, hx + 170, hy + 120), fill=(222, 214, 196))
    d.rectangle((hx - 40, hy + 40, hx + 40, hy + 120), fill=(60, 48, 40))
    d.polygon(
        [(hx - 230, hy + 10), (hx + 230, hy + 10), (hx + 120, hy - 170), (hx - 120, hy - 170)],
        fill=(112, 100, 78),
    )
    d.polygon(
        [(hx - 120, hy - 170), (hx + 120, hy - 170), (hx + 90, hy - 196), (hx - 90, hy - 196)],
        fill=(70, 62, 52),
    )
    for x in range(hx - 220, hx + 220, 9):
        d.line([(x, hy + 8), (hx + (x - hx) * 0.52, hy - 168)], fill=(96, 86, 66), width=2)
    return _grain(_blur(image, 0.7), rng, 6)


# -- 民具: folk tools photographed on a backdrop --------------------------------------

_WOOD = ((92, 60, 38), (170, 122, 80))


def _wood(rng: random.Random, size: tuple[int, int], vertical: bool = False) -> Image.Image:
    """Wood with grain running along its length."""
    w, h = size
    if vertical:
        grain = _noise(rng, (w, max(2, h // 50)), 0, 255).resize(size, Image.Resampling.BICUBIC)
    else:
        grain = _noise(rng, (max(2, w // 50), h), 0, 255).resize(size, Image.Resampling.BICUBIC)
    return _colorize(grain, *_WOOD)


def _cut(image: Image.Image, texture: Image.Image, mask: Image.Image) -> None:
    image.paste(texture, (0, 0), _blur(mask, 1.0))


def _senbakoki(rng: random.Random) -> Image.Image:
    w, h = 2000, 1500
    image = _backdrop(rng, (w, h), (214, 210, 200), (150, 146, 138))
    _ellipse_shadow(image, (260, 1180, 1760, 1330), 30, 150)
    wood = _wood(rng, (w, h))
    mask = Image.new("L", (w, h), 0)
    m = ImageDraw.Draw(mask)
    m.polygon([(300, 690), (1700, 690), (1700, 800), (300, 800)], fill=255)  # the beam
    for x0, x1 in ((380, 290), (1620, 1710)):  # legs splaying out
        m.polygon([(x0 - 40, 790), (x0 + 40, 790), (x1 + 40, 1270), (x1 - 40, 1270)], fill=255)
    for x0, x1 in ((560, 520), (1440, 1480)):
        m.polygon([(x0 - 34, 790), (x0 + 34, 790), (x1 + 34, 1200), (x1 - 34, 1200)], fill=255)
    m.polygon([(330, 1000), (1670, 1000), (1670, 1040), (330, 1040)], fill=255)  # brace
    _cut(image, _shade(wood, _profile([0.7, 1.0, 0.9, 0.62], (w, h), vertical=True)), mask)
    d = ImageDraw.Draw(image)
    d.line([(300, 690), (1700, 690)], fill=(200, 160, 112), width=4)
    # the iron teeth, a comb along the beam
    for i in range(27):
        x = 420 + i * 44
        tip = 300 + rng.uniform(-6, 6)
        d.polygon([(x - 12, 700), (x + 12, 700), (x + 4, tip), (x - 4, tip)], fill=(58, 56, 58))
        d.line([(x - 6, 690), (x - 2, tip + 10)], fill=(150, 148, 150), width=3)
    d.rectangle((400, 660, 1610, 700), fill=(70, 66, 64))  # the iron clamp holding the teeth
    d.line([(400, 664), (1610, 664)], fill=(140, 136, 132), width=4)
    for x in range(430, 1610, 120):
        d.ellipse((x - 9, 671, x + 9, 689), fill=(160, 150, 140))
    return _grain(image, rng, 5)


def _tomi(rng: random.Random) -> Image.Image:
    w, h = 2000, 1600
    image = _backdrop(rng, (w, h), (222, 220, 212), (170, 166, 158))
    _ellipse_shadow(image, (180, 1320, 1900, 1470), 34, 150)
    persimmon = ImageChops.multiply(_wood(rng, (w, h)), Image.new("RGB", (w, h), (236, 170, 130)))
    mask = Image.new("L", (w, h), 0)
    m = ImageDraw.Draw(mask)
    m.ellipse((260, 420, 880, 1040), fill=255)  # the fan drum
    m.polygon([(570, 480), (1780, 620), (1780, 900), (570, 1000)], fill=255)  # the wind channel
    m.polygon([(900, 200), (1420, 200), (1280, 560), (1040, 560)], fill=255)  # the hopper
    for x0, x1 in ((420, 380), (760, 780), (1560, 1600), (1740, 1790)):
        m.polygon([(x0 - 26, 900), (x0 + 26, 900), (x1 + 26, 1400), (x1 - 26, 1400)], fill=255)
    m.polygon([(980, 960), (1150, 960), (1060, 1260), (920, 1240)], fill=255)  # first outlet
    m.polygon([(1280, 900), (1420, 900), (1400, 1160), (1270, 1150)], fill=255)  # second outlet
    _cut(image, _shade(persimmon, _cylinder((w, h), light_at=0.35, ambient=0.55)), mask)
    d = ImageDraw.Draw(image)
    edge = (70, 42, 28)
    d.ellipse((260, 420, 880, 1040), outline=edge, width=8)
    d.ellipse((520, 680, 620, 780), fill=(96, 64, 40), outline=edge, width=6)  # the axle hub
    d.line([(570, 730), (170, 560)], fill=(110, 74, 46), width=34)  # the crank
    d.line([(170, 560), (150, 450)], fill=(140, 98, 62), width=30)
    d.polygon([(900, 200), (1420, 200), (1280, 560), (1040, 560)], outline=edge, width=7)
    for y in (660, 800, 940):  # planks
        d.line([(880, y - 30), (1780, y + 20 - (y - 660) * 0.3)], fill=(120, 80, 52), width=4)
    d.rectangle((1760, 620, 1790, 900), fill=(50, 32, 22))  # the open end where chaff blows out
    for _ in range(60):  # chaff drifting out of the end
        x, y = rng.uniform(1800, 1980), rng.uniform(640, 900)
        d.ellipse((x - 5, y - 3, x + 5, y + 3), fill=(214, 190, 130))
    return image


def _ishiusu(rng: random.Random) -> Image.Image:
    w = h = 1600
    image = _backdrop(rng, (w, h), (206, 202, 194), (140, 136, 128))
    _ellipse_shadow(image, (260, 1200, 1380, 1400), 34, 170)
    speckle = _noise(rng, (w // 3, h // 3)).resize((w, h), Image.Resampling.NEAREST)
    granite = _colorize(
        ImageChops.add(
            _clouds(rng, (w, h), 120, 3).point(lambda v: v // 2), speckle.point(lambda v: v // 2)
        ),
        (70, 70, 72),
        (196, 194, 188),
        mid=(134, 132, 128),
    )
    granite = _shade(granite, _cylinder((w, h), light_at=0.33, ambient=0.35))
    cx = w / 2
    # lower stone, then the upper stone on it, each a short cylinder seen from above
    for top, bottom, rx, ry in ((880, 1280, 520, 130), (600, 880, 500, 125)):
        mask = Image.new("L", (w, h), 0)
        m = ImageDraw.Draw(mask)
        m.rectangle((cx - rx, top, cx + rx, bottom), fill=255)
        m.ellipse((cx - rx, bottom - ry, cx + rx, bottom + ry), fill=255)
        m.ellipse((cx - rx, top - ry, cx + rx, top + ry), fill=255)
        _cut(image, granite, mask)
        face = Image.new("L", (w, h), 0)
        ImageDraw.Draw(face).ellipse((cx - rx, top - ry, cx + rx, top + ry), fill=60)
        _paint(image, (255, 255, 250), _blur(face, 2))
        ImageDraw.Draw(image).arc(
            (cx - rx, top - ry, cx + rx, top + ry), 0, 180, fill=(60, 58, 56), width=4
        )
    d = ImageDraw.Draw(image)
    d.line([(cx - 520, 880), (cx + 520, 880)], fill=(54, 52, 50), width=6)  # the seam
    d.ellipse((cx - 80, 575, cx + 60, 625), fill=(40, 38, 36))  # the feed hole
    for k in range(-5, 6):
        d.line(
            [(cx - 480 + k * 12, 900 + abs(k) * 4), (cx - 470 + k * 12, 1010)],
            fill=(100, 98, 92),
            width=2,
        )
    handle = _wood(rng, (w, h), vertical=True)
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).polygon(
        [(cx + 360, 300), (cx + 410, 300), (cx + 420, 650), (cx + 350, 650)], fill=255
    )
    _cut(image, _shade(handle, _cylinder((w, h), ambient=0.5)), mask)
    return _grain(image, rng, 6)


# -- the catalogue of scans ------------------------------------------------------------

_JPEG = {"format": "JPEG", "quality": 90, "optimize": True}
_PNG = {"format": "PNG", "optimize": False, "compress_level": 6}
_TIFF = {"format": "TIFF", "compression": "tiff_lzw"}

SCANS: list[Scan] = [
    *(Scan(f"指田日記/{n:02d}.jpg", _diary_page(n), _JPEG) for n in range(1, _DIARY_PAGES + 1)),
    Scan("村山大島紬/反物.jpg", _kasuri_bolt, _JPEG),
    Scan("村山大島紬/絣の拡大.png", _kasuri_closeup, _PNG, 1.2),
    Scan("真福寺梵鐘.tif", _bell, _TIFF),
    Scan("横中馬獅子舞_例大祭.jpg", _shishimai, _JPEG, 1.7),
    Scan("人面装飾付土器.png", _jomon, _PNG, 1.2),
    Scan("中世常滑窯大甕.jpg", _tokoname, _JPEG),
    Scan("村絵図.jpg", _ezu, _JPEG, 4.5),
    Scan("狭山丘陵_里山.jpg", _satoyama, _JPEG),
    Scan("民具/千歯扱き.jpg", _senbakoki, _JPEG),
    Scan("民具/唐箕.png", _tomi, _PNG),
    Scan("民具/石臼.jpg", _ishiusu, _JPEG),
    Scan("宗門人別改帳.tif", _register, _TIFF, 1.7),
]
