#!/usr/bin/env node
// tests/spec/crosscheck: compares wast2json.mjs's output with wabt's
// wast2json's for the same scripts (a development aid, not a test): the
// commands one by one (type, line, action, expected values, message) and
// the module binaries with their "name" custom sections removed.
//
// usage: node crosscheck.mjs WABT_DIR OURS_DIR
//   each DIR holds NAME/NAME.json (+ the module files) per script (or
//   NAME-<hash>/, as spectest's --work folder does).
import fs from 'node:fs';
import path from 'node:path';

const [wabtDir, oursDir] = process.argv.slice(2);
if (!oursDir) {
  process.stderr.write('usage: node crosscheck.mjs WABT_DIR OURS_DIR\n');
  process.exit(2);
}

// The module without its "name" section (and without any custom section
// when all is set).
function strip(b, all) {
  const out = [b.subarray(0, 8)];
  let i = 8;
  const u = () => {
    let v = 0;
    let s = 0;
    for (;;) {
      const c = b[i++];
      v += (c & 0x7f) * 2 ** s;
      s += 7;
      if (!(c & 0x80)) return v;
    }
  };
  while (i < b.length) {
    const start = i;
    const id = b[i++];
    const size = u();
    const body = i;
    i += size;
    if (id === 0) {
      const save = i;
      i = body;
      const l = u();
      const name = b.subarray(i, i + l).toString('latin1');
      i = save;
      if (all || name === 'name') continue;
    }
    out.push(b.subarray(start, i));
  }
  return Buffer.concat(out);
}

const tally = { files: 0, commands: 0, same: 0, modules: 0, sameBytes: 0, sameWithoutCustom: 0 };
const diffs = [];
// wabt lists the result types of a trapping call; the values are what count
const keyOf = (c) =>
  JSON.stringify({ a: c.action, e: c.type === 'assert_return' || c.type === 'action' ? c.expected : [] });
for (const name of fs.readdirSync(wabtDir).sort()) {
  const wf = path.join(wabtDir, name, name + '.json');
  // ours: NAME/ or spectest's cache folder NAME-<hash>/
  const sub = fs.readdirSync(oursDir).find((d) => d === name || new RegExp(`^${name}-[0-9a-f]{16}$`).test(d));
  const ourDir = path.join(oursDir, sub || name);
  const of = path.join(ourDir, name + '.json');
  if (!fs.existsSync(wf)) continue;
  if (!fs.existsSync(of)) {
    diffs.push(`${name}: no output of ours`);
    continue;
  }
  tally.files++;
  const w = JSON.parse(fs.readFileSync(wf)).commands;
  const o = JSON.parse(fs.readFileSync(of)).commands;
  if (w.length !== o.length) diffs.push(`${name}: ${w.length} commands in wabt's, ${o.length} in ours`);
  for (let k = 0; k < Math.min(w.length, o.length); k++) {
    const a = w[k];
    const b = o[k];
    tally.commands++;
    const where = `${name}:${a.line}`;
    const d = [];
    if (a.type !== b.type) d.push(`type ${a.type} vs ${b.type}`);
    if (a.line !== b.line) d.push(`line ${a.line} vs ${b.line}`);
    if ((a.text || '') !== (b.text || '')) d.push(`text ${JSON.stringify(a.text)} vs ${JSON.stringify(b.text)}`);
    if ((a.name || '') !== (b.name || '')) d.push(`name ${a.name} vs ${b.name}`);
    if (a.type === 'register' && a.as !== b.as) d.push(`as ${a.as} vs ${b.as}`);
    if ((a.action || a.expected) && keyOf(a) !== keyOf(b))
      d.push(`action/expected ${keyOf(a)} vs ${keyOf(b)}`);
    if (a.filename && a.filename.endsWith('.wasm')) {
      tally.modules++;
      if (!b.filename || !b.filename.endsWith('.wasm')) {
        d.push(`module: wabt's binary, ours ${b.module_type} (${b.assembler_error || ''})`);
      } else {
        const wb = fs.readFileSync(path.join(wabtDir, name, a.filename));
        const ob = fs.readFileSync(path.join(ourDir, b.filename));
        if (wb.equals(ob) || strip(wb, false).equals(strip(ob, false))) tally.sameBytes++;
        else if (strip(wb, true).equals(strip(ob, true))) tally.sameWithoutCustom++;
        else d.push(`module bytes differ (${a.filename} ${wb.length} bytes vs ${b.filename} ${ob.length})`);
      }
    } else if (a.module_type === 'text' && b.module_type !== 'text') {
      d.push(`module: wabt's text, ours ${b.module_type}`);
    }
    if (d.length) diffs.push(`${where}: ${d.join('; ')}`);
    else tally.same++;
  }
}
console.log(JSON.stringify(tally));
for (const d of diffs) console.log(d);
process.exit(diffs.length ? 1 : 0);
