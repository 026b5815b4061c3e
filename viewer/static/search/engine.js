// Kura's search in the browser, for a site served as static files (`kura build`).
//
// The same query plan as archive/search/query.py, over the files that
// archive/search/static_index.py writes from the server's index: postings carry the
// server's BM25F scores, so this side only parses the query, looks its terms up, adds and
// intersects. What needs the morphological analyser on the server (a kanji word's reading,
// a sentence's content words, a compound's parts) is approximated here by script runs and
// the corpus' own vocabulary; see docs/search.md ("Static search").
//
// No DOM here: page.js draws the page; tests run this module in Chromium and Node.

import { stem as stemmer } from "./porter.js";

const JA_CLASS =
  "\u3005\u3006\u303b\u3041-\u309f\u30a1-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{3134f}";
const KANJI_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{3134f}";
const RUN = new RegExp(`([${JA_CLASS}]+)|((?:(?![${JA_CLASS}])[\\p{L}\\p{N}])+)`, "gu");
const IS_JA = new RegExp(`^[${JA_CLASS}]$`, "u");
const IS_KANJI = new RegExp(`^[${KANJI_CLASS}]`, "u");
const KANA_ONLY = /^[\u3041-\u309f\u30fc]+$/u;
const HAS_HIRAGANA = /[\u3041-\u309f]/u;
const CONTROL = /[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/gu;
const ITERATION = /[々〻ゝゞヽヾ]/u;
const LINKING_GA = new RegExp(
  `(?<=[${KANJI_CLASS}])[ゖヶけがケガ](?=[${KANJI_CLASS}])|(?<=[\u3041-\u30ff])[ゖヶ](?=[${KANJI_CLASS}])`,
  "gu",
);
const QUOTES = /"([^"]*)"|「([^」]*)」|“([^”]*)”|『([^』]*)』/gu;
const YEAR = /^(?:西暦)?([0-9]{3,4})年?$/u;
const SCRIPT_RUNS = /[\u3041-\u309f\u30fc]+|[^\u3041-\u309f\u30fc]+/gu;
const DATE_WEIGHT = 6.0;
const NAMED_YEAR_SHARE = 0.8;
const MAX_PREFIX_TERMS = 512;
const NEAR_TERMS = 24;
const FEW = 3;
const MIXED_READING_MAX = 12;
const NEAR_WHOLE_MAX = 10;
const MAX_CONTENT_WORDS = 8;
const PARTICLES = new Set(["の", "を", "が", "に", "は", "で", "と", "へ", "も", "や"]);

// ---- text ------------------------------------------------------------------------------

export function toHiragana(text) {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0);
    out += c >= 0x30a1 && c <= 0x30f6 ? String.fromCodePoint(c - 0x60) : ch;
  }
  return out;
}

const SMALL = { ぁ: "あ", ぃ: "い", ぅ: "う", ぇ: "え", ぉ: "お", っ: "つ", ゃ: "や", ゅ: "ゆ", ょ: "よ", ゎ: "わ", ゕ: "か", ゖ: "け" };
const VOWEL_ROWS = {
  a: "あかさたなはまやらわがざだばぱ",
  i: "いきしちにひみりぎじぢびぴ",
  u: "うくすつぬふむゆるぐずづぶぷゔ",
  e: "えけせてねへめれげぜでべぺ",
  o: "おこそとのほもよろをごぞどぼぽ",
};
const VOWEL = {};
for (const [v, row] of Object.entries(VOWEL_ROWS)) for (const ch of row) VOWEL[ch] = v;
const LENGTHENS = { a: "あー", i: "いー", u: "うー", e: "いえー", o: "うおー" };
const LONG_MARK = { a: "あ", i: "い", u: "う", e: "い", o: "う" };

export function looseKana(hiragana) {
  let out = "";
  let vowel = "";
  for (let ch of hiragana) {
    ch = SMALL[ch] || ch;
    if (vowel && LENGTHENS[vowel].includes(ch)) continue;
    out += ch;
    vowel = VOWEL[ch] || "";
  }
  return out;
}

export function longVowelsSpelt(hiragana) {
  let out = "";
  let vowel = "";
  for (let ch of hiragana) {
    if (ch === "ー" && vowel) ch = LONG_MARK[vowel];
    out += ch;
    vowel = VOWEL[SMALL[ch] || ch] || ("ゃゅょ".includes(ch) ? vowel : "");
    if (ch === "ゃ") vowel = "a";
    else if (ch === "ゅ") vowel = "u";
    else if (ch === "ょ") vowel = "o";
  }
  return out;
}

function writeOutIterations(text) {
  const out = [];
  for (let ch of text) {
    const prev = out.length ? out[out.length - 1] : "";
    if ("々〻".includes(ch) && prev && IS_KANJI.test(prev)) ch = prev;
    else if ("ゝヽ".includes(ch) && prev && prev >= "\u3041" && prev <= "\u30ff") ch = prev;
    else if ("ゞヾ".includes(ch) && prev && prev >= "\u3041" && prev <= "\u30ff")
      ch = (prev + "\u3099").normalize("NFC");
    out.push(ch);
  }
  return out.join("");
}

export function isJapanese(ch) {
  return IS_JA.test(ch);
}

export function kanaOnly(text) {
  return KANA_ONLY.test(text);
}

function chars(text) {
  return Array.from(text);
}

// ---- the index's files ------------------------------------------------------------------

async function gunzip(bytes) {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes; // served decoded
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function fnv1a(key) {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(key)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class StaticIndex {
  /** base: the URL of the folder holding meta.bin (ending in /); fetchBytes(url) → bytes. */
  constructor(base, fetchBytes = defaultFetch) {
    this.base = base;
    this.fetchBytes = fetchBytes;
    this.files = new Map(); // name → Promise of parsed JSON
    this.transferred = 0;
  }

  file(name) {
    if (!this.files.has(name)) {
      this.files.set(
        name,
        (async () => {
          const raw = await this.fetchBytes(this.base + name);
          this.transferred += raw.length;
          return JSON.parse(new TextDecoder().decode(await gunzip(raw)));
        })(),
      );
    }
    return this.files.get(name);
  }

  async open() {
    if (!this.meta) {
      this.meta = await this.file("meta.bin");
      this.variants = this.meta.variants;
      this.folds = this.meta.romaji_folds.map(([p, r]) => [new RegExp(p, "gu"), r]);
      this.filler = new Set(this.meta.filler);
      this.stop = new Set(this.meta.stop_words);
      this.thesaurus = new Map(Object.entries(this.meta.thesaurus));
      this.shards = new Map();
    }
    return this;
  }

  shardKey(field, term) {
    return this.meta.prefix_fields.includes(field) ? "R:" + term.slice(0, this.meta.prefix_head) : term;
  }

  shardNumber(key) {
    return fnv1a(key) % this.meta.shards;
  }

  async load(keys) {
    const wanted = [...new Set(keys.map((k) => this.shardNumber(k)))];
    await Promise.all(
      wanted.map(async (k) => {
        if (!this.shards.has(k)) this.shards.set(k, await this.file(`t/${k}.bin`));
      }),
    );
  }

  async loadNear(variants) {
    const wanted = [...new Set(variants.map((v) => fnv1a("~" + v) % this.meta.fuzzy_shards))];
    this.near ||= new Map();
    await Promise.all(
      wanted.map(async (k) => {
        if (!this.near.has(k)) this.near.set(k, await this.file(`f/${k}.bin`));
      }),
    );
  }

  nearWords(field, variant) {
    const shard = this.near.get(fnv1a("~" + variant) % this.meta.fuzzy_shards);
    return (shard && shard[field] && shard[field][variant]) || [];
  }

  terms(field, key) {
    const shard = this.shards.get(this.shardNumber(key));
    return (shard && shard[field]) || {};
  }

  postings(field, term) {
    const packed = this.terms(field, this.shardKey(field, term))[term];
    const out = new Map();
    if (!packed) return out;
    let doc = 0;
    for (let i = 0; i < packed.length; i += 2) {
      doc += packed[i];
      out.set(doc, packed[i + 1] / this.meta.score_scale);
    }
    return out;
  }

  prefixTerms(field, text) {
    const found = [];
    for (const term of Object.keys(this.terms(field, this.shardKey(field, text)))) {
      if (term.startsWith(text)) found.push(term);
      if (found.length >= MAX_PREFIX_TERMS) break;
    }
    return found.sort();
  }

  /** Per-document values of ``kind`` ("y": start and span of the years, "c": facet
   * values) for ``docs`` (all documents when null), read chunk by chunk as needed. */
  async column(kind, docs = null) {
    const size = this.meta.column_chunk;
    const count = Math.ceil(this.meta.documents / size);
    const chunks = docs === null ? [...Array(count).keys()] : [...new Set([...docs].map((d) => Math.floor(d / size)))];
    this.chunks ||= new Map();
    await Promise.all(
      chunks.map(async (j) => {
        const name = `${kind}/${j}.bin`;
        if (!this.chunks.has(name)) this.chunks.set(name, await this.file(name));
      }),
    );
    const chunk = (d) => this.chunks.get(`${kind}/${Math.floor(d / size)}.bin`);
    return (d, field) => {
      const values = chunk(d)[field];
      return values === undefined ? undefined : values[d % size];
    };
  }

  /** A document's years as [start, end], or null when it is undated. */
  async years(docs = null) {
    const value = await this.column("y", docs);
    return (d) => {
      const start = value(d, "start");
      return start === null || start === undefined ? null : [start, start + value(d, "span")];
    };
  }

  /** A document's values of a facet, as numbers into meta.facets[facet]. */
  async facetValues(docs) {
    const value = await this.column("c", docs);
    return (d, facet) => {
      const v = value(d, facet);
      return v === -1 || v === null || v === undefined ? [] : Array.isArray(v) ? v : [v];
    };
  }

  async display(docs) {
    const size = this.meta.display_chunk;
    const chunks = [...new Set(docs.map((d) => Math.floor(d / size)))];
    const loaded = new Map(await Promise.all(chunks.map(async (j) => [j, await this.file(`d/${j}.bin`)])));
    return docs.map((d) => loaded.get(Math.floor(d / size))[d % size]);
  }

  // -- analysis (archive/search/analysis.py) --

  normalize(text) {
    text = text.normalize("NFKC").replace(CONTROL, " ");
    if (ITERATION.test(text)) text = writeOutIterations(text);
    text = text.replace(LINKING_GA, "が");
    let out = "";
    for (const ch of toHiragana(text.toLowerCase())) out += this.variants[ch] || ch;
    return out;
  }

  foldRomaji(latin) {
    let text = latin.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "");
    text = text.replace(/[^a-z0-9]/g, "");
    for (const [pattern, repl] of this.folds) text = text.replace(pattern, repl);
    return text;
  }

  stems(text) {
    const out = [];
    for (const m of text.toLowerCase().matchAll(/\w+(?:\.?\w+)*/g)) {
      const word = m[0];
      if (word.length < 2 || this.stop.has(word)) continue;
      out.push(stemmer(word));
    }
    return out;
  }

  thesaurusKey(text) {
    return this.normalize(text).split(/\s+/u).filter(Boolean).join(" ");
  }

  lookup(text) {
    return this.thesaurus.get(this.thesaurusKey(text)) || [];
  }

  findIn(text) {
    let key = this.thesaurusKey(text);
    const found = [];
    const words = [...this.thesaurus.keys()].filter((w) => chars(w).length >= 2 && key.includes(w));
    words.sort((a, b) => chars(b).length - chars(a).length);
    for (const w of words) {
      if (key.includes(w)) {
        found.push(w);
        key = key.split(w).join(" ");
      }
    }
    return [key.trim(), found];
  }
}

async function defaultFetch(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

// ---- query parsing (archive/search/query.py) ----------------------------------------------

export function clean(text, maxChars = 200) {
  if (typeof text !== "string") return "";
  text = chars(text).slice(0, maxChars * 4).join("").normalize("NFKC");
  text = text.replace(/[\p{C}\p{Z}]/gu, " ");
  return chars(text).slice(0, maxChars).join("").trim();
}

function tokens(text) {
  text = text.replace(/[^\p{L}\p{N}\u3005\u3006\u303b\u3041-\u30ff]/gu, " ");
  return text.split(/[\s\u3000]+/u).filter(Boolean);
}

export function parse(text, maxChars = 200, maxWords = 12) {
  text = clean(text, maxChars);
  const phrases = [];
  for (const m of text.matchAll(QUOTES)) {
    const inner = m.slice(1).find((g) => g !== undefined) || "";
    const phrase = tokens(inner).join(" ");
    if (phrase) phrases.push(phrase);
  }
  const rest = text.replace(QUOTES, " ");
  const words = [...new Set(tokens(rest))];
  const budget = Math.max(maxWords - phrases.length, 0);
  return { words: words.slice(0, budget), phrases: phrases.slice(0, maxWords) };
}

export function needles(parsed) {
  const out = [];
  for (const t of [...parsed.words, ...parsed.phrases]) out.push(...t.split(/\s+/u).filter(Boolean));
  return out;
}

function runs(normalized) {
  const out = [];
  for (const m of normalized.matchAll(RUN)) out.push([m[1] ? "ja" : "word", m[0]]);
  return out;
}

function queryGrams(normalized) {
  const out = [];
  for (const [kind, text] of runs(normalized)) {
    const cs = chars(text);
    if (kind === "word" || cs.length === 1) out.push(text);
    else for (let i = 0; i < cs.length - 1; i++) out.push(cs[i] + cs[i + 1]);
  }
  return out;
}

function queryTrigrams(normalized) {
  const cs = chars(normalized);
  if (cs.length < 3) return normalized ? [normalized] : [];
  const out = [];
  for (let i = 0; i + 3 <= cs.length; i++) out.push(cs.slice(i, i + 3).join(""));
  return [...new Set(out)];
}

function latin(word) {
  const plain = word.normalize("NFKD").replace(/\p{M}/gu, "");
  return /^[\x00-\x7f]*$/.test(plain) ? plain : null;
}

const isDigits = (s) => /^[0-9]+$/.test(s);

// the query tree: {op: "term"|"prefix"|"and"|"or"|"date"|"none", …, boost}
const term = (field, text, boost = 1) => ({ op: "term", field, text, boost });
const prefix = (field, text, boost = 1) => ({ op: "prefix", field, text, boost });
const and = (parts, boost = 1) => ({ op: "and", parts, boost });
const or = (parts, boost = 1, minmatch = 0) => ({ op: "or", parts, boost, minmatch });
const NONE = { op: "none" };

const KANJI_DIGITS = { "〇": 0, "○": 0, 零: 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const KANJI_SCALES = { 十: 10, 百: 100, 千: 1000 };
const KANJI_TENS = { 廿: "二十", 卅: "三十", 丗: "三十", 卌: "四十" };

function toInt(s) {
  if (s === "元") return 1;
  if (/^[0-9]+$/.test(s)) return parseInt(s, 10);
  for (const [tens, spelled] of Object.entries(KANJI_TENS)) s = s.split(tens).join(spelled);
  if ([...s].every((c) => c in KANJI_DIGITS)) return parseInt([...s].map((c) => KANJI_DIGITS[c]).join(""), 10);
  let total = 0;
  let digit = null;
  let last = 10000;
  for (const c of s) {
    if (c in KANJI_DIGITS) {
      if (digit !== null) return null;
      digit = KANJI_DIGITS[c];
    } else if (c in KANJI_SCALES) {
      if (KANJI_SCALES[c] >= last) return null;
      total += (digit === null ? 1 : digit) * KANJI_SCALES[c];
      digit = null;
      last = KANJI_SCALES[c];
    } else return null;
  }
  return total + (digit || 0);
}

const NUM = "(元|[0-9]{1,4}|[〇○零一二三四五六七八九十百千廿卅丗卌]{1,8})";

/** A date word's year span [start, end] (a subset of archive.era.era_range), or null. */
export function eraRange(index, word) {
  const meta = index.meta;
  word = word.replace(/頃$|ごろ$|ころ$/u, "");
  if (meta.dates[word]) return meta.dates[word];
  const bare = word.replace(/時代$/u, "");
  if (meta.eras[bare]) return meta.eras[bare];
  if (meta.dates[bare]) return meta.dates[bare];
  let m = word.match(new RegExp(`^(.+?)${NUM}年代$`, "u"));
  if (m && meta.eras[m[1]]) {
    const n = toInt(m[2]);
    const [start, end] = meta.eras[m[1]];
    if (n !== null) {
      const from = start + Math.max(n, 1) - 1;
      return [from, Math.min(from + 9, end)];
    }
  }
  m = word.match(new RegExp(`^(.+?)${NUM}年(?:度)?(?:[0-9〇一二三四五六七八九十]{1,3}月(?:[0-9〇一二三四五六七八九十]{1,3}日)?)?$`, "u"));
  if (m && meta.eras[m[1]]) {
    const n = toInt(m[2]);
    const [start, end] = meta.eras[m[1]];
    if (n !== null && n >= 1 && start + n - 1 <= end + 1) return [start + n - 1, start + n - 1];
  }
  m = word.match(/^(?:西暦)?([0-9]{3,4})年代$/u);
  if (m) {
    const y = parseInt(m[1], 10);
    return [y, y + (y % 100 === 0 ? 99 : 9)];
  }
  m = word.match(new RegExp(`^(紀元前)?第?${NUM}世紀(前半|後半|初頭|末)?$`, "u"));
  if (m) {
    const n = toInt(m[2]);
    if (n !== null && !m[1]) {
      let [s, e] = [(n - 1) * 100 + 1, n * 100];
      if (m[3] === "前半") e = s + 49;
      else if (m[3] === "後半") s = s + 50;
      return [s, e];
    }
  }
  return null;
}

export class Planner {
  constructor(index) {
    this.index = index;
    this.meta = index.meta;
  }

  gramQuery(field, text) {
    const terms = queryGrams(text);
    if (!terms.length) return null;
    if (terms.length === 1) {
      const t = terms[0];
      if (chars(t).length === 1 && isJapanese(t) && !kanaOnly(t)) return or([term(field, t), term(field, t + "*")]);
      return term(field, t);
    }
    const words = [...new Set(terms)];
    return words.length > 1 ? and(words.map((t) => term(field, t))) : term(field, words[0]);
  }

  textQuery(text, fields = ["title", "body"]) {
    const parts = fields.map((f) => this.gramQuery(f, text)).filter(Boolean);
    if (!parts.length) return null;
    return parts.length === 1 ? parts[0] : or(parts);
  }

  dateSpan(word) {
    if (kanaOnly(word)) return null;
    const m = word.match(YEAR);
    if (m) {
      const year = parseInt(m[1], 10);
      return year >= 100 && year <= this.meta.this_year ? [year, year] : null;
    }
    if (isDigits(word) || /^[\x00-\x7f]*$/.test(word)) return null;
    return eraRange(this.index, word);
  }

  spokenQuery(field, spoken) {
    const terms = queryTrigrams(spoken);
    if (!terms.length) return null;
    return terms.length === 1 ? term(field, terms[0]) : and(terms.map((t) => term(field, t)));
  }

  readingQuery(spoken, body = true) {
    const options = [this.spokenQuery("reading", spoken)];
    const loose = looseKana(spoken);
    if (chars(loose).length >= 3) options.push(this.spokenQuery("reading_loose", loose));
    if (body) options.push(this.spokenQuery("reading_body", spoken));
    const kept = options.filter(Boolean);
    return kept.length ? or(kept) : null;
  }

  latinQuery(word) {
    const options = [term("title", word), term("body", word)];
    const stems = this.index.stems(word);
    for (const s of stems) options.push(term("english", s));
    for (const s of stems) options.push(term("gloss", s));
    const folded = this.index.foldRomaji(word);
    if (folded.length >= 3) {
      options.push(prefix("romaji", folded));
      options.push(prefix("romaji_body", folded));
    } else if (folded) options.push(term("romaji", folded));
    return or(options);
  }

  thesaurusQuery(text) {
    const options = [];
    for (const target of this.index.lookup(text)) {
      const q = this.textQuery(this.index.normalize(target));
      if (q) options.push(or([q], 0.5));
    }
    return options.length ? or(options) : null;
  }

  compoundParts(word) {
    // Sudachi's short units on the server; here: a kind-of-thing ending (祭礼帳 → 祭礼 + 帳)
    // or, for four kanji, two pairs (村明細帳 is caught by the ending first)
    const cs = chars(word);
    if (cs.length < 3 || kanaOnly(word) || latin(word) !== null) return [];
    if (!cs.every((c) => IS_KANJI.test(c))) return [];
    if (this.meta.suffixes.includes(cs[cs.length - 1])) return [cs.slice(0, -1).join(""), cs[cs.length - 1]];
    if (cs.length === 4) return [cs.slice(0, 2).join(""), cs.slice(2).join("")];
    return [];
  }

  runQuery(run) {
    const parts = [this.textQuery(run)];
    if (kanaOnly(run)) parts.push(this.spokenQuery("reading", run));
    const kept = parts.filter(Boolean);
    return kept.length ? or(kept) : null;
  }

  wordQuery(word) {
    const options = [];
    const span = this.dateSpan(word);
    if (span) options.push({ op: "date", span });
    const plain = latin(word);
    if (plain !== null) {
      if (!isDigits(plain)) options.push(this.latinQuery(plain));
      else {
        const text = this.textQuery(plain);
        if (text) options.push(text);
      }
    } else {
      const text = kanaOnly(word) && chars(word).length >= 3 ? null : this.textQuery(word);
      if (text) options.push(text);
      options.push(term("words", word, 2.0));
      const parts = this.compoundParts(word);
      if (parts.length) {
        const split = parts
          .map((p) => (chars(p).length > 1 ? this.textQuery(p) : or([term("title", p), term("body", p)])))
          .filter(Boolean);
        options.push(and(split, 0.7));
      }
      if (kanaOnly(word)) {
        const r = this.readingQuery(word);
        if (r) options.push(r);
        const spelt = longVowelsSpelt(word);
        if (spelt !== word) {
          const r2 = this.readingQuery(spelt);
          if (r2) options.push(r2);
        }
      } else if (HAS_HIRAGANA.test(word) && chars(word).length <= MIXED_READING_MAX) {
        const parts2 = (word.match(SCRIPT_RUNS) || []).map((run) => this.runQuery(run));
        if (parts2.length > 1 && parts2.every(Boolean)) options.push(and(parts2));
      }
    }
    const t = this.thesaurusQuery(word);
    if (t) options.push(t);
    return options.length ? or(options) : null;
  }

  phraseQuery(phrase) {
    const options = [];
    const text = this.textQuery(phrase);
    if (text) options.push(text);
    const english = this.index.stems(phrase);
    if (english.length > 1) options.push(and(english.map((s) => term("english", s))));
    else if (english.length) options.push(term("english", english[0]));
    return options.length ? or(options) : null;
  }

  build(parsed) {
    const words = parsed.words.map((w) => this.index.normalize(w));
    const parts = words.map((w) => this.wordQuery(w));
    parts.push(...parsed.phrases.map((p) => this.phraseQuery(this.index.normalize(p))));
    const alternatives = [];
    if (words.length > 1 && !parsed.phrases.length) {
      if (words.every((w) => latin(w) !== null && !isDigits(latin(w)))) {
        const joined = this.index.foldRomaji(words.join(""));
        alternatives.push(prefix("romaji", joined, 2.0));
        alternatives.push(prefix("romaji_body", joined));
      }
      const t = this.thesaurusQuery(words.join(" "));
      if (t) alternatives.push(t);
    }
    let strict;
    if (parts.some((p) => p === null)) strict = NONE;
    else if (!parts.length) return { op: "all" };
    else strict = parts.length === 1 ? parts[0] : and(parts);
    if (!alternatives.length) return strict;
    return or([strict, ...alternatives].filter((q) => q !== NONE));
  }

  // -- when nothing is found --

  contentWords(word) {
    const plain = latin(word);
    if (plain !== null) return tokens(word).filter((w) => !this.index.filler.has(w.toLowerCase()));
    const out = [];
    const pieces = word.match(SCRIPT_RUNS) || [];
    if (pieces.length === 1 && kanaOnly(word)) {
      // all kana: cut at particles between words of two kana or more
      const cs = chars(word);
      let current = "";
      for (let i = 0; i < cs.length; i++) {
        const rest = cs.slice(i + 1).join("");
        if (PARTICLES.has(cs[i]) && chars(current).length >= 2 && chars(rest).length >= 2) {
          out.push(current);
          current = "";
        } else current += cs[i];
      }
      if (current) out.push(current);
      for (let i = 0; i < out.length; i++) {
        // a particle left at the end (むかしの) goes
        const cs2 = chars(out[i]);
        if (cs2.length > 2 && PARTICLES.has(cs2[cs2.length - 1])) out[i] = cs2.slice(0, -1).join("");
      }
    } else {
      for (let i = 0; i < pieces.length; i++) {
        const piece = pieces[i];
        const next = pieces[i + 1] || "";
        if (kanaOnly(piece)) {
          // kana between kanji: particles and endings, unless it is a word of its own
          const stripped = [...piece].filter((c) => !PARTICLES.has(c)).join("");
          if (chars(piece).length >= 3 && !/^(?:たい|ます|です|ました|ください|ている|てる)/u.test(piece) && i === 0)
            out.push(stripped.length >= 2 ? piece : stripped);
          continue;
        }
        let run = piece;
        const rc = chars(run);
        if (rc.length >= 3 && this.index.filler.has(rc[rc.length - 1])) run = rc.slice(0, -1).join(""); // 観音様
        const withEnding = piece + (kanaOnly(next) ? next.replace(/^(.)(.*)$/u, "$1") : "");
        if (this.index.filler.has(piece) || this.index.filler.has(withEnding) || this.index.filler.has(piece + next))
          continue;
        // one kanji before an ending that is no particle: a verb's or adjective's stem
        if (chars(piece).length === 1 && next && kanaOnly(next) && !PARTICLES.has(chars(next)[0])) continue;
        out.push(run);
      }
    }
    const kept = out
      .map((w) => this.index.normalize(w))
      .filter((w) => w.trim() && !(chars(w).length === 1 && kanaOnly(w)) && !this.index.filler.has(w));
    return [...new Set(kept)].slice(0, MAX_CONTENT_WORDS);
  }

  async near(word) {
    const options = [];
    const plain = latin(word);
    if (plain !== null) {
      const folded = this.index.foldRomaji(plain);
      if (folded.length >= 6 && !isDigits(folded)) {
        for (const t of await nearTerms(this.index, "romaji", folded)) options.push(prefix("romaji", t));
        for (const t of await nearTerms(this.index, "english", plain)) options.push(term("english", t));
      }
    } else {
      if (chars(word).length >= 4) for (const t of await nearTerms(this.index, "words", word)) options.push(term("words", t));
      // most of a kanji word's pairs (指田日紀 → 指田日記); the server also tries the word's
      // reading (日野塾本陣 → ひのじゅくほんじん), which needs the dictionary: here half of
      // the pairs of a word of four kanji or more stand in for it
      const pairs = queryGrams(word);
      if (pairs.length >= 3 && !kanaOnly(word)) {
        const share = pairs.length >= 4 ? 0.5 : 0.6;
        const fields = pairs.length >= 4 ? ["title", "body"] : ["title"];
        for (const f of fields)
          options.push(or(pairs.map((p) => term(f, p)), 1, Math.ceil(share * pairs.length)));
      }
    }
    return options.length ? or(options, 0.5) : null;
  }

  async loosely(word) {
    const options = [this.wordQuery(word), await this.near(word)].filter(Boolean);
    if (!options.length) return null;
    return options.length === 1 ? options[0] : or(options);
  }

  async relaxedParts(parsed) {
    const parts = [];
    for (const raw of parsed.words) {
      const word = this.index.normalize(raw);
      if (this.index.filler.has(word)) continue;
      const [rest, known] = this.index.findIn(word);
      for (const typed of known) {
        const options = [this.thesaurusQuery(typed), this.textQuery(typed)].filter(Boolean);
        if (options.length) parts.push(or(options));
      }
      let pieces = rest.trim() ? this.contentWords(rest === word ? raw : rest) : [];
      if (!pieces.length && !known.length) pieces = [word];
      const nearWhole = !(pieces.length === 1 && pieces[0] === word) && !known.length && chars(word).length <= NEAR_WHOLE_MAX;
      const whole = nearWhole ? await this.near(word) : null;
      if (whole) {
        whole.boost = 4.0;
        const each = (await Promise.all(pieces.map((p) => this.loosely(p)))).filter(Boolean);
        parts.push(or([each.length ? (each.length === 1 ? each[0] : and(each)) : NONE, whole]));
        continue;
      }
      for (const p of pieces) {
        const q = await this.loosely(p);
        if (q) parts.push(q);
      }
    }
    for (const p of parsed.phrases) {
      const q = this.phraseQuery(this.index.normalize(p));
      if (q) parts.push(q);
    }
    return parts;
  }
}

function levenshtein(a, b) {
  a = chars(a);
  b = chars(b);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** Vocabulary words one edit from ``text`` (the server's near_terms, whole words). */
async function nearTerms(index, field, text) {
  const cs = chars(text);
  const variants = new Set([text]);
  for (let i = 0; i < cs.length; i++) variants.add(cs.slice(0, i).join("") + cs.slice(i + 1).join(""));
  await index.loadNear([...variants]);
  const found = new Set();
  for (const v of variants) for (const w of index.nearWords(field, v)) found.add(w);
  const near = [...found].filter((w) => w !== text && levenshtein(w, text) === 1).sort();
  return near.slice(0, NEAR_TERMS);
}

// ---- evaluation (archive/search/engine.py) ---------------------------------------------

function keysOf(index, q, out = []) {
  if (q.op === "term") out.push(index.shardKey(q.field, q.text));
  else if (q.op === "prefix") out.push(index.shardKey(q.field, q.text));
  else if (q.parts) for (const p of q.parts) keysOf(index, p, out);
  return out;
}

function hasDate(q) {
  return q.op === "date" || (q.parts || []).some(hasDate);
}

function scaled(hits, boost) {
  if (boost === 1) return hits;
  const out = new Map();
  for (const [d, s] of hits) out.set(d, s * boost);
  return out;
}

function union(parts, minmatch = 0) {
  parts = parts.filter((p) => p.size);
  if (!parts.length) return new Map();
  if (parts.length === 1 && minmatch <= 1) return parts[0];
  const total = new Map();
  const count = new Map();
  for (const p of parts)
    for (const [d, s] of p) {
      total.set(d, (total.get(d) || 0) + s);
      count.set(d, (count.get(d) || 0) + 1);
    }
  if (minmatch > 1) for (const [d, c] of count) if (c < minmatch) total.delete(d);
  return total;
}

function intersect(a, b) {
  const out = new Map();
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const [d, s] of small) if (large.has(d)) out.set(d, s + large.get(d));
  return out;
}

export class Evaluator {
  /** yearsOf(d) → [start, end] | null (every document's: a date query reads them all);
   * named: the years the texts name (years.bin). Both only when the query has a date. */
  constructor(index, yearsOf = null, named = {}) {
    this.index = index;
    this.yearsOf = yearsOf;
    this.named = named;
  }

  eval(q) {
    switch (q.op) {
      case "term":
        return scaled(this.index.postings(q.field, q.text), q.boost);
      case "prefix": {
        const terms = this.index.prefixTerms(q.field, q.text);
        if (terms.length === 1) return this.index.postings(q.field, terms[0]);
        return scaled(union(terms.map((t) => this.index.postings(q.field, t))), q.boost);
      }
      case "and": {
        if (!q.parts.length) return this.all();
        const parts = q.parts.map((p) => this.eval(p)).sort((a, b) => a.size - b.size);
        let hits = parts[0];
        for (const other of parts.slice(1)) {
          if (!hits.size) break;
          hits = intersect(hits, other);
        }
        return scaled(hits, q.boost);
      }
      case "or":
        return scaled(union(q.parts.map((p) => this.eval(p)), q.minmatch), q.boost);
      case "date":
        return this.date(q.span);
      case "all":
        return this.all();
      default:
        return new Map();
    }
  }

  all() {
    const out = new Map();
    for (let d = 0; d < this.index.meta.documents; d++) out.set(d, 0);
    return out;
  }

  date([from, to]) {
    const out = new Map();
    const fit = new Map();
    for (let d = 0; d < this.index.meta.documents; d++) {
      const span = this.yearsOf(d);
      if (span === null) continue;
      const [s, e] = span;
      const overlap = Math.min(e, to) - Math.max(s, from) + 1;
      if (overlap > 0) fit.set(d, overlap / Math.max(Math.max(e, to) - Math.min(s, from) + 1, 1));
    }
    const width = to - from + 1;
    if (to - from < 2000) {
      for (let y = from; y <= to; y++) {
        let doc = 0;
        for (const delta of this.named[String(y)] || []) {
          doc += delta;
          fit.set(doc, Math.max(fit.get(doc) || 0, NAMED_YEAR_SHARE / width));
        }
      }
    }
    for (const [d, f] of fit) if (f > 0) out.set(d, DATE_WEIGHT * (0.25 + 0.75 * f));
    return out;
  }
}

// ---- search ----------------------------------------------------------------------------

const FACETS = ["type", "designation", "period", "place", "images"];
const YES = new Set(["yes", "true", "1", "あり"]);
const NO = new Set(["no", "false", "0", "なし"]);

/** The hits that pass the filters (facet values, years), each facet's values ORed. */
async function filtered(index, hits, filters) {
  const wanted = Object.entries(filters || {}).filter(([, values]) => values.length);
  if (!wanted.length || !hits.size) return hits;
  const docs = [...hits.keys()];
  const facetsOf = wanted.some(([name]) => name !== "year") ? await index.facetValues(docs) : null;
  const yearsOf = wanted.some(([name]) => name === "year") ? await index.years(docs) : null;
  let keep = docs;
  for (const [name, values] of wanted) {
    if (name === "year") {
      const spans = values.map((v) => yearFilter(index, v)).filter(Boolean);
      keep = keep.filter((d) => {
        const span = yearsOf(d);
        return span && spans.some(([lo, hi]) => span[0] <= hi && span[1] >= lo);
      });
    } else if (FACETS.includes(name)) {
      const numbers = new Set();
      for (const value of values) {
        let v = name === "period" ? value.replace(/時代$/u, "") : value;
        if (name === "images") v = YES.has(value.toLowerCase()) ? "yes" : NO.has(value.toLowerCase()) ? "no" : value;
        const i = index.meta.facets[name].indexOf(v);
        if (i >= 0) numbers.add(i);
      }
      keep = keep.filter((d) => facetsOf(d, name).some((i) => numbers.has(i)));
    }
  }
  const out = new Map();
  for (const d of keep) out.set(d, hits.get(d));
  return out;
}

export function yearFilter(index, value) {
  const text = index.normalize(value).replace(/[〜~～]/gu, "-");
  const body = text.replace(/^-/, "");
  let lo;
  let hi;
  if (body.includes("-")) {
    const at = text.indexOf("-", text.startsWith("-") ? 1 : 0);
    [lo, hi] = [text.slice(0, at), text.slice(at + 1)];
  } else [lo, hi] = [text, text];
  const num = (s, fallback) => (s.trim() === "" ? fallback : /^-?[0-9]+$/.test(s.trim()) ? parseInt(s, 10) : NaN);
  const start = num(lo, -100000);
  const end = num(hi, 100000);
  if (Number.isNaN(start) || Number.isNaN(end)) return eraRange(index, value);
  return [Math.min(start, end), Math.max(start, end)];
}

async function facetCounts(index, matched) {
  const out = {};
  const facetsOf = await index.facetValues(matched);
  for (const name of FACETS) {
    const counts = new Map();
    for (const d of matched) for (const i of facetsOf(d, name)) counts.set(i, (counts.get(i) || 0) + 1);
    let pairs = [...counts].map(([i, c]) => [index.meta.facets[name][i], c]);
    if (name === "period") {
      const order = index.meta.facet_periods;
      pairs.sort((a, b) => (order.indexOf(a[0]) + 999) % 999 - (order.indexOf(b[0]) + 999) % 999);
    } else if (name === "images") pairs.sort((a) => (a[0] === "yes" ? -1 : 1));
    else pairs.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    out[name] = pairs;
  }
  return out;
}

const UNDATED = 2 ** 31 - 1;

async function ordered(index, scores, sort) {
  const docs = [...scores.keys()];
  if (sort === "relevance") docs.sort((a, b) => scores.get(b) - scores.get(a) || a - b);
  else if (sort === "date" || sort === "-date") {
    const yearsOf = await index.years(docs);
    const key = (d) => (yearsOf(d) === null ? UNDATED : yearsOf(d)[0]);
    const sign = sort === "date" ? 1 : -1;
    docs.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      if (ka === UNDATED || kb === UNDATED) return ka === kb ? sign * (a - b) : ka === UNDATED ? 1 : -1;
      return sign * (ka - kb) || sign * (a - b); // ties by ID, reversed for newest first
    });
  } else docs.sort((a, b) => a - b);
  return docs;
}

/** Search the static index: {q, filters: {name: [values]}, sort, page, perPage}. */
export async function search(index, { q = "", filters = {}, sort = "relevance", page = 1, perPage = 20 } = {}) {
  await index.open();
  const meta = index.meta;
  const parsed = parse(q, meta.max_chars, meta.max_words);
  const empty = !parsed.words.length && !parsed.phrases.length;
  if (!["relevance", "date", "-date", "id"].includes(sort)) sort = "relevance";
  if (sort === "relevance" && empty) sort = "id";
  page = Math.max(1, page | 0 || 1);
  perPage = Math.min(Math.max(1, perPage | 0 || 20), 100);
  const planner = new Planner(index);
  const strictQuery = planner.build(parsed);
  const evaluator = new Evaluator(index);
  const prepare = async (q) => {
    await index.load(keysOf(index, q));
    if (hasDate(q) && evaluator.yearsOf === null) {
      [evaluator.yearsOf, evaluator.named] = await Promise.all([index.years(), index.file("years.bin")]);
    }
  };
  await prepare(strictQuery);
  let hits = await filtered(index, evaluator.eval(strictQuery), filters);
  let relaxed = false;
  if (hits.size < FEW && !empty) {
    const parts = await planner.relaxedParts(parsed);
    const tries = [];
    if (parts.length) {
      tries.push(parts.length === 1 ? parts[0] : and(parts));
      if (parts.length >= 3) tries.push(or(parts, 1, Math.ceil(0.6 * parts.length)));
    }
    for (const loose of hits.size === 0 ? tries : tries.slice(0, 1)) {
      await prepare(loose);
      const more = await filtered(index, evaluator.eval(loose), filters);
      if ([...more.keys()].some((d) => !hits.has(d))) {
        const top = Math.max(...more.values()) + 1;
        const merged = new Map(more);
        for (const [d, s] of hits) merged.set(d, s + top);
        hits = merged;
        relaxed = true;
        break;
      }
    }
  }
  const docs = await ordered(index, hits, sort);
  const first = (page - 1) * perPage;
  const shown = docs.slice(first, first + perPage);
  const [display, facets] = await Promise.all([index.display(shown), facetCounts(index, docs)]);
  return {
    total: docs.length,
    page,
    perPage,
    relaxed,
    query: parsed,
    needles: needles(parsed),
    hits: display.map((d, i) => ({ ...d, score: Math.round((hits.get(shown[i]) || 0) * 10000) / 10000 })),
    facets,
    transferred: index.transferred,
  };
}
