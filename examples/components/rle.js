// examples/components/rle.js: the run-length encoder of the
// dagwood:component world in JavaScript, for componentize-js
// (`node build.mjs --js OUT_DIR`). Not a fixture: a SpiderMonkey component
// is 12.5 MB, imports WASI 0.2 directly, and is too large for dagwood's
// compile limits (docs/COMPATIBILITY.md has the measurements). The same
// behaviour as rle_preview1.c: "hello world" -> "1h1e2l1o1 1w1o1r1l1d".
export const processingNode = {
  process(input) {
    if (input.length > 1048576) throw { tag: 'input-too-large', val: BigInt(input.length) };
    for (let i = 0; i < input.length; i++)
      if (input[i] >= 0x80)
        throw { tag: 'invalid-input', val: `input is not ASCII: byte ${input[i]} at offset ${i}` };
    let out = '';
    for (let i = 0; i < input.length; ) {
      let k = 1;
      while (i + k < input.length && input[i + k] === input[i]) k++;
      out += k + String.fromCharCode(input[i]);
      i += k;
    }
    console.log(`rle_js: ${input.length} bytes -> ${out.length} bytes`);
    return new TextEncoder().encode(out);
  },
};
