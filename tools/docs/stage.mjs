// Stages the files that src/assets embeds (assets_blob.S, .incbin) into one build folder:
//   node stage.mjs --openapi <src/http/openapi.json> --prefix <npm prefix with swagger-ui-dist> --out <dir>
// 1. Checks the OpenAPI document: it must parse as JSON, say `openapi: 3.1.x`, have info and paths,
//    unique operationIds, and every local "$ref" must resolve. Any failure fails the build.
// 2. Copies it, this folder's index.html (with the Swagger UI version filled in), init.js and
//    docs.css, and the few swagger-ui-dist files the page needs, under fixed names.
// Node.js ≥ 18, no dependencies. Deterministic: same inputs, same bytes.
import { readFileSync, writeFileSync, mkdirSync, renameSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function die(message) {
  console.error(`tools/docs/stage.mjs: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    if (!key.startsWith("--") || i + 1 >= argv.length) die(`usage: --openapi FILE --prefix DIR --out DIR (got ${key})`);
    args[key.slice(2)] = argv[i + 1];
  }
  for (const required of ["openapi", "prefix", "out"]) if (!args[required]) die(`missing --${required}`);
  return args;
}

// Line and column of a character offset, for JSON syntax errors.
function lineCol(text, offset) {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return `${line}:${offset - before.lastIndexOf("\n")}`;
}

function parseJson(file) {
  const text = readFileSync(file, "utf8");
  try {
    return { text, value: JSON.parse(text) };
  } catch (e) {
    const m = /position (\d+)/.exec(e.message);
    die(`${file}${m ? ":" + lineCol(text, Number(m[1])) : ""}: not valid JSON: ${e.message}`);
  }
}

// RFC 6901 pointer lookup inside the document; undefined when it does not resolve.
function resolvePointer(doc, pointer) {
  let node = doc;
  for (const raw of pointer.split("/").slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

function checkOpenApi(file, doc) {
  const problems = [];
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) die(`${file}: the document must be a JSON object`);
  if (typeof doc.openapi !== "string" || !/^3\.1\.\d+$/.test(doc.openapi))
    problems.push(`"openapi" must be "3.1.x", not ${JSON.stringify(doc.openapi)}`);
  if (typeof doc.info?.title !== "string" || typeof doc.info?.version !== "string")
    problems.push(`"info" needs a title and a version`);
  if (doc.paths === null || typeof doc.paths !== "object" || Object.keys(doc.paths).length === 0)
    problems.push(`"paths" must be a non-empty object`);

  const operationIds = new Map();
  const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!path.startsWith("/")) problems.push(`path ${JSON.stringify(path)} must start with /`);
    for (const method of methods) {
      const op = item?.[method];
      if (!op) continue;
      if (typeof op.operationId !== "string") problems.push(`${method.toUpperCase()} ${path} has no operationId`);
      else if (operationIds.has(op.operationId))
        problems.push(`operationId ${op.operationId} is used by ${operationIds.get(op.operationId)} and ${method.toUpperCase()} ${path}`);
      else operationIds.set(op.operationId, `${method.toUpperCase()} ${path}`);
      if (!op.responses || Object.keys(op.responses).length === 0) problems.push(`${method.toUpperCase()} ${path} has no responses`);
    }
  }

  const walk = (node, where) => {
    if (Array.isArray(node)) return node.forEach((child, i) => walk(child, `${where}/${i}`));
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") {
        if (!value.startsWith("#/")) problems.push(`${where}: only local $refs are allowed, not ${value}`);
        else if (resolvePointer(doc, value.slice(1)) === undefined) problems.push(`${where}: $ref ${value} does not resolve`);
      } else {
        walk(value, `${where}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`);
      }
    }
  };
  walk(doc, "#");

  if (problems.length) die(`${file} is not a valid OpenAPI 3.1 document:\n  ${problems.join("\n  ")}`);
}

function writeAtomically(file, content) {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

const args = parseArgs(process.argv.slice(2));
const openapiFile = resolve(args.openapi);
const uiDir = join(resolve(args.prefix), "node_modules", "swagger-ui-dist");
const out = resolve(args.out);

const openapi = parseJson(openapiFile);
checkOpenApi(openapiFile, openapi.value);

let uiVersion;
try {
  uiVersion = JSON.parse(readFileSync(join(uiDir, "package.json"), "utf8")).version;
} catch {
  die(`swagger-ui-dist is not installed in ${uiDir} (npm ci --prefix ${args.prefix} first)`);
}
const pinned = JSON.parse(readFileSync(join(here, "package.json"), "utf8")).dependencies["swagger-ui-dist"];
if (uiVersion !== pinned) die(`swagger-ui-dist ${uiVersion} is installed but tools/docs/package.json pins ${pinned}`);

const html = readFileSync(join(here, "index.html"), "utf8");
if (!html.includes("@SWAGGER_UI_VERSION@")) die("tools/docs/index.html lost its @SWAGGER_UI_VERSION@ placeholder");

// name in the build folder (and in assets_blob.S) -> content
const files = new Map([
  ["openapi.json", openapi.text],
  ["index.html", html.replaceAll("@SWAGGER_UI_VERSION@", uiVersion)],
  ["init.js", readFileSync(join(here, "init.js"))],
  ["docs.css", readFileSync(join(here, "docs.css"))],
  ["swagger-ui-bundle.js", readFileSync(join(uiDir, "swagger-ui-bundle.js"))],
  ["swagger-ui.css", readFileSync(join(uiDir, "swagger-ui.css"))],
  ["favicon-32x32.png", readFileSync(join(uiDir, "favicon-32x32.png"))],
  ["favicon-16x16.png", readFileSync(join(uiDir, "favicon-16x16.png"))],
  ["swagger-ui-LICENSE.txt", readFileSync(join(uiDir, "LICENSE"))],
  ["swagger-ui-NOTICE.txt", readFileSync(join(uiDir, "NOTICE"))],
  ["swagger-ui-bundle.js.LICENSE.txt", readFileSync(join(uiDir, "swagger-ui-bundle.js.LICENSE.txt"))],
]);

mkdirSync(out, { recursive: true });
let total = 0;
for (const [name, content] of files) {
  writeAtomically(join(out, name), content);
  total += Buffer.byteLength(content);
}
console.log(`docs: staged ${files.size} files (${(total / 1024).toFixed(0)} KiB), OpenAPI ${openapi.value.openapi} with ` +
            `${Object.keys(openapi.value.paths).length} paths, Swagger UI ${uiVersion}`);
