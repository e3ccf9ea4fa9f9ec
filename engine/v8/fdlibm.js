// fdlibm.js: bit-exact JavaScript ports of the Math functions of V8 11.3
// (Node 20), i.e. V8's fdlibm port in src/base/ieee754.cc (fdlibm 5.3 /
// FreeBSD msun, Copyright (C) 1993 by Sun Microsystems, Inc., "Permission to
// use, copy, modify, and distribute this software is freely granted,
// provided that this notice is preserved").
//
// Plain ES2020 script, no imports. Evaluating it defines two globals:
//   FDLIBM               object with sin cos tan asin acos atan atan2 exp
//                        expm1 log log1p log2 log10 cbrt sinh cosh tanh
//                        asinh acosh atanh pow
//   installFdlibm(Math)  replaces those members of the given Math object.
// NOTE: installFdlibm cannot change the `**` operator; a host that needs
// bit-exact `**` must rewrite `a ** b` to `Math.pow(a, b)` itself.
// Bit access uses a little-endian Float64Array/Int32Array/Uint32Array view.
// The functions only use Math.sqrt/Math.abs/Math.floor (exact everywhere),
// captured when this file is evaluated.
/* eslint-disable no-var */
var FDLIBM = (function () {
  'use strict';
  const sqrt = Math.sqrt, fabs = Math.abs, floor = Math.floor;

  // ---- word access (little-endian) ------------------------------------
  const F = new Float64Array(1);
  const I = new Int32Array(F.buffer);
  const U = new Uint32Array(F.buffer);
  function HI(x) { F[0] = x; return I[1]; }            // signed high word
  function LO(x) { F[0] = x; return U[0]; }            // unsigned low word
  function W(hi, lo) { I[1] = hi; U[0] = lo; return F[0]; }
  function SETLO(x, lo) { F[0] = x; U[0] = lo; return F[0]; }
  function SETHI(x, hi) { F[0] = x; I[1] = hi; return F[0]; }

  const TWO1023 = W(0x7FE00000, 0);      // 2^1023
  const TWOM969 = W(0x03600000, 0);      // 2^-1022 * 2^53

  // scalbn(x, n) = x * 2^n, correctly rounded (musl's algorithm).
  function scalbn(x, n) {
    let y = x;
    if (n > 1023) {
      y *= TWO1023; n -= 1023;
      if (n > 1023) { y *= TWO1023; n -= 1023; if (n > 1023) n = 1023; }
    } else if (n < -1022) {
      y *= TWOM969; n += 1022 - 53;
      if (n < -1022) { y *= TWOM969; n += 1022 - 53; if (n < -1022) n = -1022; }
    }
    return y * W((0x3FF + n) << 20, 0);
  }

  // ---- argument reduction for trig -----------------------------------
  const two_over_pi = [
    0xA2F983, 0x6E4E44, 0x1529FC, 0x2757D1, 0xF534DD, 0xC0DB62, 0x95993C,
    0x439041, 0xFE5163, 0xABDEBB, 0xC561B7, 0x246E3A, 0x424DD2, 0xE00649,
    0x2EEA09, 0xD1921C, 0xFE1DEB, 0x1CB129, 0xA73EE8, 0x8235F5, 0x2EBB44,
    0x84E99C, 0x7026B4, 0x5F7E41, 0x3991D6, 0x398353, 0x39F49C, 0x845F8B,
    0xBDF928, 0x3B1FF8, 0x97FFDE, 0x05980F, 0xEF2F11, 0x8B5A0A, 0x6D1F6D,
    0x367ECF, 0x27CB09, 0xB74F46, 0x3F669E, 0x5FEA2D, 0x7527BA, 0xC7EBE5,
    0xF17B3D, 0x0739F7, 0x8A5292, 0xEA6BFB, 0x5FB11F, 0x8D5D08, 0x560330,
    0x46FC7B, 0x6BABF0, 0xCFBC20, 0x9AF436, 0x1DA9E3, 0x91615E, 0xE61B08,
    0x659985, 0x5F14A0, 0x68408D, 0xFFD880, 0x4D7327, 0x310606, 0x1556CA,
    0x73A8C9, 0x60E27B, 0xC08C6B,
  ];
  const npio2_hw = [
    0x3FF921FB, 0x400921FB, 0x4012D97C, 0x401921FB, 0x401F6A7A, 0x4022D97C,
    0x4025FDBB, 0x402921FB, 0x402C463A, 0x402F6A7A, 0x4031475C, 0x4032D97C,
    0x40346B9C, 0x4035FDBB, 0x40378FDB, 0x403921FB, 0x403AB41B, 0x403C463A,
    0x403DD85A, 0x403F6A7A, 0x40407E4C, 0x4041475C, 0x4042106C, 0x4042D97C,
    0x4043A28C, 0x40446B9C, 0x404534AC, 0x4045FDBB, 0x4046C6CB, 0x40478FDB,
    0x404858EB, 0x404921FB,
  ];
  const PIo2 = [
    1.57079625129699707031e+00, 7.54978941586159635335e-08,
    5.39030252995776476554e-15, 3.28200341580791294123e-22,
    1.27065575308067607349e-29, 1.22933308981111328932e-36,
    2.73370053816464559624e-44, 2.16741683877804819444e-51,
  ];
  const two24 = 1.67772160000000000000e+07, twon24 = 5.96046447753906250000e-08;

  const KR_iq = new Int32Array(20);
  const KR_f = new Float64Array(20), KR_fq = new Float64Array(20), KR_q = new Float64Array(20);

  // __kernel_rem_pio2 with prec = 2 (jk = 4), as called by V8.
  function kernel_rem_pio2(x, y, e0, nx) {
    const iq = KR_iq, f = KR_f, fq = KR_fq, q = KR_q;
    const jk = 4, jp = 4;
    let jz, jx, jv, carry, n, i, j, k, m, q0, ih, z, fw;
    jx = nx - 1;
    jv = ((e0 - 3) / 24) | 0;
    if (jv < 0) jv = 0;
    q0 = e0 - 24 * (jv + 1);
    j = jv - jx; m = jx + jk;
    for (i = 0; i <= m; i++, j++) f[i] = (j < 0) ? 0.0 : two_over_pi[j];
    for (i = 0; i <= jk; i++) {
      for (j = 0, fw = 0.0; j <= jx; j++) fw += x[j] * f[jx + i - j];
      q[i] = fw;
    }
    jz = jk;
    for (;;) { // recompute:
      for (i = 0, j = jz, z = q[jz]; j > 0; i++, j--) {
        fw = (twon24 * z) | 0;
        iq[i] = (z - two24 * fw) | 0;
        z = q[j - 1] + fw;
      }
      z = scalbn(z, q0);
      z -= 8.0 * floor(z * 0.125);
      n = z | 0;
      z -= n;
      ih = 0;
      if (q0 > 0) {
        i = iq[jz - 1] >> (24 - q0);
        n += i;
        iq[jz - 1] -= i << (24 - q0);
        ih = iq[jz - 1] >> (23 - q0);
      } else if (q0 === 0) {
        ih = iq[jz - 1] >> 23;
      } else if (z >= 0.5) {
        ih = 2;
      }
      if (ih > 0) {
        n += 1;
        carry = 0;
        for (i = 0; i < jz; i++) {
          j = iq[i];
          if (carry === 0) {
            if (j !== 0) { carry = 1; iq[i] = 0x1000000 - j; }
          } else {
            iq[i] = 0xFFFFFF - j;
          }
        }
        if (q0 > 0) {
          if (q0 === 1) iq[jz - 1] &= 0x7FFFFF;
          else if (q0 === 2) iq[jz - 1] &= 0x3FFFFF;
        }
        if (ih === 2) {
          z = 1.0 - z;
          if (carry !== 0) z -= scalbn(1.0, q0);
        }
      }
      if (z === 0) {
        j = 0;
        for (i = jz - 1; i >= jk; i--) j |= iq[i];
        if (j === 0) {
          for (k = 1; jk >= k && iq[jk - k] === 0; k++) { /* count */ }
          for (i = jz + 1; i <= jz + k; i++) {
            f[jx + i] = two_over_pi[jv + i];
            for (j = 0, fw = 0.0; j <= jx; j++) fw += x[j] * f[jx + i - j];
            q[i] = fw;
          }
          jz += k;
          continue;
        }
      }
      break;
    }
    if (z === 0.0) {
      jz -= 1; q0 -= 24;
      while (iq[jz] === 0) { jz--; q0 -= 24; }
    } else {
      z = scalbn(z, -q0);
      if (z >= two24) {
        fw = (twon24 * z) | 0;
        iq[jz] = (z - two24 * fw) | 0;
        jz += 1; q0 += 24;
        iq[jz] = fw | 0;
      } else {
        iq[jz] = z | 0;
      }
    }
    fw = scalbn(1.0, q0);
    for (i = jz; i >= 0; i--) { q[i] = fw * iq[i]; fw *= twon24; }
    for (i = jz; i >= 0; i--) {
      for (fw = 0.0, k = 0; k <= jp && k <= jz - i; k++) fw += PIo2[k] * q[i + k];
      fq[jz - i] = fw;
    }
    fw = 0.0;
    for (i = jz; i >= 0; i--) fw += fq[i];
    y[0] = (ih === 0) ? fw : -fw;
    fw = fq[0] - fw;
    for (i = 1; i <= jz; i++) fw += fq[i];
    y[1] = (ih === 0) ? fw : -fw;
    return n & 7;
  }

  const invpio2 = 6.36619772367581382433e-01,
    pio2_1 = 1.57079632673412561417e+00, pio2_1t = 6.07710050650619224932e-11,
    pio2_2 = 6.07710050630396597660e-11, pio2_2t = 2.02226624879595063154e-21,
    pio2_3 = 2.02226624871116645580e-21, pio2_3t = 8.47842766036889956997e-32;
  const Y = new Float64Array(2);
  const TX = new Float64Array(3);

  // __ieee754_rem_pio2: returns n, remainder in Y[0] + Y[1].
  function rem_pio2(x) {
    let z, w, t, r, fn, e0, i, j, nx, n, high;
    const hx = HI(x), ix = hx & 0x7FFFFFFF;
    if (ix <= 0x3FE921FB) { Y[0] = x; Y[1] = 0; return 0; }
    if (ix < 0x4002D97C) {
      if (hx > 0) {
        z = x - pio2_1;
        if (ix !== 0x3FF921FB) {
          Y[0] = z - pio2_1t; Y[1] = (z - Y[0]) - pio2_1t;
        } else {
          z -= pio2_2; Y[0] = z - pio2_2t; Y[1] = (z - Y[0]) - pio2_2t;
        }
        return 1;
      } else {
        z = x + pio2_1;
        if (ix !== 0x3FF921FB) {
          Y[0] = z + pio2_1t; Y[1] = (z - Y[0]) + pio2_1t;
        } else {
          z += pio2_2; Y[0] = z + pio2_2t; Y[1] = (z - Y[0]) + pio2_2t;
        }
        return -1;
      }
    }
    if (ix <= 0x413921FB) {
      t = fabs(x);
      n = (t * invpio2 + 0.5) | 0;
      fn = n;
      r = t - fn * pio2_1;
      w = fn * pio2_1t;
      if (n < 32 && ix !== npio2_hw[n - 1]) {
        Y[0] = r - w;
      } else {
        j = ix >> 20;
        Y[0] = r - w;
        high = HI(Y[0]);
        i = j - ((high >> 20) & 0x7FF);
        if (i > 16) {
          t = r; w = fn * pio2_2; r = t - w;
          w = fn * pio2_2t - ((t - r) - w);
          Y[0] = r - w;
          high = HI(Y[0]);
          i = j - ((high >> 20) & 0x7FF);
          if (i > 49) {
            t = r; w = fn * pio2_3; r = t - w;
            w = fn * pio2_3t - ((t - r) - w);
            Y[0] = r - w;
          }
        }
      }
      Y[1] = (r - Y[0]) - w;
      if (hx < 0) { Y[0] = -Y[0]; Y[1] = -Y[1]; return -n; }
      return n;
    }
    if (ix >= 0x7FF00000) { Y[0] = Y[1] = x - x; return 0; }
    e0 = (ix >> 20) - 1046;
    z = W(ix - (e0 << 20), LO(x));
    for (i = 0; i < 2; i++) {
      TX[i] = z | 0;
      z = (z - TX[i]) * two24;
    }
    TX[2] = z;
    nx = 3;
    while (TX[nx - 1] === 0) nx--;
    n = kernel_rem_pio2(TX, Y, e0, nx);
    if (hx < 0) { Y[0] = -Y[0]; Y[1] = -Y[1]; return -n; }
    return n;
  }

  // ---- trig kernels ---------------------------------------------------
  const C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
    C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
    C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
  function kernel_cos(x, y) {
    let iz, z, r, qx;
    const ix = HI(x) & 0x7FFFFFFF;
    if (ix < 0x3E400000) {
      if ((x | 0) === 0) return 1.0;
    }
    z = x * x;
    r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
    if (ix < 0x3FD33333) return 1.0 - (0.5 * z - (z * r - x * y));
    if (ix > 0x3FE90000) qx = 0.28125;
    else qx = W(ix - 0x00200000, 0);
    iz = 0.5 * z - qx;
    return (1.0 - qx) - (iz - (z * r - x * y));
  }

  const S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
    S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
    S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
  function kernel_sin(x, y, iy) {
    const ix = HI(x) & 0x7FFFFFFF;
    if (ix < 0x3E400000) {
      if ((x | 0) === 0) return x;
    }
    const z = x * x, v = z * x;
    const r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
    if (iy === 0) return x + v * (S1 + z * r);
    return x - ((z * (0.5 * y - v * r) - y) - v * S1);
  }

  const T = [
    3.33333333333334091986e-01, 1.33333333333201242699e-01,
    5.39682539762260521377e-02, 2.18694882948595424599e-02,
    8.86323982359930005737e-03, 3.59207910759131235356e-03,
    1.45620945432529025516e-03, 5.88041240820264096874e-04,
    2.46463134818469906812e-04, 7.81794442939557092300e-05,
    7.14072491382608190305e-05, -1.85586374855275456654e-05,
    2.59073051863633712884e-05,
  ];
  const pio4 = 7.85398163397448278999e-01, pio4lo = 3.06161699786838301793e-17;
  function kernel_tan(x, y, iy) {
    let z, r, v, w, s, a, t;
    const hx = HI(x), ix = hx & 0x7FFFFFFF;
    if (ix < 0x3E300000) {
      if ((x | 0) === 0) {
        const low = LO(x);
        if (((ix | low) | (iy + 1)) === 0) return 1.0 / fabs(x);
        if (iy === 1) return x;
        z = w = x + y;
        z = SETLO(z, 0);
        v = y - (z - x);
        t = a = -1.0 / w;
        t = SETLO(t, 0);
        s = 1.0 + t * z;
        return t + a * (s + t * v);
      }
    }
    if (ix >= 0x3FE59428) {
      if (hx < 0) { x = -x; y = -y; }
      z = pio4 - x;
      w = pio4lo - y;
      x = z + w;
      y = 0.0;
    }
    z = x * x;
    w = z * z;
    r = T[1] + w * (T[3] + w * (T[5] + w * (T[7] + w * (T[9] + w * T[11]))));
    v = z * (T[2] + w * (T[4] + w * (T[6] + w * (T[8] + w * (T[10] + w * T[12])))));
    s = z * x;
    r = y + z * (s * (r + v) + y);
    r += T[0] * s;
    w = x + r;
    if (ix >= 0x3FE59428) {
      v = iy;
      return (1 - ((hx >> 30) & 2)) * (v - 2.0 * (x - (w * w / (w + v) - r)));
    }
    if (iy === 1) return w;
    z = SETLO(w, 0);
    v = r - (z - x);
    t = a = -1.0 / w;
    t = SETLO(t, 0);
    s = 1.0 + t * z;
    return t + a * (s + t * v);
  }

  function sin(x) {
    x = +x;
    const ix = HI(x) & 0x7FFFFFFF;
    if (ix <= 0x3FE921FB) return kernel_sin(x, 0.0, 0);
    if (ix >= 0x7FF00000) return x - x;
    const n = rem_pio2(x);
    switch (n & 3) {
      case 0: return kernel_sin(Y[0], Y[1], 1);
      case 1: return kernel_cos(Y[0], Y[1]);
      case 2: return -kernel_sin(Y[0], Y[1], 1);
      default: return -kernel_cos(Y[0], Y[1]);
    }
  }

  function cos(x) {
    x = +x;
    const ix = HI(x) & 0x7FFFFFFF;
    if (ix <= 0x3FE921FB) return kernel_cos(x, 0.0);
    if (ix >= 0x7FF00000) return x - x;
    const n = rem_pio2(x);
    switch (n & 3) {
      case 0: return kernel_cos(Y[0], Y[1]);
      case 1: return -kernel_sin(Y[0], Y[1], 1);
      case 2: return -kernel_cos(Y[0], Y[1]);
      default: return kernel_sin(Y[0], Y[1], 1);
    }
  }

  function tan(x) {
    x = +x;
    const ix = HI(x) & 0x7FFFFFFF;
    if (ix <= 0x3FE921FB) return kernel_tan(x, 0.0, 1);
    if (ix >= 0x7FF00000) return x - x;
    const n = rem_pio2(x);
    return kernel_tan(Y[0], Y[1], 1 - ((n & 1) << 1));
  }

  // ---- inverse trig ---------------------------------------------------
  const pi = 3.14159265358979311600e+00,
    pio2_hi = 1.57079632679489655800e+00, pio2_lo = 6.12323399573676603587e-17,
    pio4_hi = 7.85398163397448278999e-01,
    pS0 = 1.66666666666666657415e-01, pS1 = -3.25565818622400915405e-01,
    pS2 = 2.01212532134862925881e-01, pS3 = -4.00555345006794114027e-02,
    pS4 = 7.91534994289814532176e-04, pS5 = 3.47933107596021167570e-05,
    qS1 = -2.40339491173441421878e+00, qS2 = 2.02094576023350569471e+00,
    qS3 = -6.88283971605453293030e-01, qS4 = 7.70381505559019352791e-02;

  function acos(x) {
    x = +x;
    let z, p, q, r, w, s, c, df;
    const hx = HI(x), ix = hx & 0x7FFFFFFF;
    if (ix >= 0x3FF00000) {
      if (((ix - 0x3FF00000) | LO(x)) === 0) {
        return hx > 0 ? 0.0 : pi + 2.0 * pio2_lo;
      }
      return NaN;
    }
    if (ix < 0x3FE00000) {
      if (ix <= 0x3C600000) return pio2_hi + pio2_lo;
      z = x * x;
      p = z * (pS0 + z * (pS1 + z * (pS2 + z * (pS3 + z * (pS4 + z * pS5)))));
      q = 1.0 + z * (qS1 + z * (qS2 + z * (qS3 + z * qS4)));
      r = p / q;
      return pio2_hi - (x - (pio2_lo - x * r));
    } else if (hx < 0) {
      z = (1.0 + x) * 0.5;
      p = z * (pS0 + z * (pS1 + z * (pS2 + z * (pS3 + z * (pS4 + z * pS5)))));
      q = 1.0 + z * (qS1 + z * (qS2 + z * (qS3 + z * qS4)));
      s = sqrt(z);
      r = p / q;
      w = r * s - pio2_lo;
      return pi - 2.0 * (s + w);
    }
    z = (1.0 - x) * 0.5;
    s = sqrt(z);
    df = SETLO(s, 0);
    c = (z - df * df) / (s + df);
    p = z * (pS0 + z * (pS1 + z * (pS2 + z * (pS3 + z * (pS4 + z * pS5)))));
    q = 1.0 + z * (qS1 + z * (qS2 + z * (qS3 + z * qS4)));
    r = p / q;
    w = r * s + c;
    return 2.0 * (df + w);
  }

  function asin(x) {
    x = +x;
    let t = 0, w, p, q, c, r, s;
    const hx = HI(x), ix = hx & 0x7FFFFFFF;
    if (ix >= 0x3FF00000) {
      if (((ix - 0x3FF00000) | LO(x)) === 0) return x * pio2_hi + x * pio2_lo;
      return NaN;
    } else if (ix < 0x3FE00000) {
      if (ix < 0x3E400000) {
        if (1.0e300 + x > 1.0) return x;
      } else {
        t = x * x;
      }
      p = t * (pS0 + t * (pS1 + t * (pS2 + t * (pS3 + t * (pS4 + t * pS5)))));
      q = 1.0 + t * (qS1 + t * (qS2 + t * (qS3 + t * qS4)));
      w = p / q;
      return x + x * w;
    }
    w = 1.0 - fabs(x);
    t = w * 0.5;
    p = t * (pS0 + t * (pS1 + t * (pS2 + t * (pS3 + t * (pS4 + t * pS5)))));
    q = 1.0 + t * (qS1 + t * (qS2 + t * (qS3 + t * qS4)));
    s = sqrt(t);
    if (ix >= 0x3FEF3333) {
      w = p / q;
      t = pio2_hi - (2.0 * (s + s * w) - pio2_lo);
    } else {
      w = SETLO(s, 0);
      c = (t - w * w) / (s + w);
      r = p / q;
      p = 2.0 * s * r - (pio2_lo - 2.0 * c);
      q = pio4_hi - 2.0 * w;
      t = pio4_hi - (p - q);
    }
    return hx > 0 ? t : -t;
  }

  const atanhi = [4.63647609000806093515e-01, 7.85398163397448278999e-01,
    9.82793723247329054082e-01, 1.57079632679489655800e+00];
  const atanlo = [2.26987774529616870924e-17, 3.06161699786838301793e-17,
    1.39033110312309984516e-17, 6.12323399573676603587e-17];
  const aT = [
    3.33333333333329318027e-01, -1.99999999998764832476e-01,
    1.42857142725034663711e-01, -1.11111104054623557880e-01,
    9.09088713343650656196e-02, -7.69187620504482999495e-02,
    6.66107313738753120669e-02, -5.83357013379057348645e-02,
    4.97687799461593236017e-02, -3.65315727442169155270e-02,
    1.62858201153657823623e-02,
  ];

  function atan(x) {
    x = +x;
    let w, s1, s2, z, id;
    const hx = HI(x), ix = hx & 0x7FFFFFFF;
    if (ix >= 0x44100000) {
      const low = LO(x);
      if (ix > 0x7FF00000 || (ix === 0x7FF00000 && low !== 0)) return x + x;
      return hx > 0 ? atanhi[3] + atanlo[3] : -atanhi[3] - atanlo[3];
    }
    if (ix < 0x3FDC0000) {
      if (ix < 0x3E400000) {
        if (1.0e300 + x > 1.0) return x;
      }
      id = -1;
    } else {
      x = fabs(x);
      if (ix < 0x3FF30000) {
        if (ix < 0x3FE60000) { id = 0; x = (2.0 * x - 1.0) / (2.0 + x); }
        else { id = 1; x = (x - 1.0) / (x + 1.0); }
      } else if (ix < 0x40038000) {
        id = 2; x = (x - 1.5) / (1.0 + 1.5 * x);
      } else {
        id = 3; x = -1.0 / x;
      }
    }
    z = x * x;
    w = z * z;
    s1 = z * (aT[0] + w * (aT[2] + w * (aT[4] + w * (aT[6] + w * (aT[8] + w * aT[10])))));
    s2 = w * (aT[1] + w * (aT[3] + w * (aT[5] + w * (aT[7] + w * aT[9]))));
    if (id < 0) return x - x * (s1 + s2);
    z = atanhi[id] - ((x * (s1 + s2) - atanlo[id]) - x);
    return hx < 0 ? -z : z;
  }

  const tiny = 1.0e-300, pi_o_4 = 7.8539816339744827900E-01,
    pi_o_2 = 1.5707963267948965580E+00, pi_lo = 1.2246467991473531772E-16;

  function atan2(y, x) {
    y = +y; x = +x;
    let z, m;
    const hx = HI(x), lx = LO(x), ix = hx & 0x7FFFFFFF;
    const hy = HI(y), ly = LO(y), iy = hy & 0x7FFFFFFF;
    if ((ix | (lx !== 0 ? 1 : 0)) > 0x7FF00000 || (iy | (ly !== 0 ? 1 : 0)) > 0x7FF00000) {
      return x + y;
    }
    if (((hx - 0x3FF00000) | lx) === 0) return atan(y);
    m = ((hy >> 31) & 1) | ((hx >> 30) & 2);
    if ((iy | ly) === 0) {
      switch (m) {
        case 0: case 1: return y;
        case 2: return pi + tiny;
        default: return -pi - tiny;
      }
    }
    if ((ix | lx) === 0) return hy < 0 ? -pi_o_2 - tiny : pi_o_2 + tiny;
    if (ix === 0x7FF00000) {
      if (iy === 0x7FF00000) {
        switch (m) {
          case 0: return pi_o_4 + tiny;
          case 1: return -pi_o_4 - tiny;
          case 2: return 3.0 * pi_o_4 + tiny;
          default: return -3.0 * pi_o_4 - tiny;
        }
      } else {
        switch (m) {
          case 0: return 0.0;
          case 1: return -0.0;
          case 2: return pi + tiny;
          default: return -pi - tiny;
        }
      }
    }
    if (iy === 0x7FF00000) return hy < 0 ? -pi_o_2 - tiny : pi_o_2 + tiny;
    const k = (iy - ix) >> 20;
    if (k > 60) {
      z = pi_o_2 + 0.5 * pi_lo;
      m &= 1;
    } else if (hx < 0 && k < -60) {
      z = 0.0;
    } else {
      z = atan(fabs(y / x));
    }
    switch (m) {
      case 0: return z;
      case 1: return -z;
      case 2: return pi - (z - pi_lo);
      default: return (z - pi_lo) - pi;
    }
  }

  // ---- exp / expm1 ----------------------------------------------------
  const o_threshold = 7.09782712893383973096e+02,
    u_threshold = -7.45133219101941108420e+02,
    ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10,
    invln2 = 1.44269504088896338700e+00,
    P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03,
    P3 = 6.61375632143793436117e-05, P4 = -1.65339022054652515390e-06,
    P5 = 4.13813679705723846039e-08, E = 2.718281828459045,
    huge = 1.0e+300, twom1000 = 9.33263618503218878990e-302,
    two1023 = 8.988465674311579539e307;

  function exp(x) {
    x = +x;
    let y, hi = 0.0, lo = 0.0, c, t, twopk, k = 0;
    let hx = HI(x);
    const xsb = (hx >> 31) & 1;
    hx &= 0x7FFFFFFF;
    if (hx >= 0x40862E42) {
      if (hx >= 0x7FF00000) {
        if (((hx & 0xFFFFF) | LO(x)) !== 0) return x + x;
        return xsb === 0 ? x : 0.0;
      }
      if (x > o_threshold) return huge * huge;
      if (x < u_threshold) return twom1000 * twom1000;
    }
    if (hx > 0x3FD62E42) {
      if (hx < 0x3FF0A2B2) {
        if (x === 1.0) return E;
        if (xsb === 0) { hi = x - ln2_hi; lo = ln2_lo; k = 1; }
        else { hi = x + ln2_hi; lo = -ln2_lo; k = -1; }
      } else {
        k = (invln2 * x + (xsb === 0 ? 0.5 : -0.5)) | 0;
        t = k;
        hi = x - t * ln2_hi;
        lo = t * ln2_lo;
      }
      x = hi - lo;
    } else if (hx < 0x3E300000) {
      if (huge + x > 1.0) return 1.0 + x;
    } else {
      k = 0;
    }
    t = x * x;
    if (k >= -1021) twopk = W(0x3FF00000 + (k << 20), 0);
    else twopk = W(0x3FF00000 + ((k + 1000) << 20), 0);
    c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    if (k === 0) return 1.0 - ((x * c) / (c - 2.0) - x);
    y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
    if (k >= -1021) {
      if (k === 1024) return y * 2.0 * two1023;
      return y * twopk;
    }
    return y * twopk * twom1000;
  }

  const Q1 = -3.33333333333331316428e-02, Q2 = 1.58730158725481460165e-03,
    Q3 = -7.93650757867487942473e-05, Q4 = 4.00821782732936239552e-06,
    Q5 = -2.01099218183624371326e-07;

  function expm1(x) {
    x = +x;
    let y, hi, lo, c = 0, t, e, hxs, hfx, r1, twopk, k;
    let hx = HI(x);
    const xsb = hx & 0x80000000;   // nonzero (negative int) for x < 0
    hx &= 0x7FFFFFFF;
    if (hx >= 0x4043687A) {
      if (hx >= 0x40862E42) {
        if (hx >= 0x7FF00000) {
          if (((hx & 0xFFFFF) | LO(x)) !== 0) return x + x;
          return xsb === 0 ? x : -1.0;
        }
        if (x > o_threshold) return huge * huge;
      }
      if (xsb !== 0) {
        if (x + tiny < 0.0) return tiny - 1.0;
      }
    }
    if (hx > 0x3FD62E42) {
      if (hx < 0x3FF0A2B2) {
        if (xsb === 0) { hi = x - ln2_hi; lo = ln2_lo; k = 1; }
        else { hi = x + ln2_hi; lo = -ln2_lo; k = -1; }
      } else {
        k = (invln2 * x + (xsb === 0 ? 0.5 : -0.5)) | 0;
        t = k;
        hi = x - t * ln2_hi;
        lo = t * ln2_lo;
      }
      x = hi - lo;
      c = (hi - x) - lo;
    } else if (hx < 0x3C900000) {
      t = huge + x;
      return x - (t - (huge + x));
    } else {
      k = 0;
    }
    hfx = 0.5 * x;
    hxs = x * hfx;
    r1 = 1.0 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
    t = 3.0 - r1 * hfx;
    e = hxs * ((r1 - t) / (6.0 - x * t));
    if (k === 0) return x - (x * e - hxs);
    twopk = W(0x3FF00000 + (k << 20), 0);
    e = (x * (e - c) - c);
    e -= hxs;
    if (k === -1) return 0.5 * (x - e) - 0.5;
    if (k === 1) {
      if (x < -0.25) return -2.0 * (e - (x + 0.5));
      return 1.0 + 2.0 * (x - e);
    }
    if (k <= -2 || k > 56) {
      y = 1.0 - (e - x);
      if (k === 1024) y = y * 2.0 * 8.98846567431158e+307;
      else y = y * twopk;
      return y - 1.0;
    }
    if (k < 20) {
      t = W(0x3FF00000 - (0x200000 >> k), 0);
      y = t - (e - x);
      y = y * twopk;
    } else {
      t = W((0x3FF - k) << 20, 0);
      y = x - (e + t);
      y += 1.0;
      y = y * twopk;
    }
    return y;
  }

  // ---- logarithms -----------------------------------------------------
  const two54 = 1.80143985094819840000e+16,
    Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
    Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
    Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
    Lg7 = 1.479819860511658591e-01;

  function log(x) {
    x = +x;
    let hfsq, f, s, z, R, w, t1, t2, dk, i, j, k = 0;
    let hx = HI(x);
    const lx = LO(x);
    if (hx < 0x00100000) {
      if (((hx & 0x7FFFFFFF) | lx) === 0) return -Infinity;
      if (hx < 0) return NaN;
      k -= 54;
      x *= two54;
      hx = HI(x);
    }
    if (hx >= 0x7FF00000) return x + x;
    k += (hx >> 20) - 1023;
    hx &= 0x000FFFFF;
    i = (hx + 0x95F64) & 0x100000;
    x = SETHI(x, hx | (i ^ 0x3FF00000));
    k += (i >> 20);
    f = x - 1.0;
    if ((0x000FFFFF & (2 + hx)) < 3) {
      if (f === 0) {
        if (k === 0) return 0.0;
        dk = k;
        return dk * ln2_hi + dk * ln2_lo;
      }
      R = f * f * (0.5 - 0.33333333333333333 * f);
      if (k === 0) return f - R;
      dk = k;
      return dk * ln2_hi - ((R - dk * ln2_lo) - f);
    }
    s = f / (2.0 + f);
    dk = k;
    z = s * s;
    i = hx - 0x6147A;
    w = z * z;
    j = 0x6B851 - hx;
    t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    i |= j;
    R = t2 + t1;
    if (i > 0) {
      hfsq = 0.5 * f * f;
      if (k === 0) return f - (hfsq - s * (hfsq + R));
      return dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
    }
    if (k === 0) return f - s * (f - R);
    return dk * ln2_hi - ((s * (f - R) - dk * ln2_lo) - f);
  }

  function log1p(x) {
    x = +x;
    let hfsq, f = 0, c = 0, s, z, R, u, k, hu = 0;
    const hx = HI(x), ax = hx & 0x7FFFFFFF;
    k = 1;
    if (hx < 0x3FDA827A) {
      if (ax >= 0x3FF00000) {
        if (x === -1.0) return -Infinity;
        return NaN;
      }
      if (ax < 0x3E200000) {
        if (two54 + x > 0 && ax < 0x3C900000) return x;
        return x - x * x * 0.5;
      }
      if (hx > 0 || hx <= (0xBFD2BEC4 | 0)) { k = 0; f = x; hu = 1; }
    }
    if (hx >= 0x7FF00000) return x + x;
    if (k !== 0) {
      if (hx < 0x43400000) {
        u = 1.0 + x;
        hu = HI(u);
        k = (hu >> 20) - 1023;
        c = (k > 0) ? 1.0 - (u - x) : x - (u - 1.0);
        c /= u;
      } else {
        u = x;
        hu = HI(u);
        k = (hu >> 20) - 1023;
        c = 0;
      }
      hu &= 0x000FFFFF;
      if (hu < 0x6A09E) {
        u = SETHI(u, hu | 0x3FF00000);
      } else {
        k += 1;
        u = SETHI(u, hu | 0x3FE00000);
        hu = (0x00100000 - hu) >> 2;
      }
      f = u - 1.0;
    }
    hfsq = 0.5 * f * f;
    if (hu === 0) {
      if (f === 0) {
        if (k === 0) return 0.0;
        c += k * ln2_lo;
        return k * ln2_hi + c;
      }
      R = hfsq * (1.0 - 0.66666666666666666 * f);
      if (k === 0) return f - R;
      return k * ln2_hi - ((R - (k * ln2_lo + c)) - f);
    }
    s = f / (2.0 + f);
    z = s * s;
    R = z * (Lg1 + z * (Lg2 + z * (Lg3 + z * (Lg4 + z * (Lg5 + z * (Lg6 + z * Lg7))))));
    if (k === 0) return f - (hfsq - s * (hfsq + R));
    return k * ln2_hi - ((hfsq - (s * (hfsq + R) + (k * ln2_lo + c))) - f);
  }

  function k_log1p(f) {
    const s = f / (2.0 + f), z = s * s, w = z * z;
    const t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    const t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    const R = t2 + t1, hfsq = 0.5 * f * f;
    return s * (hfsq + R);
  }

  const ivln2hi = 1.44269504072144627571e+00, ivln2lo = 1.67517131648865118353e-10;

  function log2(x) {
    x = +x;
    let f, hfsq, hi, lo, r, val_hi, val_lo, w, y, i, k = 0;
    let hx = HI(x);
    const lx = LO(x);
    if (hx < 0x00100000) {
      if (((hx & 0x7FFFFFFF) | lx) === 0) return -Infinity;
      if (hx < 0) return NaN;
      k -= 54;
      x *= two54;
      hx = HI(x);
    }
    if (hx >= 0x7FF00000) return x + x;
    if (hx === 0x3FF00000 && lx === 0) return 0.0;
    k += (hx >> 20) - 1023;
    hx &= 0x000FFFFF;
    i = (hx + 0x95F64) & 0x100000;
    x = SETHI(x, hx | (i ^ 0x3FF00000));
    k += (i >> 20);
    y = k;
    f = x - 1.0;
    hfsq = 0.5 * f * f;
    r = k_log1p(f);
    hi = f - hfsq;
    hi = SETLO(hi, 0);
    lo = (f - hi) - hfsq + r;
    val_hi = hi * ivln2hi;
    val_lo = (lo + hi) * ivln2lo + lo * ivln2hi;
    w = y + val_hi;
    val_lo += (y - w) + val_hi;
    val_hi = w;
    return val_lo + val_hi;
  }

  const ivln10 = 4.34294481903251816668e-01,
    log10_2hi = 3.01029995663611771306e-01, log10_2lo = 3.69423907715893078616e-13;

  function log10(x) {
    x = +x;
    let y, i, k = 0;
    let hx = HI(x), lx = LO(x);
    if (hx < 0x00100000) {
      if (((hx & 0x7FFFFFFF) | lx) === 0) return -Infinity;
      if (hx < 0) return NaN;
      k -= 54;
      x *= two54;
      hx = HI(x);
      lx = LO(x);
    }
    if (hx >= 0x7FF00000) return x + x;
    if (hx === 0x3FF00000 && lx === 0) return 0.0;
    k += (hx >> 20) - 1023;
    i = k < 0 ? 1 : 0;
    hx = (hx & 0x000FFFFF) | ((0x3FF - i) << 20);
    y = k + i;
    x = W(hx, lx);
    const z = y * log10_2lo + ivln10 * log(x);
    return z + y * log10_2hi;
  }

  // ---- cbrt -----------------------------------------------------------
  const B1 = 715094163, B2 = 696219795,
    CP0 = 1.87595182427177009643, CP1 = -1.88497979543377169875,
    CP2 = 1.621429720105354466140, CP3 = -0.758397934778766047437,
    CP4 = 0.145996192886612446982;

  function cbrt(x) {
    x = +x;
    let r, s, t = 0.0, w;
    let hx = HI(x);
    const low = LO(x);
    const sign = hx & 0x80000000;
    hx ^= sign;
    if (hx >= 0x7FF00000) return x + x;
    if (hx < 0x00100000) {
      if ((hx | low) === 0) return x;
      t = W(0x43500000, 0);
      t *= x;
      const high = HI(t) & 0x7FFFFFFF;
      t = W(sign | (((high / 3) | 0) + B2), 0);
    } else {
      t = W(sign | (((hx / 3) | 0) + B1), 0);
    }
    r = (t * t) * (t / x);
    t = t * ((CP0 + r * (CP1 + r * CP2)) + ((r * r) * r) * (CP3 + r * CP4));
    // u.bits = (u.bits + 0x80000000) & 0xFFFFFFFFC0000000
    let hi = HI(t), lo = LO(t) + 0x80000000;
    if (lo > 0xFFFFFFFF) { lo -= 0x100000000; hi = (hi + 1) | 0; }
    t = W(hi, lo & 0xC0000000);
    s = t * t;
    r = x / s;
    w = t + t;
    r = (r - t) / (w + r);
    t = t + t * r;
    return t;
  }

  // ---- hyperbolic -----------------------------------------------------
  const KOVF = 710.4758600739439;

  function cosh(x) {
    x = +x;
    const ix = HI(x) & 0x7FFFFFFF;
    if (ix < 0x3FD62E43) {
      const t = expm1(fabs(x));
      const w = 1.0 + t;
      if (ix < 0x3C800000) return w;
      return 1.0 + (t * t) / (w + w);
    }
    if (ix < 0x40360000) {
      const t = exp(fabs(x));
      return 0.5 * t + 0.5 / t;
    }
    if (ix < 0x40862E42) return 0.5 * exp(fabs(x));
    if (fabs(x) <= KOVF) {
      const w = exp(0.5 * fabs(x));
      const t = 0.5 * w;
      return t * w;
    }
    if (ix >= 0x7FF00000) return x * x;
    return huge * huge;
  }

  const TWO_M28 = 3.725290298461914e-9, LOG_MAXD = 709.7822265625;

  function sinh(x) {
    x = +x;
    const h = (x < 0) ? -0.5 : 0.5;
    const ax = fabs(x);
    if (ax < 22) {
      if (ax < TWO_M28) return x;
      const t = expm1(ax);
      if (ax < 1) return h * (2 * t - t * t / (t + 1));
      return h * (t + t / (t + 1));
    }
    if (ax < LOG_MAXD) return h * exp(ax);
    if (ax <= KOVF) {
      const w = exp(0.5 * ax);
      const t = h * w;
      return t * w;
    }
    return x * 1.0e307;
  }

  function tanh(x) {
    x = +x;
    let t, z;
    const jx = HI(x), ix = jx & 0x7FFFFFFF;
    if (ix >= 0x7FF00000) {
      if (jx >= 0) return 1.0 / x + 1.0;
      return 1.0 / x - 1.0;
    }
    if (ix < 0x40360000) {
      if (ix < 0x3E300000) {
        if (huge + x > 1.0) return x;
      }
      if (ix >= 0x3FF00000) {
        t = expm1(2.0 * fabs(x));
        z = 1.0 - 2.0 / (t + 2.0);
      } else {
        t = expm1(-2.0 * fabs(x));
        z = -t / (t + 2.0);
      }
    } else {
      z = 1.0 - tiny;
    }
    return jx >= 0 ? z : -z;
  }

  const ln2 = 6.93147180559945286227e-01;

  function asinh(x) {
    x = +x;
    let t, w;
    const hx = HI(x), ix = hx & 0x7FFFFFFF;
    if (ix >= 0x7FF00000) return x + x;
    if (ix < 0x3E300000) {
      if (huge + x > 1.0) return x;
    }
    if (ix > 0x41B00000) {
      w = log(fabs(x)) + ln2;
    } else if (ix > 0x40000000) {
      t = fabs(x);
      w = log(2.0 * t + 1.0 / (sqrt(x * x + 1.0) + t));
    } else {
      t = x * x;
      w = log1p(fabs(x) + t / (1.0 + sqrt(1.0 + t)));
    }
    return hx > 0 ? w : -w;
  }

  function acosh(x) {
    x = +x;
    let t;
    const hx = HI(x), lx = LO(x);
    if (hx < 0x3FF00000) return NaN;
    if (hx >= 0x41B00000) {
      if (hx >= 0x7FF00000) return x + x;
      return log(x) + ln2;
    }
    if (((hx - 0x3FF00000) | lx) === 0) return 0.0;
    if (hx > 0x40000000) {
      t = x * x;
      return log(2.0 * x - 1.0 / (x + sqrt(t - 1.0)));
    }
    t = x - 1.0;
    return log1p(t + sqrt(2.0 * t + t * t));
  }

  function atanh(x) {
    x = +x;
    let t;
    const hx = HI(x), lx = LO(x), ix = hx & 0x7FFFFFFF;
    if ((ix | (lx !== 0 ? 1 : 0)) > 0x3FF00000) return NaN;
    if (ix === 0x3FF00000) return x > 0 ? Infinity : -Infinity;
    if (ix < 0x3E300000 && (huge + x) > 0) return x;
    x = SETHI(x, ix);
    if (ix < 0x3FE00000) {
      t = x + x;
      t = 0.5 * log1p(t + t * x / (1.0 - x));
    } else {
      t = 0.5 * log1p((x + x) / (1.0 - x));
    }
    return hx >= 0 ? t : -t;
  }

  // ---- pow ------------------------------------------------------------
  const bp = [1.0, 1.5], dp_h = [0.0, 5.84962487220764160156e-01],
    dp_l = [0.0, 1.35003920212974897128e-08], two53 = 9007199254740992.0,
    L1 = 5.99999999999994648725e-01, L2 = 4.28571428578550184252e-01,
    L3 = 3.33333329818377432918e-01, L4 = 2.72728123808534006489e-01,
    L5 = 2.30660745775561754067e-01, L6 = 2.06975017800338417784e-01,
    lg2 = 6.93147180559945286227e-01, lg2_h = 6.93147182464599609375e-01,
    lg2_l = -1.90465429995776804525e-09, ovt = 8.0085662595372944372e-0017,
    cp = 9.61796693925975554329e-01, cp_h = 9.61796700954437255859e-01,
    cp_l = -7.02846165095275826516e-09, ivln2 = 1.44269504088896338700e+00,
    ivln2_h = 1.44269502162933349609e+00, ivln2_l = 1.92596299112661746887e-08;

  // pow is pure and songs call it with few distinct arguments (2 ** (note / 12) holds
  // one value for thousands of samples), so results are memoised in a small direct-mapped
  // table keyed on the exact (x, y): a hit costs a hash and two compares instead of the
  // ~100 ns of computePow. x = +-0 is never stored (its sign matters and === ignores it);
  // y = +-0 gives 1 either way; NaN never equals a key. Slots start as NaN keys.
  const POW_SLOTS = 256;
  const POW_X = new Float64Array(POW_SLOTS).fill(NaN);
  const POW_Y = new Float64Array(POW_SLOTS).fill(NaN);
  const POW_R = new Float64Array(POW_SLOTS);

  function pow(x, y) {
    x = +x; y = +y;
    const h = ((x * 1021.0 + y * 65537.0) | 0) & (POW_SLOTS - 1);
    if (POW_X[h] === x && POW_Y[h] === y) return POW_R[h];
    const r = computePow(x, y);
    if (x !== 0) {
      POW_X[h] = x; POW_Y[h] = y; POW_R[h] = r;
    }
    return r;
  }

  function computePow(x, y) {
    let z, ax, z_h, z_l, p_h, p_l, y1, t1, t2, r, s, t, u, v, w;
    let i, j, k, yisint, n;
    const hx = HI(x), lx = LO(x), hy = HI(y), ly = LO(y);
    let ix = hx & 0x7FFFFFFF;
    const iy = hy & 0x7FFFFFFF;

    if ((iy | ly) === 0) return 1.0;
    if (ix > 0x7FF00000 || (ix === 0x7FF00000 && lx !== 0) ||
        iy > 0x7FF00000 || (iy === 0x7FF00000 && ly !== 0)) return x + y;

    yisint = 0;
    if (hx < 0) {
      if (iy >= 0x43400000) {
        yisint = 2;
      } else if (iy >= 0x3FF00000) {
        k = (iy >> 20) - 0x3FF;
        if (k > 20) {
          j = ly >>> (52 - k);
          if ((j << (52 - k)) === (ly | 0)) yisint = 2 - (j & 1);
        } else if (ly === 0) {
          j = iy >> (20 - k);
          if ((j << (20 - k)) === iy) yisint = 2 - (j & 1);
        }
      }
    }

    if (ly === 0) {
      if (iy === 0x7FF00000) {
        if (((ix - 0x3FF00000) | lx) === 0) return y - y;
        if (ix >= 0x3FF00000) return hy >= 0 ? y : 0.0;
        return hy < 0 ? -y : 0.0;
      }
      if (iy === 0x3FF00000) return hy < 0 ? 1.0 / x : x;
      if (hy === 0x40000000) return x * x;
      if (hy === 0x3FE00000) {
        if (hx >= 0) return sqrt(x);
      }
    }

    ax = fabs(x);
    if (lx === 0) {
      if (ix === 0x7FF00000 || ix === 0 || ix === 0x3FF00000) {
        z = ax;
        if (hy < 0) z = 1.0 / z;
        if (hx < 0) {
          if (((ix - 0x3FF00000) | yisint) === 0) z = NaN;
          else if (yisint === 1) z = -z;
        }
        return z;
      }
    }

    n = (hx >> 31) + 1;
    if ((n | yisint) === 0) return NaN;
    s = 1.0;
    if ((n | (yisint - 1)) === 0) s = -1.0;

    if (iy > 0x41E00000) {
      if (iy > 0x43F00000) {
        if (ix <= 0x3FEFFFFF) return hy < 0 ? huge * huge : tiny * tiny;
        if (ix >= 0x3FF00000) return hy > 0 ? huge * huge : tiny * tiny;
      }
      if (ix < 0x3FEFFFFF) return hy < 0 ? s * huge * huge : s * tiny * tiny;
      if (ix > 0x3FF00000) return hy > 0 ? s * huge * huge : s * tiny * tiny;
      t = ax - 1.0;
      w = (t * t) * (0.5 - t * (0.3333333333333333333333 - t * 0.25));
      u = ivln2_h * t;
      v = t * ivln2_l - w * ivln2;
      t1 = u + v;
      t1 = SETLO(t1, 0);
      t2 = v - (t1 - u);
    } else {
      let ss, s2, s_h, s_l, t_h, t_l;
      n = 0;
      if (ix < 0x00100000) {
        ax *= two53;
        n -= 53;
        ix = HI(ax);
      }
      n += (ix >> 20) - 0x3FF;
      j = ix & 0x000FFFFF;
      ix = j | 0x3FF00000;
      if (j <= 0x3988E) k = 0;
      else if (j < 0xBB67A) k = 1;
      else { k = 0; n += 1; ix -= 0x00100000; }
      ax = SETHI(ax, ix);

      u = ax - bp[k];
      v = 1.0 / (ax + bp[k]);
      ss = u * v;
      s_h = SETLO(ss, 0);
      t_h = W(((ix >> 1) | 0x20000000) + 0x00080000 + (k << 18), 0);
      t_l = ax - (t_h - bp[k]);
      s_l = v * ((u - s_h * t_h) - s_h * t_l);
      s2 = ss * ss;
      r = s2 * s2 * (L1 + s2 * (L2 + s2 * (L3 + s2 * (L4 + s2 * (L5 + s2 * L6)))));
      r += s_l * (s_h + ss);
      s2 = s_h * s_h;
      t_h = 3.0 + s2 + r;
      t_h = SETLO(t_h, 0);
      t_l = r - ((t_h - 3.0) - s2);
      u = s_h * t_h;
      v = s_l * t_h + t_l * ss;
      p_h = u + v;
      p_h = SETLO(p_h, 0);
      p_l = v - (p_h - u);
      z_h = cp_h * p_h;
      z_l = cp_l * p_h + p_l * cp + dp_l[k];
      t = n;
      t1 = (((z_h + z_l) + dp_h[k]) + t);
      t1 = SETLO(t1, 0);
      t2 = z_l - (((t1 - t) - dp_h[k]) - z_h);
    }

    y1 = SETLO(y, 0);
    p_l = (y - y1) * t1 + y * t2;
    p_h = y1 * t1;
    z = p_l + p_h;
    j = HI(z);
    i = LO(z) | 0;
    if (j >= 0x40900000) {
      if (((j - 0x40900000) | i) !== 0) return s * huge * huge;
      if (p_l + ovt > z - p_h) return s * huge * huge;
    } else if ((j & 0x7FFFFFFF) >= 0x4090CC00) {
      if (((j - 0xC090CC00) | i) !== 0) return s * tiny * tiny;
      if (p_l <= z - p_h) return s * tiny * tiny;
    }
    i = j & 0x7FFFFFFF;
    k = (i >> 20) - 0x3FF;
    n = 0;
    if (i > 0x3FE00000) {
      n = j + (0x00100000 >> (k + 1));
      k = ((n & 0x7FFFFFFF) >> 20) - 0x3FF;
      t = W(n & ~(0x000FFFFF >> k), 0);
      n = ((n & 0x000FFFFF) | 0x00100000) >> (20 - k);
      if (j < 0) n = -n;
      p_h -= t;
    }
    t = p_l + p_h;
    t = SETLO(t, 0);
    u = t * lg2_h;
    v = (p_l - (t - p_h)) * lg2 + t * lg2_l;
    z = u + v;
    w = v - (z - u);
    t = z * z;
    t1 = z - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    r = (z * t1) / ((t1 - 2.0) - (w + z * w));  // sic: V8's base::Divide rewrite
    z = 1.0 - (r - z);
    j = HI(z);
    j += (n << 20);
    if ((j >> 20) <= 0) z = scalbn(z, n);
    else z = SETHI(z, HI(z) + (n << 20));
    return s * z;
  }

  return {
    sin, cos, tan, asin, acos, atan, atan2, exp, expm1, log, log1p, log2,
    log10, cbrt, sinh, cosh, tanh, asinh, acosh, atanh, pow,
  };
})();

function installFdlibm(MathObject) {
  const names = Object.keys(FDLIBM);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    Object.defineProperty(MathObject, name, {
      value: FDLIBM[name], writable: true, enumerable: false, configurable: true,
    });
  }
  return MathObject;
}

if (typeof module !== 'undefined' && module && module.exports) {
  module.exports = { FDLIBM, installFdlibm };
}
