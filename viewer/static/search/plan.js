// Kura's search in the browser: the query plan (archive/search/query.py), as a tree of
// {op: "term" | "prefix" | "and" | "or" | "date" | "all" | "none"} nodes that engine.js
// evaluates. Where the server asks the morphological dictionary, this approximates: see
// docs/search.md ("Search on a static site").

import {
  HAS_HIRAGANA,
  IS_KANJI,
  PARTICLES,
  SCRIPT_RUNS,
  chars,
  isDigits,
  isJapanese,
  kanaOnly,
  latin,
  longVowelsSpelt,
  looseKana,
  queryGrams,
  queryTrigrams,
  tokens,
} from "./text.js";

const YEAR = /^(?:西暦)?([0-9]{3,4})年?$/u;
const NEAR_TERMS = 24;
const MIXED_READING_MAX = 12;
const NEAR_WHOLE_MAX = 10;
const MAX_CONTENT_WORDS = 8;

// the query tree: {op: "term"|"prefix"|"and"|"or"|"date"|"none", …, boost}
export const term = (field, text, boost = 1) => ({ op: "term", field, text, boost });
export const prefix = (field, text, boost = 1) => ({ op: "prefix", field, text, boost });
export const and = (parts, boost = 1) => ({ op: "and", parts, boost });
export const or = (parts, boost = 1, minmatch = 0) => ({ op: "or", parts, boost, minmatch });
export const NONE = { op: "none" };
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
