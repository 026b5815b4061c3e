// Kura's search in the browser: the index's files (archive/search/static_index.py), read
// as they are needed, and the analysis that needs the index's tables (variant kanji,
// romaji folds, English stems, thesaurus).

import { stem as stemmer } from "./porter.js";
import { CONTROL, ITERATION, LINKING_GA, chars, toHiragana, writeOutIterations } from "./text.js";

const MAX_PREFIX_TERMS = 512;


async function gunzip(bytes) {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes; // served decoded
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function fnv1a(key) {
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
