// Kura's search in the browser: text (archive/search/analysis.py, kana.py and the parsing
// of query.py), shared by index.js, plan.js and engine.js.

export const JA_CLASS =
  "\u3005\u3006\u303b\u3041-\u309f\u30a1-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{3134f}";
export const KANJI_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{3134f}";
const RUN = new RegExp(`([${JA_CLASS}]+)|((?:(?![${JA_CLASS}])[\\p{L}\\p{N}])+)`, "gu");
const IS_JA = new RegExp(`^[${JA_CLASS}]$`, "u");
export const IS_KANJI = new RegExp(`^[${KANJI_CLASS}]`, "u");
const KANA_ONLY = /^[\u3041-\u309f\u30fc]+$/u;
export const HAS_HIRAGANA = /[\u3041-\u309f]/u;
export const CONTROL = /[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/gu;
export const ITERATION = /[々〻ゝゞヽヾ]/u;
export const LINKING_GA = new RegExp(
  `(?<=[${KANJI_CLASS}])[ゖヶけがケガ](?=[${KANJI_CLASS}])|(?<=[\u3041-\u30ff])[ゖヶ](?=[${KANJI_CLASS}])`,
  "gu",
);
const QUOTES = /"([^"]*)"|「([^」]*)」|“([^”]*)”|『([^』]*)』/gu;
export const SCRIPT_RUNS = /[\u3041-\u309f\u30fc]+|[^\u3041-\u309f\u30fc]+/gu;
export const PARTICLES = new Set(["の", "を", "が", "に", "は", "で", "と", "へ", "も", "や"]);

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

export function writeOutIterations(text) {
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

export function chars(text) {
  return Array.from(text);
}

// ---- query parsing (archive/search/query.py) ----------------------------------------------

export function clean(text, maxChars = 200) {
  if (typeof text !== "string") return "";
  text = chars(text).slice(0, maxChars * 4).join("").normalize("NFKC");
  text = text.replace(/[\p{C}\p{Z}]/gu, " ");
  return chars(text).slice(0, maxChars).join("").trim();
}

export function tokens(text) {
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

export function runs(normalized) {
  const out = [];
  for (const m of normalized.matchAll(RUN)) out.push([m[1] ? "ja" : "word", m[0]]);
  return out;
}

export function queryGrams(normalized) {
  const out = [];
  for (const [kind, text] of runs(normalized)) {
    const cs = chars(text);
    if (kind === "word" || cs.length === 1) out.push(text);
    else for (let i = 0; i < cs.length - 1; i++) out.push(cs[i] + cs[i + 1]);
  }
  return out;
}

export function queryTrigrams(normalized) {
  const cs = chars(normalized);
  if (cs.length < 3) return normalized ? [normalized] : [];
  const out = [];
  for (let i = 0; i + 3 <= cs.length; i++) out.push(cs.slice(i, i + 3).join(""));
  return [...new Set(out)];
}

export function latin(word) {
  const plain = word.normalize("NFKD").replace(/\p{M}/gu, "");
  return /^[\x00-\x7f]*$/.test(plain) ? plain : null;
}

export const isDigits = (s) => /^[0-9]+$/.test(s);

