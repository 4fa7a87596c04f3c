// tests/components/oracle.mjs: a reference host for dagwood's component
// tests. It transpiles a component with the pinned jco (`jco transpile`,
// examples/components/node_modules), instantiates it in Node (WASI through
// jco's preview2 shim, args ["dagwood-component"], no environment: the
// original's default context) and calls process on each input, printing
// one JSON line per input to descriptor 3 (to stdout when 3 is not open):
//   {"ok": "<hex>"} | {"err": "ProcessingError::InvalidInput(\"...\")"} | {"trap": "..."}
// The component's own stdout and stderr stay the process's, so a caller can
// compare them with what dagwood captured.
// Inputs are given as hex ("68656c6c6f", "" for empty) or as "rep:N:HH"
// (N copies of byte HH). A fresh instance serves each input, as in dagwood.
//   node oracle.mjs COMPONENT.wasm INPUT... 3>results >guest-stdout 2>guest-stderr
import { fstatSync, mkdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const examples = join(here, '..', '..', 'examples', 'components');
const jcoPath = createRequire(join(examples, 'package.json')).resolve('@bytecodealliance/jco');
const { transpile } = await import(pathToFileURL(jcoPath));
const [file, ...inputs] = process.argv.slice(2);
// inside node_modules so that the generated code finds the preview2 shim
const work = join(examples, 'node_modules', '.dagwood-oracle', `${process.pid}`);
mkdirSync(work, { recursive: true });
// the shim the generated code imports (resolved from where it lives)
const shimCli = createRequire(join(work, 'component.js')).resolve(
  '@bytecodealliance/preview2-shim/cli',
);
const { _setArgs, _setEnv } = await import(pathToFileURL(shimCli));
_setArgs(['dagwood-component']);
_setEnv({});
let resultFd = 1;
try {
  fstatSync(3);
  resultFd = 3;
} catch {
  /* no descriptor 3: results on stdout */
}

function decode(spec) {
  const m = /^rep:(\d+):([0-9a-f]{2})$/.exec(spec);
  if (m) return new Uint8Array(Number(m[1])).fill(parseInt(m[2], 16));
  return Uint8Array.from(Buffer.from(spec, 'hex'));
}

// Rust's Debug of a str, as the original prints an error's string.
function debugStr(s) {
  let o = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === '"' || ch === '\\') o += '\\' + ch;
    else if (ch === '\n') o += '\\n';
    else if (ch === '\r') o += '\\r';
    else if (ch === '\t') o += '\\t';
    else if (c === 0) o += '\\0';
    else if (c < 0x20 || c === 0x7f) o += `\\u{${c.toString(16)}}`;
    else o += ch;
  }
  return o + '"';
}

function camel(tag) {
  return tag.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

try {
  const { files } = await transpile(readFileSync(file), { name: 'component', quiet: true });
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(work, name)), { recursive: true });
    writeFileSync(join(work, name), bytes);
  }
  for (const spec of inputs) {
    // a fresh module instance per input: a query string defeats the cache
    const mod = await import(`${pathToFileURL(join(work, 'component.js'))}?${Math.random()}`);
    const api = mod.processingNode ?? mod['dagwood:component/processing-node@1.0.0'];
    let line;
    try {
      const out = api.process(decode(spec));
      line = { ok: Buffer.from(out).toString('hex') };
    } catch (e) {
      const p = e && e.payload;
      if (p && typeof p.tag === 'string') {
        const v = typeof p.val === 'bigint' ? p.val.toString() : debugStr(String(p.val));
        line = { err: `ProcessingError::${camel(p.tag)}(${v})` };
      } else {
        line = { trap: String(e && e.message ? e.message : e).split('\n')[0] };
      }
    }
    writeSync(resultFd, JSON.stringify(line) + '\n');
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
