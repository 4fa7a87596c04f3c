// examples/components/build.mjs: build dagwood's example components (and,
// with --fixtures, the test fixtures of tests/components) with clang and the
// pinned jco of package.json (run `npm ci` here first).
//   node build.mjs OUT_DIR               rle.wasm, rle_wasi.wasm, rle_rust.wasm, rle_js.wasm
//   node build.mjs --fixtures OUT_DIR    + the hostile and odd components
//   node build.mjs --js OUT_DIR          rle.js through componentize-js (jco's
//                                        SpiderMonkey): rle_js_spidermonkey.wasm
//                                        and rle_js_spidermonkey_pure.wasm (every
//                                        feature disabled); measurements only
// Each guest: clang -> core module -> jco embed (WIT given as text: jco
// 1.35's --wit cannot read files) -> jco new (--wasi-reactor: the preview1
// adapter). CLANG overrides the compiler.
import { componentEmbed, componentNew, preview1AdapterReactorPath } from '@bytecodealliance/jco';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tests = join(here, '..', '..', 'tests', 'components');
const clang = process.env.CLANG || 'clang';
// Compiled and linked in two steps: clang's driver runs binaryen's wasm-opt
// after an optimised link when it is on PATH, and its inlining would pull the
// guests' cold paths (kept out with noinline) back into their hot loops.
const freestanding = {
  cc: ['--target=wasm32-unknown-unknown', '-O2', '-ffreestanding', '-Wall', '-Wextra', '-Werror'],
  ld: ['--target=wasm32-unknown-unknown', '-nostdlib', '-Wl,--no-entry', '-Wl,--strip-all'],
};
const reactor = {
  cc: ['--target=wasm32-wasi', '-O2', '-Wall', '-Wextra', '-Werror'],
  ld: ['--target=wasm32-wasi', '-mexec-model=reactor', '-Wl,--strip-all'],
};
const withDefine = (f, ...d) => ({ cc: [...f.cc, ...d], ld: f.ld });
const world = join(here, 'wit', 'world.wit');

// name, source, clang flags, WIT, adapter?
const examples = [
  ['rle', join(here, 'rle.c'), freestanding, world, false],
  ['rle_wasi', join(here, 'rle_wasi.c'), reactor, world, true],
  // stand-ins for the original's Rust and JS components (see rle_preview1.c)
  ['rle_rust', join(here, 'rle_preview1.c'), withDefine(reactor, '-DNAME="rle_rust"'), world, true],
  ['rle_js', join(here, 'rle_preview1.c'),
    withDefine(reactor, '-DNAME="rle_js"', '-DWALL_CLOCK'), world, true],
];
const fixtures = [
  ['hostile', join(tests, 'guests', 'hostile.c'), freestanding, world, false],
  ['bad_realloc', join(tests, 'guests', 'bad_realloc.c'), freestanding, world, false],
  ['wrong_type', join(tests, 'guests', 'hostile.c'), freestanding,
    join(tests, 'wit', 'wrong-type.wit'), false],
  ['other_name', join(tests, 'guests', 'hostile.c'),
    withDefine(freestanding, '-DIFACE="dagwood:other/processing-node@1.0.0"'),
    join(tests, 'wit', 'other-name.wit'), false],
  ['outside', join(tests, 'guests', 'outside.c'), reactor, world, true],
];

const args = process.argv.slice(2);
const withFixtures = args[0] === '--fixtures';
const js = args[0] === '--js';
const out = withFixtures || js ? args[1] : args[0];
if (!out) {
  console.error('usage: node build.mjs [--fixtures | --js] OUT_DIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
if (js) {
  // componentize-js is a dependency of the pinned jco
  const { componentize } = await import('@bytecodealliance/componentize-js');
  const all = ['stdio', 'clocks', 'random', 'http', 'fetch-event'];
  for (const [name, disableFeatures] of [['rle_js_spidermonkey', []],
    ['rle_js_spidermonkey_pure', all]]) {
    const { component } = await componentize({
      sourcePath: join(here, 'rle.js'),
      witPath: join(here, 'wit'),
      worldName: 'dagwood-component',
      disableFeatures,
    });
    writeFileSync(join(out, `${name}.wasm`), component);
    console.log(`${name}.wasm: ${component.length} bytes`);
  }
  process.exit(0);
}
const tmp = mkdtempSync(join(tmpdir(), 'dw-components-'));
const adapter = readFileSync(preview1AdapterReactorPath());
try {
  for (const [name, src, flags, wit, wasi] of withFixtures ? [...examples, ...fixtures] : examples) {
    const obj = join(tmp, `${name}.o`);
    const core = join(tmp, `${name}.core.wasm`);
    execFileSync(clang, [...flags.cc, '-c', '-o', obj, src], { stdio: 'inherit' });
    execFileSync(clang, [...flags.ld, '-o', core, obj], { stdio: 'inherit' });
    const embedded = await componentEmbed({
      binary: readFileSync(core),
      witSource: readFileSync(wit, 'utf8'),
      world: 'dagwood-component',
    });
    const component = await componentNew(embedded, wasi ? [['wasi_snapshot_preview1', adapter]] : undefined);
    writeFileSync(join(out, `${name}.wasm`), component);
    console.log(`${name}.wasm: ${component.length} bytes`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
