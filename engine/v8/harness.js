// Harness of the embedded-V8 tier (engine/v8/__init__.py).
//
// One expression: a function taking (cfg, fdlibm) and returning a status string. It turns
// the fresh V8 context into the reference renderer's world (shared/bytebeat/reference.mjs:
// prepareGlobals + compileSong) and installs one hidden entry point through which Python
// compiles the song, runs the test call and renders blocks of samples into a Float64Array.
//
//   cfg      = {entry, seed, mode, rate}
//   fdlibm   = object of ported Math functions (engine/v8/fdlibm.js) or null
//   builtins = Node 20's property names of the built-ins (engine/v8/node20_builtins.js) or null
(function (cfg, fdlibm, builtins) {
  'use strict';
  const G = globalThis;
  const defineProperty = Object.defineProperty;
  const getOwnPropertyNames = Object.getOwnPropertyNames;
  const hasOwn = Object.prototype.hasOwnProperty;
  const isArray = Array.isArray;
  const freeze = Object.freeze;
  const apply = Reflect.apply;

  // ---- the globals Node 20 (V8 11.3) has after reference.mjs's clean-up --------------
  const NODE20_GLOBALS = new Set(('Object Function Array Number parseFloat parseInt Infinity ' +
    'NaN undefined Boolean String Symbol Date Promise RegExp Error AggregateError EvalError ' +
    'RangeError ReferenceError SyntaxError TypeError URIError globalThis JSON Math Intl ' +
    'ArrayBuffer Uint8Array Int8Array Uint16Array Int16Array Uint32Array Int32Array ' +
    'Float32Array Float64Array Uint8ClampedArray BigUint64Array BigInt64Array DataView Map ' +
    'BigInt Set WeakMap WeakSet Proxy Reflect FinalizationRegistry WeakRef decodeURI ' +
    'decodeURIComponent encodeURI encodeURIComponent escape unescape eval isFinite isNaN ' +
    'console SharedArrayBuffer Atomics WebAssembly').split(' '));
  // Math's own property names in Node 20, in order (newer V8 adds f16round, sumPrecise...).
  const NODE20_MATH = ('abs acos acosh asin asinh atan atanh atan2 ceil cbrt expm1 clz32 cos ' +
    'cosh exp floor fround hypot imul log log1p log2 log10 max min pow random round sign sin ' +
    'sinh sqrt tan tanh trunc E LN10 LN2 LOG10E LOG2E PI SQRT1_2 SQRT2').split(' ');
  // Functions where V8 14.x differs from Node 20 (libm sin/cos, new pow): replaced by the
  // fdlibm ports when engine/v8/fdlibm.js is available.
  const FDLIBM_OVERRIDES = ['sin', 'cos', 'pow'];

  for (const name of getOwnPropertyNames(G)) {
    if (!NODE20_GLOBALS.has(name)) {
      try {
        delete G[name];
      } catch (e) { /* non-configurable */ }
      if (hasOwn.call(G, name)) { // mini-racer's `var setTimeout`...: cannot go, make inert
        try { G[name] = undefined; } catch (e) { /* ignore */ }
      }
    }
  }
  for (const name of getOwnPropertyNames(Math)) {
    if (!NODE20_MATH.includes(name)) {
      delete Math[name];
    }
  }

  // Properties added to the built-ins after Node 20 (Set.prototype.union, Iterator
  // helpers, Promise.try, Uint8Array.fromBase64, ...): gone, as in the reference.
  const getProto = Object.getPrototypeOf;
  function intrinsic(key) {
    const ai = getProto([][Symbol.iterator]());
    const gf = getProto(function* () {});
    const agf = getProto(async function* () {});
    switch (key) {
      case '%TypedArray%': return getProto(Uint8Array);
      case '%TypedArray%.prototype': return getProto(Uint8Array).prototype;
      case '%ArrayIteratorPrototype%': return ai;
      case '%IteratorPrototype%': return getProto(ai);
      case '%StringIteratorPrototype%': return getProto(''[Symbol.iterator]());
      case '%MapIteratorPrototype%': return getProto(new Map().entries());
      case '%SetIteratorPrototype%': return getProto(new Set().values());
      case '%RegExpStringIteratorPrototype%': return getProto(/a/g[Symbol.matchAll](''));
      case '%GeneratorFunction.prototype%': return gf;
      case '%GeneratorPrototype%': return gf.prototype;
      case '%AsyncGeneratorFunction.prototype%': return agf;
      case '%AsyncGeneratorPrototype%': return agf.prototype;
      case '%AsyncIteratorPrototype%': return getProto(agf.prototype);
      case '%AsyncFunction.prototype%': return getProto(async function () {});
      default: {
        let v = G;
        for (const part of key.split('.')) {
          v = v === null || v === undefined ? undefined : v[part];
        }
        return v;
      }
    }
  }
  if (builtins) {
    for (const key of getOwnPropertyNames(builtins)) {
      let obj;
      try {
        obj = intrinsic(key);
      } catch (e) {
        continue;
      }
      if (obj === null || (typeof obj !== 'object' && typeof obj !== 'function')) {
        continue;
      }
      const allowed = new Set(builtins[key].split(' '));
      for (const name of getOwnPropertyNames(obj)) {
        if (!allowed.has(name)) {
          try { delete obj[name]; } catch (e) { /* non-configurable */ }
        }
      }
    }
  }

  // Host hooks that would run song code outside a fill() call (and so outside its time
  // limit): timers built on Atomics.waitAsync, FinalizationRegistry cleanup callbacks.
  // None exists in the reference's render loop either (it never yields to the event loop).
  defineProperty(Atomics, 'waitAsync', {
    value: { waitAsync() { throw new TypeError('Atomics.waitAsync is not available'); } }.waitAsync,
    writable: true, enumerable: false, configurable: true
  });

  // FinalizationRegistry: the reference's render loop never yields, so cleanup callbacks
  // never run during a render; here V8 would run them as tasks between two fill() calls.
  // Registrations are only recorded (for unregister's result); callbacks never run.
  {
    const FR = FinalizationRegistry.prototype;
    const nativeRegister = FR.register, nativeUnregister = FR.unregister;
    const tokens = new WeakMap();
    const probe = new FinalizationRegistry(nop0);
    function nop0() { /* never called */ }
    defineProperty(FR, 'register', { value: { register(target, heldValue, unregisterToken) {
      nativeUnregister.call(this, probe); // TypeError for a non-FinalizationRegistry receiver
      if (target === null || (typeof target !== 'object' && typeof target !== 'function' && typeof target !== 'symbol')) {
        return apply(nativeRegister, this, [target, heldValue, unregisterToken]);
      }
      if (Object.is(target, heldValue)) {
        return apply(nativeRegister, this, [target, heldValue, unregisterToken]);
      }
      if (unregisterToken !== undefined) {
        if (unregisterToken === null || (typeof unregisterToken !== 'object' && typeof unregisterToken !== 'function' && typeof unregisterToken !== 'symbol')) {
          return apply(nativeRegister, this, [target, heldValue, unregisterToken]);
        }
        let m = tokens.get(this);
        if (!m) {
          m = new WeakMap();
          tokens.set(this, m);
        }
        m.set(unregisterToken, true);
      }
      return undefined;
    } }.register, writable: true, enumerable: false, configurable: true });
    defineProperty(FR, 'unregister', { value: { unregister(unregisterToken) {
      nativeUnregister.call(this, unregisterToken); // the native checks (receiver, token)
      const m = tokens.get(this);
      return m !== undefined && m.delete(unregisterToken);
    } }.unregister, writable: true, enumerable: false, configurable: true });
  }

  // console: silent, as in the reference.
  const nop = () => undefined;
  const quiet = {};
  for (const k of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'dirxml', 'table',
    'group', 'groupCollapsed', 'groupEnd', 'clear', 'count', 'countReset', 'assert', 'time',
    'timeLog', 'timeEnd', 'timeStamp', 'profile', 'profileEnd']) {
    quiet[k] = nop;
  }
  defineProperty(G, 'console', { value: quiet, writable: true, enumerable: false, configurable: true });

  // ---- seeded Math.random: V8's generator with --random-seed=SEED (as reference.mjs) ----
  let randomCalls = 0;
  function makeRandom(seed) {
    const mul64 = (ah, al, bh, bl) => {
      const a0 = al & 0xffff, a1 = al >>> 16, a2 = ah & 0xffff, a3 = ah >>> 16;
      const b0 = bl & 0xffff, b1 = bl >>> 16, b2 = bh & 0xffff, b3 = bh >>> 16;
      let c0 = a0 * b0;
      let c1 = (c0 >>> 16) + a0 * b1;
      let c2 = c1 >>> 16;
      c1 = (c1 & 0xffff) + a1 * b0;
      c2 += c1 >>> 16;
      c2 += a0 * b2;
      let c3 = c2 >>> 16;
      c2 = (c2 & 0xffff) + a1 * b1;
      c3 += c2 >>> 16;
      c2 = (c2 & 0xffff) + a2 * b0;
      c3 += c2 >>> 16;
      c3 += a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
      return [((c3 & 0xffff) << 16 | (c2 & 0xffff)) >>> 0, ((c1 & 0xffff) << 16 | (c0 & 0xffff)) >>> 0];
    };
    const fmix = (h, l) => {
      l = (l ^ (h >>> 1)) >>> 0;
      [h, l] = mul64(h, l, 0xFF51AFD7, 0xED558CCD);
      l = (l ^ (h >>> 1)) >>> 0;
      [h, l] = mul64(h, l, 0xC4CEB9FE, 0x1A85EC53);
      l = (l ^ (h >>> 1)) >>> 0;
      return [h, l];
    };
    const s = BigInt.asUintN(64, BigInt(seed));
    const sh = Number(s >> 32n) >>> 0, sl = Number(s & 0xffffffffn) >>> 0;
    let [h0, l0] = fmix(sh, sl);
    let [h1, l1] = fmix(~sh >>> 0, ~sl >>> 0);
    const cache = new Float64Array(64);
    let index = 0;
    const refill = () => {
      for (let i = 0; i < 64; ++i) {
        let ah = h0, al = l0;
        const bh = h1, bl = l1;
        h0 = bh; l0 = bl;
        ah = (ah ^ ((ah << 23) | (al >>> 9))) >>> 0; al = (al ^ (al << 23)) >>> 0;
        al = (al ^ ((al >>> 17) | (ah << 15))) >>> 0; ah = (ah ^ (ah >>> 17)) >>> 0;
        ah = (ah ^ bh) >>> 0; al = (al ^ bl) >>> 0;
        al = (al ^ ((bl >>> 26) | (bh << 6))) >>> 0; ah = (ah ^ (bh >>> 26)) >>> 0;
        h1 = ah; l1 = al;
        cache[i] = (h0 * 1048576 + (l0 >>> 12)) / 4503599627370496;
      }
      index = 64;
    };
    return { random() {
      ++randomCalls;
      if (index === 0) {
        refill();
      }
      return cache[--index];
    } }.random;
  }
  defineProperty(Math, 'random', { value: makeRandom(cfg.seed), writable: true, enumerable: false, configurable: true });

  // ---- Node 20's Math functions (fdlibm ports) -----------------------------------------
  let powFn = null;
  const installed = [];
  if (fdlibm) {
    const fsin = fdlibm.sin, fcos = fdlibm.cos, ftan = fdlibm.tan, fpow = fdlibm.pow;
    // method shorthand: name and length as the built-ins', not constructors
    const wrappers = {
      sin(x) { return fsin(+x); },
      cos(x) { return fcos(+x); },
      tan(x) { return ftan(+x); },
      pow(x, y) { x = +x; return fpow(x, +y); },
    };
    for (const name of FDLIBM_OVERRIDES) {
      if (typeof fdlibm[name] === 'function' && wrappers[name]) {
        defineProperty(Math, name, { value: wrappers[name], writable: true, enumerable: false, configurable: true });
        installed.push(name);
      }
    }
    if (typeof fdlibm.pow === 'function') {
      const pw = fdlibm.pow;
      // `a ** b` rewritten by the host to a call of this function: ToNumeric of both
      // operands, left first (as the operator), BigInt operands keep the native operator.
      powFn = { '**'(a, b) {
        if (typeof a === 'number' && typeof b === 'number') {
          return pw(a, b);
        }
        a = -(-a);
        b = -(-b);
        if (typeof a === 'bigint' || typeof b === 'bigint') {
          return a ** b;
        }
        return pw(a, b);
      } }['**'];
    }
  }

  // ---- the player's deleteGlobals / freezeGlobals ----------------------------------------
  function deleteGlobals() {
    for (let i = 0; i < 26; ++i) {
      try { delete G[String.fromCharCode(65 + i)]; } catch (e) { /* */ }
      try { delete G[String.fromCharCode(97 + i)]; } catch (e) { /* */ }
    }
    for (const name in G) {
      if (hasOwn.call(G, name)) {
        try { delete G[name]; } catch (e) { /* */ }
      }
    }
  }
  function freezeGlobals() {
    for (const name of getOwnPropertyNames(G)) {
      const value = G[name];
      const type = typeof value;
      if ((type === 'object' || type === 'function') && name !== 'globalThis') {
        freeze(value);
      }
      if (type === 'function' && hasOwn.call(value, 'prototype')) {
        freeze(value.prototype);
      }
      defineProperty(G, name, { writable: false, configurable: false });
    }
  }
  deleteGlobals();
  freezeGlobals();

  // ---- compiling (setFunction) -----------------------------------------------------------
  const isFunc = cfg.mode === 'func';
  const rate = cfg.rate;
  const EVAL_PACKED = /^eval\(unescape\(escape(?:`|\('|\("|\(`)(.*?)(?:`|'\)|"\)|`\)).replace\(\/u\(\.\.\)\/g,["'`]\$1%["'`]\)\)\)$/;
  let func = null;
  let receiver = null;
  let errs = 0;
  let firstErr = null;
  let firstErrT = -1;
  let busy = false;
  let out = new Float64Array(0);

  function errorText(err) {
    try {
      if (err instanceof Error) {
        return `${ err.name }: ${ err.message }`;
      }
      return `thrown: ${ typeof err === 'string' ? err : JSON.stringify(err) }`;
    } catch (e) {
      return 'thrown: (unprintable value)';
    }
  }

  // Byte/float modes: trim and the packer rewrite (Python then rewrites `**`).
  function prepare(code) {
    if (isFunc) {
      return code;
    }
    return code.trim().replace(EVAL_PACKED, (match, m1) => unescape(escape(m1).replace(/u(..)/g, '$1%')));
  }

  function check(code) {
    const params = getOwnPropertyNames(Math);
    params.push('int', 'window');
    try {
      if (isFunc) {
        new Function(...params, code);
      } else {
        new Function(...params, 't', `return 0,\n${ code || 0 };`);
      }
      return true;
    } catch (err) {
      return false;
    }
  }

  function compile(code) {
    if (busy) {
      return JSON.stringify({ ok: false, name: 'Error', message: 'busy', text: 'busy' });
    }
    const params = getOwnPropertyNames(Math);
    const values = params.map(k => Math[k]);
    params.push('int', 'window');
    values.push(Math.floor, G);
    deleteGlobals();
    try {
      if (isFunc) {
        func = new Function(...params, code).bind(G, ...values);
      } else {
        func = new Function(...params, 't', `return 0,\n${ code || 0 };`).bind(G, ...values);
      }
    } catch (err) {
      func = null;
      return JSON.stringify({ ok: false, name: err && err.name, message: err && err.message, text: errorText(err) });
    }
    receiver = Object.seal({
      audioSample: 0, byteSample: 0, drawMode: 'Combined', errorDisplayed: true, func: null,
      getValues: null, isFuncbeat: isFunc, isPlaying: true, lastByteValue: [null, null],
      lastFuncValue: [null, null], lastTime: -1, outValue: [0, 0], playbackSpeed: 1,
      sampleRate: rate, sampleRatio: rate / 48000, srDivisor: 1
    });
    let testError = null;
    try {
      if (isFunc) {
        func = func();
        receiver.func = func;
        func.call(receiver, 0, rate);
      } else {
        func(0);
      }
    } catch (err) {
      testError = errorText(err);
    }
    receiver.func = func;
    return JSON.stringify({ ok: true, testError });
  }

  // Renders t0 .. t0+n-1: out[i] = +left, out[n+i] = +right (NaN on a throw). Returns
  // 1 if some call returned an array, else 0; -1 when called re-entrantly.
  function fill(t0, n) {
    if (busy || func === null) {
      return -1;
    }
    busy = true;
    try {
      if (out.length < 2 * n) {
        out = new Float64Array(2 * n);
      }
      const o = out;
      const f = func;
      let stereo = 0;
      for (let i = 0; i < n; ++i) {
        const t = t0 + i;
        let v;
        try {
          v = isFunc ? f.call(receiver, t / rate, rate) : f(t);
        } catch (err) {
          v = NaN;
          if (errs++ === 0) {
            firstErr = err;
            firstErrT = t;
          }
        }
        if (typeof v === 'number') {
          o[i] = v;
          o[n + i] = v;
        } else {
          let a, b, x0, x1;
          if (isArray(v)) {
            a = v[0];
            b = v[1];
            stereo = 1;
          } else {
            a = b = v;
          }
          try { x1 = +b; } catch (err) { x1 = NaN; } // the player converts channel 1 first
          try { x0 = +a; } catch (err) { x0 = NaN; }
          o[i] = x0;
          o[n + i] = x1;
        }
      }
      return stereo;
    } finally {
      busy = false;
    }
  }

  // Constant `L ** R` (number literals and + - * / % only): V8 folds them while parsing,
  // with the same pow as at run time; the host replaces them by these literals.
  const indirectEval = eval;
  function lit(x) {
    if (x !== x) return '(0/0)';
    if (x === Infinity) return '(1/0)';
    if (x === -Infinity) return '(-1/0)';
    if (x === 0 && 1 / x < 0) return '(-0)';
    return '(' + String(x) + ')';
  }
  function fold(pairs) {
    if (powFn === null || busy) {
      return null;
    }
    const res = [];
    for (const [l, r] of JSON.parse(pairs)) {
      res.push(lit(powFn(indirectEval(`(${ l })`), indirectEval(`(${ r })`))));
    }
    return JSON.stringify(res);
  }

  const entry = freeze({
    fold,
    prepare,
    check,
    compile,
    fill,
    buffer: () => out.buffer,
    stats: () => JSON.stringify({
      errors: errs, randomCalls,
      firstError: errs ? `t=${ firstErrT }: ${ errorText(firstErr) }` : null
    })
  });
  defineProperty(G, cfg.entry, { value: entry, writable: false, enumerable: false, configurable: false });
  if (powFn !== null) {
    defineProperty(G, cfg.entry + '_pow', { value: powFn, writable: false, enumerable: false, configurable: false });
  }
  return JSON.stringify({ installed, pow: powFn !== null, math: getOwnPropertyNames(Math).length });
})
