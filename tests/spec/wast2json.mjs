#!/usr/bin/env node
// tests/spec/wast2json: turns one WebAssembly spec test script (.wast) into
// a JSON description of its commands plus the binary of every module it
// holds, for tests/spec/spectest.c. The JSON follows the layout of wabt's
// wast2json (commands with type, line, filename, action, expected,
// module_type), with a few additions the newer script syntax needs
// (module_definition, module_instance, reference results without a value,
// the imports of each module, and the assembler's refusal of a text module).
// Numbers become exact bit patterns (unsigned decimal strings). Text modules
// are assembled by jco's wasm-tools build; binary modules are decoded here.
//
// usage: node wast2json.mjs [--jco PATH/api.js] INPUT.wast OUTDIR
//        node wast2json.mjs [--jco PATH/api.js] --check   (is jco there?)
// exit: 0 done, 1 the script cannot be read, 2 usage, 77 jco is missing.
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';

const here = path.dirname(url.fileURLToPath(import.meta.url));
let jcoPath = path.join(here, '..', '..', 'examples', 'components', 'node_modules',
                        '@bytecodealliance', 'jco', 'dist', 'api.js');
const argv = process.argv.slice(2);
if (argv[0] === '--jco') {
  jcoPath = argv[1];
  argv.splice(0, 2);
}
const check = argv[0] === '--check';
if (!check && argv.length !== 2) {
  process.stderr.write('usage: node wast2json.mjs [--jco PATH/api.js] INPUT.wast OUTDIR\n');
  process.exit(2);
}
const [input, outdir] = argv;

let assemble;
try {
  ({ parse: assemble } = await import(url.pathToFileURL(jcoPath).href));
  if (typeof assemble !== 'function') throw new Error('no parse export');
} catch (e) {
  process.stderr.write(`SKIPPED: jco's assembler is not available at ${jcoPath} (run scripts/deps.sh): ${
    String(e.message || e).split('\n')[0]}\n`);
  process.exit(77);
}
if (check) process.exit(0);

class WastError extends Error {}

// ---- the reader: bytes (as a latin1 string, so offsets are byte offsets)
// into a tree of lists and atoms, each with its offsets and line.
function read(src) {
  const top = [];
  const stack = [];
  let i = 0;
  let line = 1;
  const n = src.length;
  const fail = (msg) => {
    throw new WastError(`${input}:${line}: ${msg}`);
  };
  const readString = () => {
    // src[i] is the opening quote; returns the decoded bytes.
    const bytes = [];
    i++;
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = src[i];
      if (c === '"') {
        i++;
        return Uint8Array.from(bytes);
      }
      if (c === '\n') line++;
      if (c !== '\\') {
        bytes.push(src.charCodeAt(i));
        i++;
        continue;
      }
      const e = src[i + 1];
      i += 2;
      if (e === 'n') bytes.push(10);
      else if (e === 't') bytes.push(9);
      else if (e === 'r') bytes.push(13);
      else if (e === '"' || e === "'" || e === '\\') bytes.push(e.charCodeAt(0));
      else if (e === 'u') {
        const m = /^\{([0-9a-fA-F_]+)\}/.exec(src.slice(i, i + 16));
        if (!m) fail('bad \\u escape');
        i += m[0].length;
        bytes.push(...Buffer.from(String.fromCodePoint(parseInt(m[1].replace(/_/g, ''), 16)), 'utf8'));
      } else if (/[0-9a-fA-F]/.test(e) && /[0-9a-fA-F]/.test(src[i] || '')) {
        bytes.push(parseInt(e + src[i], 16));
        i++;
      } else fail(`bad escape \\${e}`);
    }
  };
  while (i < n) {
    const c = src[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') i++;
    else if (c === ';' && src[i + 1] === ';') {
      while (i < n && src[i] !== '\n') i++;
    } else if (c === '(' && src[i + 1] === ';') {
      let depth = 1;
      i += 2;
      while (depth > 0) {
        if (i >= n) fail('unterminated block comment');
        if (src[i] === '(' && src[i + 1] === ';') depth++, (i += 2);
        else if (src[i] === ';' && src[i + 1] === ')') depth--, (i += 2);
        else {
          if (src[i] === '\n') line++;
          i++;
        }
      }
    } else if (c === '(') {
      stack.push({ list: true, items: [], start: i, line });
      i++;
    } else if (c === ')') {
      const l = stack.pop();
      if (!l) fail('unbalanced )');
      i++;
      l.end = i;
      (stack.length ? stack[stack.length - 1].items : top).push(l);
    } else {
      const start = i;
      const sline = line;
      let atom;
      if (c === '"') atom = { str: readString() };
      else {
        while (i < n && !/[\s()";]/.test(src[i])) i++;
        atom = { text: src.slice(start, i) };
        if (atom.text === '$' && src[i] === '"') {
          const b = readString();
          atom.text = '$' + Buffer.from(b).toString('utf8');
        }
      }
      atom.start = start;
      atom.end = i;
      atom.line = sline;
      if (!stack.length) fail('atom outside a command');
      stack[stack.length - 1].items.push(atom);
    }
  }
  if (stack.length) fail('unbalanced (');
  return top;
}

// ---- numbers
const bigOf = (digits, radix) => {
  let v = 0n;
  const r = BigInt(radix);
  for (const d of digits) v = v * r + BigInt(parseInt(d, radix));
  return v;
};

function intBits(text, bits) {
  const m = /^([+-]?)(0x[0-9a-fA-F_]+|[0-9_]+)$/.exec(text);
  if (!m || /__|^_|_$/.test(m[2].replace(/^0x/, ''))) throw new WastError(`bad integer ${text}`);
  const s = m[2].replace(/_/g, '');
  let v = s.startsWith('0x') ? bigOf(s.slice(2), 16) : bigOf(s, 10);
  if (m[1] === '-') v = -v;
  return BigInt.asUintN(bits, v).toString();
}

// IEEE formats: mantissa bits with the hidden one, exponent bits.
const FMT = { f32: { p: 24, ebits: 8 }, f64: { p: 53, ebits: 11 } };

const bitlen = (v) => (v === 0n ? 0 : v.toString(2).length);

// The bit pattern nearest (ties to even) to num/den * 2^e2 * 10^e10.
function roundRational(num, e2, e10, fmt) {
  const { p, ebits } = FMT[fmt];
  const bias = (1 << (ebits - 1)) - 1;
  const emin = 1 - bias;
  const einf = (1 << ebits) - 1;
  if (num === 0n) return 0n;
  // far out of range: saturate early rather than build huge numbers
  const mag10 = e10 + num.toString().length;
  const mag2 = e2 + bitlen(num);
  if (mag10 > 400 || mag2 > 2000) return BigInt(einf) << BigInt(p - 1);
  if (mag10 < -400 || mag2 < -2000) return 0n;
  let n = num;
  let d = 1n;
  if (e10 >= 0) n *= 10n ** BigInt(e10);
  else d *= 10n ** BigInt(-e10);
  if (e2 >= 0) n <<= BigInt(e2);
  else d <<= BigInt(-e2);
  // e: floor(log2(n/d))
  let e = bitlen(n) - bitlen(d);
  if ((e >= 0 ? n : n << BigInt(-e)) < (e >= 0 ? d << BigInt(e) : d)) e--;
  let q = Math.max(e, emin) - (p - 1); // weight of the last mantissa bit
  let nn = n;
  let dd = d;
  if (q >= 0) dd <<= BigInt(q);
  else nn <<= BigInt(-q);
  let m = nn / dd;
  const r2 = (nn % dd) * 2n;
  if (r2 > dd || (r2 === dd && (m & 1n))) m++;
  if (m === 1n << BigInt(p)) {
    m >>= 1n;
    q++;
  }
  if (m < 1n << BigInt(p - 1)) return m; // subnormal (or zero)
  const be = q + (p - 1) + bias;
  if (be >= einf) return BigInt(einf) << BigInt(p - 1);
  return (BigInt(be) << BigInt(p - 1)) | (m - (1n << BigInt(p - 1)));
}

function floatBits(text, fmt) {
  const { p, ebits } = FMT[fmt];
  const total = p + ebits;
  let t = text;
  let sign = 0n;
  if (t[0] === '+' || t[0] === '-') {
    if (t[0] === '-') sign = 1n;
    t = t.slice(1);
  }
  const signBit = sign << BigInt(total - 1);
  const expAll = ((1n << BigInt(ebits)) - 1n) << BigInt(p - 1);
  const bad = () => new WastError(`bad ${fmt} literal ${text}`);
  if (/__|_$|^_|_\.|\._|_[eEpP]|[eEpP][+-]?_/.test(t)) throw bad();
  t = t.replace(/_/g, '');
  if (t === 'inf') return (signBit | expAll).toString();
  if (t === 'nan') return (signBit | expAll | (1n << BigInt(p - 2))).toString();
  let m = /^nan:0x([0-9a-fA-F]+)$/.exec(t);
  if (m) {
    const payload = BigInt('0x' + m[1]);
    if (payload === 0n || payload >= 1n << BigInt(p - 1)) throw bad();
    return (signBit | expAll | payload).toString();
  }
  let bits;
  if ((m = /^0x([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?$/.exec(t))) {
    const [, ip, fp = '', ex = '0'] = m;
    if (ip === '' && fp === '') throw bad();
    bits = roundRational(bigOf(ip + fp, 16), parseInt(ex, 10) - 4 * fp.length, 0, fmt);
  } else if ((m = /^([0-9]+)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/.exec(t))) {
    const [, ip, fp = '', ex = '0'] = m;
    bits = roundRational(bigOf(ip + fp, 10), 0, parseInt(ex, 10) - fp.length, fmt);
  } else throw bad();
  return (signBit | bits).toString();
}

// ---- values
const atomText = (x) => (x && !x.list && x.text !== undefined ? x.text : null);
const heapRef = { func: 'funcref', nofunc: 'funcref', extern: 'externref', noextern: 'externref' };

// One constant (argument) or result pattern (result: true).
function value(node, result) {
  if (!node.list || !node.items.length) throw new WastError(`line ${node.line}: expected a value`);
  const op = atomText(node.items[0]);
  const arg = atomText(node.items[1]);
  switch (op) {
    case 'i32.const':
    case 'i64.const':
      return { type: op.slice(0, 3), value: intBits(arg, op[1] === '3' ? 32 : 64) };
    case 'f32.const':
    case 'f64.const':
      if (result && (arg === 'nan:canonical' || arg === 'nan:arithmetic'))
        return { type: op.slice(0, 3), value: arg };
      return { type: op.slice(0, 3), value: floatBits(arg, op.slice(0, 3)) };
    case 'ref.null':
      if (arg === null) return { type: 'refnull' }; // any null reference
      if (heapRef[arg]) return { type: heapRef[arg], value: 'null' };
      return { type: 'unsupported', text: `(ref.null ${arg})` };
    case 'ref.extern':
      if (arg === null) return { type: 'externref' }; // any non-null externref
      return { type: 'externref', value: intBits(arg, 32) };
    case 'ref.func':
      return { type: 'funcref' }; // any non-null funcref
    case 'either':
      if (!result) break;
      return { type: 'either', values: node.items.slice(1).map((x) => value(x, true)) };
  }
  return { type: 'unsupported', text: op };
}

function action(node) {
  const op = atomText(node.items[0]);
  if (op !== 'invoke' && op !== 'get')
    throw new WastError(`line ${node.line}: unknown action ${op}`);
  let k = 1;
  const a = { type: op };
  const id = atomText(node.items[k]);
  if (id && id.startsWith('$')) (a.module = id), k++;
  const f = node.items[k++];
  if (!f || !f.str) throw new WastError(`line ${node.line}: action without a name`);
  a.field = Buffer.from(f.str).toString('utf8');
  if (op === 'invoke') a.args = node.items.slice(k).map((x) => value(x, false));
  return a;
}

// ---- modules
function imports(b) {
  // (module, name, kind) of every import, or null when the bytes do not parse.
  try {
    let i = 8;
    const u = () => {
      let v = 0;
      let s = 0;
      for (;;) {
        const c = b[i++];
        if (c === undefined) throw new Error('eof');
        v += (c & 0x7f) * 2 ** s;
        s += 7;
        if (!(c & 0x80)) return v;
      }
    };
    const name = () => {
      const l = u();
      const s = Buffer.from(b.subarray(i, i + l)).toString('utf8');
      i += l;
      return s;
    };
    const reftype = () => {
      const t = b[i++];
      if (t === 0x63 || t === 0x64) u();
    };
    const limits = () => {
      const f = u();
      u();
      if (f & 1) u();
    };
    if (b.length < 8 || b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d) return null;
    const out = [];
    while (i < b.length) {
      const id = b[i++];
      const size = u();
      const end = i + size;
      if (id === 2) {
        const count = u();
        for (let k = 0; k < count; k++) {
          const mod = name();
          const field = name();
          const kind = b[i++];
          if (kind === 0) u();
          else if (kind === 1) reftype(), limits();
          else if (kind === 2) limits();
          else if (kind === 3) reftype(), i++;
          else if (kind === 4) i++, u();
          else return null;
          out.push([mod, field, ['func', 'table', 'memory', 'global', 'tag'][kind]]);
        }
      }
      i = end;
    }
    return out;
  } catch {
    return null;
  }
}

const src = (() => {
  try {
    return fs.readFileSync(input).toString('latin1');
  } catch (e) {
    process.stderr.write(`${input}: ${e.message}\n`);
    process.exit(1);
  }
})();
const base = path.basename(input, '.wast');
fs.mkdirSync(outdir, { recursive: true });
let fileNo = 0;
const text = (a, b) => Buffer.from(src.slice(a, b), 'latin1').toString('utf8');
const firstLine = (e) => String(e && e.message ? e.message : e).split('\n')[0].slice(0, 300);
// The assembler's reason out of the Rust debug text jco hands back.
function asmError(e) {
  const all = String(e && e.message ? e.message : e);
  const why = /kind: Custom\("((?:[^"\\]|\\.)*)"\)/.exec(all) || /kind: (\w+(?:\([^)]*\))?)/.exec(all.slice(12));
  const at = /text: Some\(Text \{ line: (\d+), col: (\d+)/.exec(all);
  if (!why) return firstLine(e);
  return `${why[1].replace(/\\"/g, '"')}${at ? ` (at ${+at[1] + 1}:${+at[2] + 1} of the module text)` : ''}`;
}

// Reads a module node into { name, definition, instance, kind, bytes | text }.
function moduleOf(node) {
  const it = node.items;
  let k = 1;
  const m = { line: node.line };
  let cut = null;
  if (atomText(it[k]) === 'definition') (m.definition = true), (cut = it[k]), k++;
  else if (atomText(it[k]) === 'instance') (m.instance = true), k++;
  if (atomText(it[k]) && atomText(it[k]).startsWith('$')) (m.name = atomText(it[k])), k++;
  if (m.instance) {
    const d = atomText(it[k]);
    if (d && d.startsWith('$')) m.of = d;
    return m;
  }
  const kw = atomText(it[k]);
  if (kw === 'binary') {
    m.kind = 'binary';
    m.bytes = Buffer.concat(it.slice(k + 1).map((x) => Buffer.from(x.str)));
  } else if (kw === 'quote') {
    m.kind = 'quote';
    const raw = Buffer.concat(it.slice(k + 1).map((x) => Buffer.from(x.str)));
    let t;
    try {
      t = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      m.text = raw.toString('latin1');
      m.refused = 'the quoted text is not UTF-8';
      return m;
    }
    m.text = /^\s*\(module\b/.test(t) ? t : `(module ${t}\n)`;
  } else {
    m.kind = 'text';
    m.text = cut ? text(node.start, cut.start) + text(cut.end, node.end) : text(node.start, node.end);
  }
  return m;
}

async function build(m) {
  if (m.bytes || m.refused) return;
  try {
    m.bytes = Buffer.from(await assemble(m.text));
  } catch (e) {
    m.refused = asmError(e);
  }
}

// Writes the module's files; returns the fields of its command.
function emit(m, quoteIsText) {
  const no = fileNo++;
  const c = {};
  if (m.name) c.name = m.name;
  if ((m.kind === 'quote' && quoteIsText) || m.refused) {
    c.module_type = 'text';
    c.filename = `${base}.${no}.wat`;
    fs.writeFileSync(path.join(outdir, c.filename), m.text);
    if (m.refused) c.assembler_error = m.refused;
    else {
      c.wasm = `${base}.${no}.wasm`;
      fs.writeFileSync(path.join(outdir, c.wasm), m.bytes);
    }
  } else {
    c.module_type = 'binary';
    c.filename = `${base}.${no}.wasm`;
    fs.writeFileSync(path.join(outdir, c.filename), m.bytes);
  }
  const imp = m.bytes ? imports(m.bytes) : null;
  if (imp && imp.length) c.imports = imp;
  return c;
}

const commands = [];
const skipped = [];
const msgOf = (node, k) => (node.items[k] && node.items[k].str ? Buffer.from(node.items[k].str).toString('utf8') : '');

for (const node of read(src)) {
  const head = node.list ? atomText(node.items[0]) : null;
  const line = node.line;
  try {
    switch (head) {
      case 'module': {
        const m = moduleOf(node);
        if (m.instance) {
          const c = { type: 'module_instance', line };
          if (m.name) c.name = m.name;
          if (m.of) c.definition = m.of;
          commands.push(c);
          break;
        }
        await build(m);
        const c = { type: m.definition ? 'module_definition' : 'module', line, ...emit(m, false) };
        if (c.module_type === 'binary') delete c.module_type;
        commands.push(c);
        break;
      }
      case 'register': {
        const c = { type: 'register', line, as: msgOf(node, 1) };
        const id = atomText(node.items[2]);
        if (id) c.name = id;
        commands.push(c);
        break;
      }
      case 'invoke':
      case 'get':
        commands.push({ type: 'action', line, action: action(node), expected: [] });
        break;
      case 'assert_return': {
        const a = node.items[1];
        commands.push({
          type: 'assert_return',
          line: a.line,
          action: action(a),
          expected: node.items.slice(2).map((x) => value(x, true)),
        });
        break;
      }
      case 'assert_trap':
      case 'assert_exhaustion': {
        const a = node.items[1];
        if (atomText(a.items[0]) === 'module') {
          if (head !== 'assert_trap') throw new WastError(`line ${line}: ${head} on a module`);
          const m = moduleOf(a);
          await build(m);
          commands.push({ type: 'assert_uninstantiable', line: a.line, ...emit(m, false), text: msgOf(node, 2) });
        } else {
          commands.push({ type: head, line: a.line, action: action(a), text: msgOf(node, 2), expected: [] });
        }
        break;
      }
      case 'assert_invalid':
      case 'assert_malformed':
      case 'assert_unlinkable':
      case 'assert_uninstantiable': {
        const a = node.items[1];
        const m = moduleOf(a);
        await build(m);
        commands.push({ type: head, line: a.line, ...emit(m, true), text: msgOf(node, 2) });
        break;
      }
      default:
        // assert_exception, thread, wait, ...: outside the accepted set
        skipped.push({ line, command: head });
        commands.push({ type: 'unsupported', line, command: String(head) });
    }
  } catch (e) {
    if (!(e instanceof WastError)) throw e;
    commands.push({ type: 'error', line, command: String(head), error: e.message });
  }
}

// One command per line: the layout wabt uses, easy to diff.
const out = [`{"source_filename": ${JSON.stringify(input)},`, ' "commands": ['];
out.push(commands.map((c) => '  ' + JSON.stringify(c)).join(',\n'));
out.push(']}\n');
fs.writeFileSync(path.join(outdir, base + '.json'), out.join('\n'));
