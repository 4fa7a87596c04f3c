#!/usr/bin/env node
// tests/spec/v8check: runs wast2json.mjs's output through node's own
// WebAssembly engine (a development aid, not a test): if the converter read
// a number, a NaN rule or a reference wrongly, a correct engine disagrees.
// JavaScript cannot carry a NaN's payload, so NaN results are only checked
// for being NaN (and a signalling NaN argument arrives quieted); modules the engine refuses (features it lacks) are counted
// and their commands left out.
//
// usage: node v8check.mjs CONVERTED_DIR...   (each holds NAME.json)
import fs from 'node:fs';
import path from 'node:path';

const dv = new DataView(new ArrayBuffer(8));
const externs = new Map();
const extern = (n) => {
  if (!externs.has(n)) externs.set(n, { extern: n });
  return externs.get(n);
};

function toJs(v) {
  const s = v.value;
  switch (v.type) {
    case 'i32': return Number(BigInt.asIntN(32, BigInt(s)));
    case 'i64': return BigInt.asIntN(64, BigInt(s));
    case 'f32': dv.setUint32(0, Number(s)); return dv.getFloat32(0);
    case 'f64': dv.setBigUint64(0, BigInt(s)); return dv.getFloat64(0);
    case 'externref': return s === 'null' ? null : extern(s);
    case 'funcref': return null;
  }
  throw new Error(`argument type ${v.type}`);
}

function same(e, r) {
  switch (e.type) {
    case 'either': return e.values.some((x) => same(x, r));
    case 'i32': return typeof r === 'number' && BigInt(r >>> 0) === BigInt(e.value);
    case 'i64': return typeof r === 'bigint' && BigInt.asUintN(64, r) === BigInt(e.value);
    case 'f32':
    case 'f64': {
      if (typeof r !== 'number') return false;
      const exp = e.value.startsWith('nan') ? NaN : toJs(e);
      if (Number.isNaN(exp)) return Number.isNaN(r);
      return Object.is(exp, r); // f32 results arrive exactly as doubles
    }
    case 'refnull': return r === null;
    case 'funcref': return e.value === 'null' ? r === null : typeof r === 'function';
    case 'externref': return e.value === undefined ? r !== null : e.value === 'null' ? r === null : r === extern(e.value);
  }
  return false;
}

const newSpectest = () => ({
  print: () => {}, print_i32: () => {}, print_i64: () => {}, print_f32: () => {},
  print_f64: () => {}, print_i32_f32: () => {}, print_f64_f64: () => {},
  global_i32: new WebAssembly.Global({ value: 'i32' }, 666),
  global_i64: new WebAssembly.Global({ value: 'i64' }, 666n),
  global_f32: new WebAssembly.Global({ value: 'f32' }, 666.6),
  global_f64: new WebAssembly.Global({ value: 'f64' }, 666.6),
  table: new WebAssembly.Table({ initial: 10, maximum: 20, element: 'anyfunc' }),
  memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
});

const tally = { pass: 0, fail: 0, skipped: 0, refusedModules: 0 };
const fails = [];
for (const dir of process.argv.slice(2)) {
  const name = path.basename(dir).replace(/-[0-9a-f]{16}$/, '');
  const json = JSON.parse(fs.readFileSync(path.join(dir, name + '.json')));
  const registry = { spectest: newSpectest() };
  const named = {};
  let cur = null;
  const bytes = (c) => fs.readFileSync(path.join(dir, c.wasm || c.filename));
  const inst = (b) => new WebAssembly.Instance(new WebAssembly.Module(b), registry);
  const fail = (c, why) => {
    tally.fail++;
    fails.push(`${name}:${c.line}: ${c.type}: ${why}`);
  };
  for (const c of json.commands) {
    try {
      switch (c.type) {
        case 'module': {
          let b = bytes(c);
          if (!WebAssembly.validate(b)) {
            tally.refusedModules++;
            cur = null;
            if (c.name) named[c.name] = null;
            break;
          }
          cur = inst(b).exports;
          if (c.name) named[c.name] = cur;
          tally.pass++;
          break;
        }
        case 'register': {
          const m = c.name ? named[c.name] : cur;
          if (m) registry[c.as] = m;
          break;
        }
        case 'action':
        case 'assert_return':
        case 'assert_trap':
        case 'assert_exhaustion': {
          const m = c.action.module ? named[c.action.module] : cur;
          if (!m) {
            tally.skipped++;
            break;
          }
          const f = m[c.action.field];
          let r;
          let threw = null;
          try {
            r = c.action.type === 'get' ? f.value : f(...c.action.args.map(toJs));
          } catch (e) {
            threw = e;
          }
          if (c.type === 'assert_trap' || c.type === 'assert_exhaustion') {
            if (threw) tally.pass++;
            else fail(c, `no trap (${c.text})`);
            break;
          }
          if (threw) {
            fail(c, `threw ${threw}`);
            break;
          }
          if (c.type === 'action') {
            tally.pass++;
            break;
          }
          const rs = c.expected.length === 1 ? [r] : c.expected.length === 0 ? [] : r;
          if (rs.length === c.expected.length && c.expected.every((e, i) => same(e, rs[i]))) tally.pass++;
          else fail(c, `${c.action.field}(${c.action.args.map((a) => a.value)}) gave ${String(r)}, expected ${JSON.stringify(c.expected)}`);
          break;
        }
        case 'assert_invalid':
        case 'assert_malformed':
          if (c.assembler_error) tally.skipped++;
          else if (WebAssembly.validate(bytes(c))) fail(c, 'accepted');
          else tally.pass++;
          break;
        case 'assert_unlinkable':
        case 'assert_uninstantiable': {
          const b = bytes(c);
          if (!WebAssembly.validate(b)) {
            tally.refusedModules++;
            break;
          }
          try {
            inst(b);
            fail(c, 'instantiated');
          } catch {
            tally.pass++;
          }
          break;
        }
        default:
          tally.skipped++;
      }
    } catch (e) {
      fail(c, `${e}`);
    }
  }
}
console.log(JSON.stringify(tally));
for (const f of fails) console.log(f);
