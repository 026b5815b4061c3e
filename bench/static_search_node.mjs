// Runs queries through the static search (viewer/static/search/engine.js) in Node, reading
// the index files from a folder: node bench/static_search_node.mjs SEARCH_DIR < queries.json
// Prints, for each query, its total, its first ten ids and the bytes it fetched (alone, in
// a fresh index object: what a visitor's first search transfers).
import { readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { StaticIndex, search } from "../viewer/static/search/engine.js";

const dir = process.argv[2].replace(/\/?$/, "/");
const queries = JSON.parse(readFileSync(0, "utf-8"));
const read = async (url) => new Uint8Array(await readFile(url));
const shared = new StaticIndex(dir, read);
const out = [];
for (const q of queries) {
  const fresh = new StaticIndex(dir, read);
  const first = await search(fresh, q);
  const t0 = performance.now();
  const result = await search(shared, q);
  const ms = performance.now() - t0;
  out.push({ total: result.total, ids: result.hits.map((h) => h.id), bytes: first.transferred, ms, relaxed: result.relaxed });
}
process.stdout.write(JSON.stringify(out));
