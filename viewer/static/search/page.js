// The search page of a static site (`kura build`): reads the query from the address
// (?q=…&type=…&year=…&sort=…&page=…), searches the static index with engine.js and draws
// what the server's search page draws (templates/search/results.html): the count, facets
// with counts, chosen filters, hits with thumbnails and marked words, paging.
// Every link is a query string on this same page, so results can be shared and bookmarked.

import { StaticIndex, search } from "./engine.js";

const FACETS = ["type", "designation", "period", "place", "images"];
const FILTERS = [...FACETS, "year"];
const FACET_LABELS = {
  type: ["資料種別", "Material type"],
  designation: ["文化財分類", "Designation"],
  period: ["時代", "Period"],
  place: ["場所", "Place"],
  images: ["画像", "Images"],
  year: ["年", "Year"],
};
const IMAGES = { yes: ["画像あり", "With images"], no: ["画像なし", "Without images"] };

const root = document.getElementById("kura-static-search");
const lang = document.documentElement.lang === "en" ? "en" : "ja";
const t = (ja, en) => (lang === "en" ? en : ja);
let siteRoot = location.href; // the site's root folder: the index is its search/ folder
const onSite = (path) => new URL(path, siteRoot).href;
// the pages of this display variant (/, /en/, /kids/ …): its home page (kura build)
const onPages = (path) => new URL(path, root && root.dataset.pages ? new URL(root.dataset.pages, location.href) : siteRoot).href;

function escape(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function mark(text, needles) {
  let html = escape(text);
  const words = [...new Set(needles.map(escape).filter((n) => n.length))].sort((a, b) => b.length - a.length);
  if (!words.length) return html;
  const pattern = new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "giu");
  // only outside tags and entities (the text is escaped: no tag is in it, entities are)
  return html.replace(/(&#\d+;)|([^&]+)/g, (m, entity, plain) =>
    entity ? entity : plain.replace(pattern, (found) => `<mark>${found}</mark>`),
  );
}

function readParams() {
  const args = new URLSearchParams(location.search);
  const filters = {};
  for (const name of FILTERS) {
    const values = args.getAll(name).map((v) => v.trim()).filter(Boolean);
    if (values.length) filters[name] = values;
  }
  const perPage = parseInt(args.get("per_page") || "20", 10);
  return {
    q: (args.get("q") || "").slice(0, 200),
    filters,
    sort: args.get("sort") || "relevance",
    page: Math.max(1, parseInt(args.get("page") || "1", 10) || 1),
    perPage: [10, 20, 50, 100].includes(perPage) ? perPage : 20,
  };
}

function queryString(params, changes = {}) {
  const next = { ...params, ...changes };
  const out = new URLSearchParams();
  if (next.q) out.set("q", next.q);
  for (const [name, values] of Object.entries(next.filters)) for (const v of values) out.append(name, v);
  if (next.sort && next.sort !== "relevance") out.set("sort", next.sort);
  if (next.perPage && next.perPage !== 20) out.set("per_page", String(next.perPage));
  if (next.page && next.page > 1) out.set("page", String(next.page));
  return "?" + out.toString();
}

function toggled(params, name, value) {
  const filters = Object.fromEntries(Object.entries(params.filters).map(([k, v]) => [k, [...v]]));
  const now = filters[name] || [];
  filters[name] = now.includes(value) ? now.filter((v) => v !== value) : [...now, value];
  if (!filters[name].length) delete filters[name];
  return queryString(params, { filters, page: 1 });
}

function valueLabel(meta, name, value) {
  if (name === "images") return IMAGES[value] || [value, value];
  const en = (meta.facet_en[name] || {})[value] || "";
  if (name === "period") return [`${value}時代`, en];
  return [value, en];
}

function one([ja, en]) {
  if (lang === "en" && en) return escape(en);
  if (lang === "en") return `<span lang="ja">${escape(ja)}</span>`;
  return escape(ja || en);
}

function bi(ja, en) {
  if (lang === "en") return `${escape(en)} <span class="alt" lang="ja">${escape(ja)}</span>`;
  return `<span>${escape(ja)}</span> <span class="alt" lang="en">${escape(en)}</span>`;
}

function pageNumbers(current, last, around = 2) {
  const out = [];
  for (let n = 1; n <= last; n++) {
    if (n === 1 || n === last || Math.abs(n - current) <= around) out.push(n);
    else if (out[out.length - 1] !== null) out.push(null);
  }
  return out;
}

function thumb(hit) {
  if (hit.thumb && hit.thumb.src)
    return `<img class="thumb" src="${escape(onSite(hit.thumb.src))}" width="${hit.thumb.width}" height="${hit.thumb.height}" alt="" loading="lazy">`;
  return `<span class="thumb no-image">${t("画像なし", "No image")}</span>`;
}

// kids pages carry the furigana of every grade (span.fg[data-fg]); so do their hits
const kids = document.documentElement.classList.contains("mode-kids");

function hitHtml(hit, needles) {
  const title = kids && hit.title_kids ? hit.title_kids : mark(hit.title, needles);
  const text =
    lang === "en" && hit.title_en
      ? `<span class="hit-title" lang="en">${escape(hit.title_en)}</span><span class="hit-title-en" lang="ja">${title}</span>`
      : `<span class="hit-title" lang="ja">${title}</span>${hit.title_en ? `<span class="hit-title-en" lang="en">${escape(hit.title_en)}</span>` : ""}`;
  const meta = [];
  if (hit.date) meta.push(`<span>${one([hit.date, hit.date_en || ""])}</span>`);
  if (hit.type) meta.push(`<span>${one([hit.type, typeEnglish[hit.type] || ""])}</span>`);
  meta.push(
    `<span>${hit.pages ? t(`${hit.pages} 画像`, `${hit.pages} image${hit.pages === 1 ? "" : "s"}`) : t("画像なし", "No image")}</span>`,
  );
  const href = onPages(hit.url || `items/${encodeURIComponent(hit.id)}/`);
  return `<li class="hit"><a class="hit-link" href="${escape(href)}">${thumb(hit)}<span class="hit-text">${text}</span></a>
    <p class="hit-meta">${meta.join(" ")}</p>
    ${hit.summary ? `<p class="hit-summary" lang="ja">${kids && hit.summary_kids ? hit.summary_kids : mark(hit.summary, needles)}</p>` : ""}</li>`;
}

let typeEnglish = {}; // 資料種別 → English, from the index

function draw(params, result, meta) {
  typeEnglish = meta.facet_en.type || {};
  // the chosen filters stand above the two-column layout (facets | results), as on the server
  const chips = [];
  const chosen = Object.entries(params.filters);
  if (chosen.length) {
    chips.push(`<div class="chosen-filters"><h2 class="visually-hidden">${t("選んだ条件", "Chosen filters")}</h2><ul>`);
    for (const [name, values] of chosen)
      for (const value of values) {
        const label = FACET_LABELS[name] || [name, name];
        chips.push(
          `<li><a class="chip" href="${escape(toggled(params, name, value))}">${escape(t(...label))}: ${one(valueLabel(meta, name, value))}
          <span class="chip-x" aria-hidden="true">×</span><span class="visually-hidden">${t("（解除）", "(remove)")}</span></a></li>`,
        );
      }
    chips.push(`<li><a href="${escape(queryString(params, { filters: {}, page: 1 }))}">${t("条件をすべて解除", "Clear all filters")}</a></li></ul></div>`);
  }
  if (chips.length) root.insertAdjacentHTML("beforebegin", chips.join(""));
  const parts = [];
  parts.push(`<aside class="facets" aria-labelledby="facets-heading"><h2 id="facets-heading">${bi("しぼりこみ", "Refine")}</h2>`);
  for (const name of FACETS) {
    const counts = result.facets[name] || [];
    if (!counts.length) continue;
    parts.push(`<section class="facet"><h3>${bi(...FACET_LABELS[name])}</h3><ul>`);
    for (const [value, count] of counts) {
      const on = (params.filters[name] || []).includes(value);
      parts.push(
        `<li><a href="${escape(toggled(params, name, value))}"${on ? ' aria-current="true" class="chosen"' : ""}>${on ? '<span aria-hidden="true">✓ </span>' : ""}${one(valueLabel(meta, name, value))}
        <span class="facet-count">(${count}<span class="visually-hidden"> ${t("件", "items")}</span>)</span></a></li>`,
      );
    }
    parts.push("</ul></section>");
  }
  parts.push("</aside>");
  const first = (result.page - 1) * result.perPage + 1;
  const lastShown = Math.min(result.page * result.perPage, result.total);
  const count =
    lang === "en"
      ? `${result.total} item${result.total === 1 ? "" : "s"}${params.q ? ` for “${escape(params.q)}”` : ""}`
      : `${params.q ? `「${escape(params.q)}」の検索結果: ` : ""}${result.total} 件`;
  parts.push(
    `<section class="results" aria-labelledby="results-heading"><h2 id="results-heading" class="result-count" aria-live="polite">${count}${
      result.total ? ` <span class="range">(${first}–${lastShown})</span>` : ""
    }</h2>`,
  );
  if (result.relaxed)
    parts.push(`<p class="relaxed">${t("すべてのことばを含む資料がないため、近いものも表示しています。", "No item has every word, so close matches are shown too.")}</p>`);
  if (result.hits.length) {
    parts.push(`<ol class="hits" start="${first}">${result.hits.map((h) => hitHtml(h, result.needles)).join("")}</ol>`);
  } else if (result.total) {
    parts.push(`<p class="empty">${t("このページには結果がありません。", "No results on this page.")} <a href="${escape(queryString(params, { page: 1 }))}">${t("最初のページへ", "Go to the first page")}</a></p>`);
  } else {
    parts.push(`<div class="zero-help"><p><strong>${t("見つかりませんでした。", "Nothing was found.")}</strong></p><ul>
      <li>${t("ひらがなで入力してみてください（例: さやま、にっき）。", "Try the reading in hiragana (e.g. さやま, にっき) or romaji (sayama).")}</li>
      <li>${t("ことばを短くするか、減らしてみてください。", "Use fewer or shorter words.")}</li>
      <li>${t("年代は「天保」「江戸時代」「1834」のように書けます。", "Dates can be eras (天保), periods (江戸時代) or years (1834).")}</li>
      ${chosen.length ? `<li>${t("しぼりこみの条件を外してみてください。", "Remove some filters.")}</li>` : ""}</ul>
      <p><a href="?">${t("すべての資料を見る", "Browse all items")}</a></p></div>`);
  }
  const last = Math.min(Math.ceil(result.total / result.perPage), 500);
  if (last > 1) {
    parts.push(`<nav class="pager" aria-label="${t("ページ送り", "Pages")}"><ul>`);
    if (result.page > 1) parts.push(`<li><a rel="prev" href="${escape(queryString(params, { page: result.page - 1 }))}">${t("← 前へ", "← Previous")}</a></li>`);
    for (const n of pageNumbers(result.page, last)) {
      if (n === null) parts.push('<li class="gap" aria-hidden="true">…</li>');
      else if (n === result.page) parts.push(`<li><span aria-current="page" class="current">${n}</span></li>`);
      else parts.push(`<li><a href="${escape(queryString(params, { page: n }))}" aria-label="${t(`${n} ページ目`, `Page ${n}`)}">${n}</a></li>`);
    }
    if (result.page < last) parts.push(`<li><a rel="next" href="${escape(queryString(params, { page: result.page + 1 }))}">${t("次へ →", "Next →")}</a></li>`);
    parts.push("</ul></nav>");
  }
  parts.push("</section>");
  root.innerHTML = parts.join("");
  root.setAttribute("aria-busy", "false");
}

function fillForm(params) {
  const form = document.querySelector("form.search-form");
  if (!form) return;
  const q = form.querySelector("#q");
  if (q) q.value = params.q;
  const sort = form.querySelector("#sort");
  if (sort) sort.value = params.sort;
  const per = form.querySelector("#per_page");
  if (per) per.value = String(params.perPage);
  for (const [name, values] of Object.entries(params.filters))
    for (const value of values) {
      const hidden = document.createElement("input");
      Object.assign(hidden, { type: "hidden", name, value });
      form.querySelector(".search-row")?.append(hidden);
    }
  // the form's action is this page: stay on it, whatever address the site is served at
  form.setAttribute("action", location.pathname);
}

async function main() {
  if (!root) return;
  const params = readParams();
  fillForm(params);
  root.setAttribute("aria-busy", "true");
  if (params.q) document.title = `「${params.q}」 ${document.title}`;
  try {
    const base = new URL(root.dataset.index, location.href).href;
    siteRoot = new URL("../", base).href;
    const index = await new StaticIndex(base).open();
    const result = await search(index, params);
    draw(params, result, index.meta);
    window.kuraSearch = { done: true, total: result.total, transferred: index.transferred };
  } catch (error) {
    root.innerHTML = `<p class="empty" role="alert">${t("検索を読み込めませんでした。", "The search could not be loaded.")} ${escape(error.message)}</p>`;
    window.kuraSearch = { done: true, error: String(error) };
  }
}

main();
