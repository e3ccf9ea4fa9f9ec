// Helper for tests/engine_fdlibm: evaluates Node's built-in Math functions
// and the JS port (engine/v8/fdlibm.js, loaded as a classic script like an
// embedder would) on arguments read from a Float64Array file.
// usage: node node_eval.js fdlibm.js in.f64 out.f64 NU NB
'use strict';
const fs = require('fs');
const vm = require('vm');
const [, , libPath, inPath, outPath, nuS, nbS] = process.argv;
vm.runInThisContext(fs.readFileSync(libPath, 'utf8'), { filename: libPath });
if (typeof installFdlibm !== 'function') throw new Error('installFdlibm missing');
const PORT = FDLIBM;  // eslint-disable-line no-undef
const NU = +nuS, NB = +nbS;
const all = new Float64Array(new Uint8Array(fs.readFileSync(inPath)).buffer);
const U = all.subarray(0, NU), BX = all.subarray(NU, NU + NB), BY = all.subarray(NU + NB, NU + 2 * NB);
const UNARY = ['sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'exp', 'expm1', 'log', 'log1p',
  'log2', 'log10', 'cbrt', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh'];
// layout: for each unary fn: native[NU], port[NU]; then atan2 native/port,
// pow native/port, '**' operator native [NB each]
const out = new Float64Array(UNARY.length * 2 * NU + 5 * NB);
let o = 0;
for (const name of UNARY) {
  const nat = Math[name], port = PORT[name];
  for (let i = 0; i < NU; i++) out[o + i] = nat(U[i]);
  o += NU;
  for (let i = 0; i < NU; i++) out[o + i] = port(U[i]);
  o += NU;
}
for (const name of ['atan2', 'pow']) {
  const nat = Math[name], port = PORT[name];
  for (let i = 0; i < NB; i++) out[o + i] = nat(BX[i], BY[i]);
  o += NB;
  for (let i = 0; i < NB; i++) out[o + i] = port(BX[i], BY[i]);
  o += NB;
}
for (let i = 0; i < NB; i++) out[o + i] = BX[i] ** BY[i];
o += NB;
// installFdlibm must replace the Math members
const M = {};
installFdlibm(M);  // eslint-disable-line no-undef
for (const name of UNARY.concat(['atan2', 'pow'])) {
  if (M[name] !== PORT[name]) throw new Error('installFdlibm did not install ' + name);
}
fs.writeFileSync(outPath, Buffer.from(out.buffer));
process.stdout.write(JSON.stringify({ v8: process.versions.v8, node: process.version }));
