// Kura's search in the browser, for a site served as static files (`kura build`).
//
// The same query plan as archive/search/query.py (plan.js), over the files that
// archive/search/static_index.py writes from the server's index (index.js): postings carry
// the server's BM25F scores, so this side only looks terms up, adds and intersects
// (archive/search/engine.py), filters, sorts and counts facets. No DOM here: page.js draws
// the page; tests run this module in Chromium and Node.

import { StaticIndex } from "./index.js";
import { NONE, Planner, and, eraRange, or } from "./plan.js";
import { needles, parse } from "./text.js";

export { StaticIndex } from "./index.js";
export { Planner } from "./plan.js";
export { parse } from "./text.js";

const DATE_WEIGHT = 6.0;
const NAMED_YEAR_SHARE = 0.8;
const FEW = 3;

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
