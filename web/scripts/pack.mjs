// Packs the built dashboard (Vite's dist/) into one file that src/assets/assets_blob.S embeds in
// the ordo binary, with the licences of the packages bundled into it. Node only, no packages.
//
//   node pack.mjs --dist <dist dir> --modules <node_modules dir> --out <file>
//
// Format (parsed by src/assets/assets.cpp):
//   "ORDOPACK1\n" <count> "\n"
//   <count> lines "<path>\t<content type>\t<offset>\t<length>\n"   (offsets into the bodies)
//   "\n" then the bodies, each followed by one NUL byte (so every body is NUL-terminated).
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
for (const required of ['dist', 'out']) if (!args[required]) { console.error(`pack.mjs: --${required} is required`); process.exit(2); }

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8', '.woff2': 'font/woff2', '.map': 'application/json',
};

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const files = walk(args.dist).filter((p) => !p.endsWith('.map')).sort();
if (!files.some((p) => relative(args.dist, p) === 'index.html')) { console.error('pack.mjs: no index.html in ' + args.dist); process.exit(1); }

const entries = files.map((p) => {
  const path = '/' + relative(args.dist, p).split(sep).join('/');
  const ext = path.slice(path.lastIndexOf('.'));
  const type = TYPES[ext];
  if (!type) { console.error(`pack.mjs: no content type for ${path}`); process.exit(1); }
  return { path, type, body: readFileSync(p) };
});

// The licences of the runtime packages in the bundle, served at /licenses.txt.
if (args.modules) {
  const runtime = JSON.parse(readFileSync(new URL('../package.json', import.meta.url))).dependencies ?? {};
  const seen = new Set();
  const texts = [];
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    const dir = join(args.modules, name);
    if (!existsSync(join(dir, 'package.json'))) return;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const licence = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
    texts.push(`${pkg.name} ${pkg.version} (${pkg.license ?? 'see below'})\n${licence ? readFileSync(join(dir, licence), 'utf8').trim() : ''}\n`);
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep);
  };
  for (const name of Object.keys(runtime)) visit(name);
  entries.push({ path: '/licenses.txt', type: TYPES['.txt'], body: Buffer.from('The dashboard bundles these packages from the npm registry:\n\n' + texts.join('\n' + '-'.repeat(72) + '\n\n')) });
}

let offset = 0;
const index = entries.map((e) => {
  if (/[\t\n]/.test(e.path)) { console.error(`pack.mjs: bad path ${e.path}`); process.exit(1); }
  const line = `${e.path}\t${e.type}\t${offset}\t${e.body.length}\n`;
  offset += e.body.length + 1;
  return line;
}).join('');
const parts = [Buffer.from(`ORDOPACK1\n${entries.length}\n${index}\n`)];
for (const e of entries) parts.push(e.body, Buffer.from([0]));
mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(args.out, Buffer.concat(parts));
console.log(`pack.mjs: ${entries.length} files, ${offset} bytes → ${args.out}`);
