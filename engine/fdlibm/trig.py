"""sin, cos, tan, asin, acos, atan, atan2 ported from V8 11.3 src/base/ieee754.cc.

V8's file is fdlibm 5.3 (Sun Microsystems, 1993; e_rem_pio2.c, k_rem_pio2.c,
k_sin.c, k_cos.c, k_tan.c, s_sin.c, s_cos.c, s_tan.c, e_asin.c, e_acos.c,
s_atan.c, e_atan2.c).  Integer arithmetic is done in int64 with the int32
semantics of the C code reproduced where it matters.
"""
import math

import numba
import numpy as np

from ._bits import _JIT, _from_words, _hi, _lo, _scalbn, _set_lo, _stack_f64_20, _stack_i64_20, njit

_TWO_OVER_PI = np.array([
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
], dtype=np.int64)

_NPIO2_HW = np.array([
    0x3FF921FB, 0x400921FB, 0x4012D97C, 0x401921FB, 0x401F6A7A, 0x4022D97C,
    0x4025FDBB, 0x402921FB, 0x402C463A, 0x402F6A7A, 0x4031475C, 0x4032D97C,
    0x40346B9C, 0x4035FDBB, 0x40378FDB, 0x403921FB, 0x403AB41B, 0x403C463A,
    0x403DD85A, 0x403F6A7A, 0x40407E4C, 0x4041475C, 0x4042106C, 0x4042D97C,
    0x4043A28C, 0x40446B9C, 0x404534AC, 0x4045FDBB, 0x4046C6CB, 0x40478FDB,
    0x404858EB, 0x404921FB,
], dtype=np.int64)

_PIO2 = np.array([
    1.57079625129699707031e+00, 7.54978941586159635335e-08,
    5.39030252995776476554e-15, 3.28200341580791294123e-22,
    1.27065575308067607349e-29, 1.22933308981111328932e-36,
    2.73370053816464559624e-44, 2.16741683877804819444e-51,
])

_TWO24 = 1.67772160000000000000e+07
_TWON24 = 5.96046447753906250000e-08


@njit(**_JIT)
def _kernel_rem_pio2(x, e0, nx):
    """__kernel_rem_pio2 with prec=2 (jk=4) as V8 calls it; returns (n&7, y0, y1)."""
    ipio2 = _TWO_OVER_PI
    iq = numba.carray(_stack_i64_20(), 20)     # np.zeros(20) without numba's allocator
    f = numba.carray(_stack_f64_20(), 20)
    fq = numba.carray(_stack_f64_20(), 20)
    q = numba.carray(_stack_f64_20(), 20)
    jk = 4
    jp = 4
    jx = nx - 1
    jv = (e0 - 3) // 24
    if jv < 0:
        jv = 0
    q0 = e0 - 24 * (jv + 1)
    j = jv - jx
    m = jx + jk
    for i in range(m + 1):
        f[i] = 0.0 if j < 0 else float(ipio2[j])
        j += 1
    for i in range(jk + 1):
        fw = 0.0
        for j in range(jx + 1):
            fw += x[j] * f[jx + i - j]
        q[i] = fw
    jz = jk
    n = 0
    ih = 0
    z = 0.0
    while True:  # recompute:
        i = 0
        j = jz
        z = q[jz]
        while j > 0:
            fw = float(int(_TWON24 * z))
            iq[i] = int(z - _TWO24 * fw)
            z = q[j - 1] + fw
            i += 1
            j -= 1
        z = _scalbn(z, q0)
        z -= 8.0 * math.floor(z * 0.125)
        n = int(z)
        z -= float(n)
        ih = 0
        if q0 > 0:
            i = iq[jz - 1] >> (24 - q0)
            n += i
            iq[jz - 1] -= i << (24 - q0)
            ih = iq[jz - 1] >> (23 - q0)
        elif q0 == 0:
            ih = iq[jz - 1] >> 23
        elif z >= 0.5:
            ih = 2
        if ih > 0:
            n += 1
            carry = 0
            for i in range(jz):
                j = iq[i]
                if carry == 0:
                    if j != 0:
                        carry = 1
                        iq[i] = 0x1000000 - j
                else:
                    iq[i] = 0xFFFFFF - j
            if q0 > 0:
                if q0 == 1:
                    iq[jz - 1] &= 0x7FFFFF
                elif q0 == 2:
                    iq[jz - 1] &= 0x3FFFFF
            if ih == 2:
                z = 1.0 - z
                if carry != 0:
                    z -= _scalbn(1.0, q0)
        if z == 0.0:
            j = 0
            i = jz - 1
            while i >= jk:
                j |= iq[i]
                i -= 1
            if j == 0:
                k = 1
                while jk >= k and iq[jk - k] == 0:
                    k += 1
                for i in range(jz + 1, jz + k + 1):
                    f[jx + i] = float(ipio2[jv + i])
                    fw = 0.0
                    for j in range(jx + 1):
                        fw += x[j] * f[jx + i - j]
                    q[i] = fw
                jz += k
                continue
        break
    if z == 0.0:
        jz -= 1
        q0 -= 24
        while iq[jz] == 0:
            jz -= 1
            q0 -= 24
    else:
        z = _scalbn(z, -q0)
        if z >= _TWO24:
            fw = float(int(_TWON24 * z))
            iq[jz] = int(z - _TWO24 * fw)
            jz += 1
            q0 += 24
            iq[jz] = int(fw)
        else:
            iq[jz] = int(z)
    fw = _scalbn(1.0, q0)
    i = jz
    while i >= 0:
        q[i] = fw * float(iq[i])
        fw *= _TWON24
        i -= 1
    i = jz
    while i >= 0:
        fw = 0.0
        k = 0
        while k <= jp and k <= jz - i:
            fw += _PIO2[k] * q[i + k]
            k += 1
        fq[jz - i] = fw
        i -= 1
    fw = 0.0
    i = jz
    while i >= 0:
        fw += fq[i]
        i -= 1
    y0 = fw if ih == 0 else -fw
    fw = fq[0] - fw
    for i in range(1, jz + 1):
        fw += fq[i]
    y1 = fw if ih == 0 else -fw
    return n & 7, y0, y1


_INVPIO2 = 6.36619772367581382433e-01
_PIO2_1 = 1.57079632673412561417e+00
_PIO2_1T = 6.07710050650619224932e-11
_PIO2_2 = 6.07710050630396597660e-11
_PIO2_2T = 2.02226624879595063154e-21
_PIO2_3 = 2.02226624871116645580e-21
_PIO2_3T = 8.47842766036889956997e-32


@njit(inline="always", **_JIT)
def rem_pio2(x):
    """__ieee754_rem_pio2: returns (n, y0, y1) with x - n*pi/2 = y0 + y1. Inlined into its
    callers (a call returning a tuple costs as much as the reduction); the rare huge
    arguments go to _rem_pio2_large, which stays a call."""
    hx = _hi(x)
    ix = hx & 0x7FFFFFFF
    if ix <= 0x3FE921FB:
        return 0, x, 0.0
    if ix < 0x4002D97C:
        if hx > 0:
            z = x - _PIO2_1
            if ix != 0x3FF921FB:
                y0 = z - _PIO2_1T
                y1 = (z - y0) - _PIO2_1T
            else:
                z -= _PIO2_2
                y0 = z - _PIO2_2T
                y1 = (z - y0) - _PIO2_2T
            return 1, y0, y1
        else:
            z = x + _PIO2_1
            if ix != 0x3FF921FB:
                y0 = z + _PIO2_1T
                y1 = (z - y0) + _PIO2_1T
            else:
                z += _PIO2_2
                y0 = z + _PIO2_2T
                y1 = (z - y0) + _PIO2_2T
            return -1, y0, y1
    if ix <= 0x413921FB:
        t = abs(x)
        n = int(t * _INVPIO2 + 0.5)
        fn = float(n)
        r = t - fn * _PIO2_1
        w = fn * _PIO2_1T
        if n < 32 and ix != _NPIO2_HW[n - 1]:
            y0 = r - w
        else:
            j = ix >> 20
            y0 = r - w
            i = j - ((_hi(y0) >> 20) & 0x7FF)
            if i > 16:
                t = r
                w = fn * _PIO2_2
                r = t - w
                w = fn * _PIO2_2T - ((t - r) - w)
                y0 = r - w
                i = j - ((_hi(y0) >> 20) & 0x7FF)
                if i > 49:
                    t = r
                    w = fn * _PIO2_3
                    r = t - w
                    w = fn * _PIO2_3T - ((t - r) - w)
                    y0 = r - w
        y1 = (r - y0) - w
        if hx < 0:
            return -n, -y0, -y1
        return n, y0, y1
    if ix >= 0x7FF00000:
        return 0, x - x, x - x
    return _rem_pio2_large(x, hx, ix)


@njit(**_JIT)
def _rem_pio2_large(x, hx, ix):
    """rem_pio2 of |x| >= 2^19*pi/2 (finite), through __kernel_rem_pio2."""
    e0 = (ix >> 20) - 1046
    z = _from_words(ix - (e0 << 20), _lo(x))
    tx = numba.carray(_stack_f64_20(), 3)
    for i in range(2):
        tx[i] = float(int(z))
        z = (z - tx[i]) * _TWO24
    tx[2] = z
    nx = 3
    while tx[nx - 1] == 0.0:
        nx -= 1
    n, y0, y1 = _kernel_rem_pio2(tx, e0, nx)
    if hx < 0:
        return -n, -y0, -y1
    return n, y0, y1


_C1 = 4.16666666666666019037e-02
_C2 = -1.38888888888741095749e-03
_C3 = 2.48015872894767294178e-05
_C4 = -2.75573143513906633035e-07
_C5 = 2.08757232129817482790e-09
_C6 = -1.13596475577881948265e-11


@njit(inline="always", **_JIT)
def _kernel_cos(x, y):
    ix = _hi(x) & 0x7FFFFFFF
    if ix < 0x3E400000:
        if int(x) == 0:
            return 1.0
    z = x * x
    r = z * (_C1 + z * (_C2 + z * (_C3 + z * (_C4 + z * (_C5 + z * _C6)))))
    if ix < 0x3FD33333:
        return 1.0 - (0.5 * z - (z * r - x * y))
    if ix > 0x3FE90000:
        qx = 0.28125
    else:
        qx = _from_words(ix - 0x00200000, 0)
    iz = 0.5 * z - qx
    a = 1.0 - qx
    return a - (iz - (z * r - x * y))


_S1 = -1.66666666666666324348e-01
_S2 = 8.33333333332248946124e-03
_S3 = -1.98412698298579493134e-04
_S4 = 2.75573137070700676789e-06
_S5 = -2.50507602534068634195e-08
_S6 = 1.58969099521155010221e-10


@njit(inline="always", **_JIT)
def _kernel_sin(x, y, iy):
    ix = _hi(x) & 0x7FFFFFFF
    if ix < 0x3E400000:
        if int(x) == 0:
            return x
    z = x * x
    v = z * x
    r = _S2 + z * (_S3 + z * (_S4 + z * (_S5 + z * _S6)))
    if iy == 0:
        return x + v * (_S1 + z * r)
    return x - ((z * (0.5 * y - v * r) - y) - v * _S1)


_T = np.array([
    3.33333333333334091986e-01, 1.33333333333201242699e-01,
    5.39682539762260521377e-02, 2.18694882948595424599e-02,
    8.86323982359930005737e-03, 3.59207910759131235356e-03,
    1.45620945432529025516e-03, 5.88041240820264096874e-04,
    2.46463134818469906812e-04, 7.81794442939557092300e-05,
    7.14072491382608190305e-05, -1.85586374855275456654e-05,
    2.59073051863633712884e-05,
])
_PIO4 = 7.85398163397448278999e-01
_PIO4LO = 3.06161699786838301793e-17


@njit(inline="always", **_JIT)
def _kernel_tan(x, y, iy):
    T = _T
    hx = _hi(x)
    ix = hx & 0x7FFFFFFF
    if ix < 0x3E300000:
        if int(x) == 0:
            low = _lo(x)
            if ((ix | low) | (iy + 1)) == 0:
                return 1.0 / abs(x)
            if iy == 1:
                return x
            w = x + y
            z = _set_lo(w, 0)
            v = y - (z - x)
            a = -1.0 / w
            t = _set_lo(a, 0)
            s = 1.0 + t * z
            return t + a * (s + t * v)
    if ix >= 0x3FE59428:
        if hx < 0:
            x = -x
            y = -y
        z = _PIO4 - x
        w = _PIO4LO - y
        x = z + w
        y = 0.0
    z = x * x
    w = z * z
    r = T[1] + w * (T[3] + w * (T[5] + w * (T[7] + w * (T[9] + w * T[11]))))
    v = z * (T[2] + w * (T[4] + w * (T[6] + w * (T[8] + w * (T[10] + w * T[12])))))
    s = z * x
    r = y + z * (s * (r + v) + y)
    r += T[0] * s
    w = x + r
    if ix >= 0x3FE59428:
        v = float(iy)
        return float(1 - ((hx >> 30) & 2)) * (v - 2.0 * (x - (w * w / (w + v) - r)))
    if iy == 1:
        return w
    z = _set_lo(w, 0)
    v = r - (z - x)
    a = -1.0 / w
    t = _set_lo(a, 0)
    s = 1.0 + t * z
    return t + a * (s + t * v)


@njit(inline="always", **_JIT)
def sin(x):
    """Math.sin of V8 11.3 (fdlibm s_sin.c)."""
    ix = _hi(x) & 0x7FFFFFFF
    if ix <= 0x3FE921FB:
        return _kernel_sin(x, 0.0, 0)
    if ix >= 0x7FF00000:
        return x - x
    n, y0, y1 = rem_pio2(x)
    n &= 3
    if n == 0:
        return _kernel_sin(y0, y1, 1)
    if n == 1:
        return _kernel_cos(y0, y1)
    if n == 2:
        return -_kernel_sin(y0, y1, 1)
    return -_kernel_cos(y0, y1)


@njit(inline="always", **_JIT)
def cos(x):
    """Math.cos of V8 11.3 (fdlibm s_cos.c)."""
    ix = _hi(x) & 0x7FFFFFFF
    if ix <= 0x3FE921FB:
        return _kernel_cos(x, 0.0)
    if ix >= 0x7FF00000:
        return x - x
    n, y0, y1 = rem_pio2(x)
    n &= 3
    if n == 0:
        return _kernel_cos(y0, y1)
    if n == 1:
        return -_kernel_sin(y0, y1, 1)
    if n == 2:
        return -_kernel_cos(y0, y1)
    return _kernel_sin(y0, y1, 1)


@njit(inline="always", **_JIT)
def tan(x):
    """Math.tan of V8 11.3 (fdlibm s_tan.c)."""
    ix = _hi(x) & 0x7FFFFFFF
    if ix <= 0x3FE921FB:
        return _kernel_tan(x, 0.0, 1)
    if ix >= 0x7FF00000:
        return x - x
    n, y0, y1 = rem_pio2(x)
    return _kernel_tan(y0, y1, 1 - ((n & 1) << 1))


_PI = 3.14159265358979311600e+00
_PIO2_HI = 1.57079632679489655800e+00
_PIO2_LO = 6.12323399573676603587e-17
_PIO4_HI = 7.85398163397448278999e-01
_pS0 = 1.66666666666666657415e-01
_pS1 = -3.25565818622400915405e-01
_pS2 = 2.01212532134862925881e-01
_pS3 = -4.00555345006794114027e-02
_pS4 = 7.91534994289814532176e-04
_pS5 = 3.47933107596021167570e-05
_qS1 = -2.40339491173441421878e+00
_qS2 = 2.02094576023350569471e+00
_qS3 = -6.88283971605453293030e-01
_qS4 = 7.70381505559019352791e-02


@njit(**_JIT)
def acos(x):
    """Math.acos of V8 11.3 (fdlibm e_acos.c)."""
    hx = _hi(x)
    ix = hx & 0x7FFFFFFF
    if ix >= 0x3FF00000:
        if ((ix - 0x3FF00000) | _lo(x)) == 0:
            if hx > 0:
                return 0.0
            return _PI + 2.0 * _PIO2_LO
        return np.nan
    if ix < 0x3FE00000:
        if ix <= 0x3C600000:
            return _PIO2_HI + _PIO2_LO
        z = x * x
        p = z * (_pS0 + z * (_pS1 + z * (_pS2 + z * (_pS3 + z * (_pS4 + z * _pS5)))))
        q = 1.0 + z * (_qS1 + z * (_qS2 + z * (_qS3 + z * _qS4)))
        r = p / q
        return _PIO2_HI - (x - (_PIO2_LO - x * r))
    elif hx < 0:
        z = (1.0 + x) * 0.5
        p = z * (_pS0 + z * (_pS1 + z * (_pS2 + z * (_pS3 + z * (_pS4 + z * _pS5)))))
        q = 1.0 + z * (_qS1 + z * (_qS2 + z * (_qS3 + z * _qS4)))
        s = math.sqrt(z)
        r = p / q
        w = r * s - _PIO2_LO
        return _PI - 2.0 * (s + w)
    z = (1.0 - x) * 0.5
    s = math.sqrt(z)
    df = _set_lo(s, 0)
    c = (z - df * df) / (s + df)
    p = z * (_pS0 + z * (_pS1 + z * (_pS2 + z * (_pS3 + z * (_pS4 + z * _pS5)))))
    q = 1.0 + z * (_qS1 + z * (_qS2 + z * (_qS3 + z * _qS4)))
    r = p / q
    w = r * s + c
    return 2.0 * (df + w)


@njit(**_JIT)
def asin(x):
    """Math.asin of V8 11.3 (fdlibm e_asin.c)."""
    t = 0.0
    hx = _hi(x)
    ix = hx & 0x7FFFFFFF
    if ix >= 0x3FF00000:
        if ((ix - 0x3FF00000) | _lo(x)) == 0:
            return x * _PIO2_HI + x * _PIO2_LO
        return np.nan
    elif ix < 0x3FE00000:
        if ix < 0x3E400000:
            if 1.0e300 + x > 1.0:
                return x
        else:
            t = x * x
        p = t * (_pS0 + t * (_pS1 + t * (_pS2 + t * (_pS3 + t * (_pS4 + t * _pS5)))))
        q = 1.0 + t * (_qS1 + t * (_qS2 + t * (_qS3 + t * _qS4)))
        w = p / q
        return x + x * w
    w = 1.0 - abs(x)
    t = w * 0.5
    p = t * (_pS0 + t * (_pS1 + t * (_pS2 + t * (_pS3 + t * (_pS4 + t * _pS5)))))
    q = 1.0 + t * (_qS1 + t * (_qS2 + t * (_qS3 + t * _qS4)))
    s = math.sqrt(t)
    if ix >= 0x3FEF3333:
        w = p / q
        t = _PIO2_HI - (2.0 * (s + s * w) - _PIO2_LO)
    else:
        w = _set_lo(s, 0)
        c = (t - w * w) / (s + w)
        r = p / q
        p = 2.0 * s * r - (_PIO2_LO - 2.0 * c)
        q = _PIO4_HI - 2.0 * w
        t = _PIO4_HI - (p - q)
    if hx > 0:
        return t
    return -t


_ATANHI = np.array([4.63647609000806093515e-01, 7.85398163397448278999e-01,
                    9.82793723247329054082e-01, 1.57079632679489655800e+00])
_ATANLO = np.array([2.26987774529616870924e-17, 3.06161699786838301793e-17,
                    1.39033110312309984516e-17, 6.12323399573676603587e-17])
_AT = np.array([
    3.33333333333329318027e-01, -1.99999999998764832476e-01,
    1.42857142725034663711e-01, -1.11111104054623557880e-01,
    9.09088713343650656196e-02, -7.69187620504482999495e-02,
    6.66107313738753120669e-02, -5.83357013379057348645e-02,
    4.97687799461593236017e-02, -3.65315727442169155270e-02,
    1.62858201153657823623e-02,
])


@njit(**_JIT)
def atan(x):
    """Math.atan of V8 11.3 (fdlibm s_atan.c)."""
    aT = _AT
    hx = _hi(x)
    ix = hx & 0x7FFFFFFF
    if ix >= 0x44100000:
        low = _lo(x)
        if ix > 0x7FF00000 or (ix == 0x7FF00000 and low != 0):
            return x + x
        if hx > 0:
            return _ATANHI[3] + _ATANLO[3]
        return -_ATANHI[3] - _ATANLO[3]
    if ix < 0x3FDC0000:
        if ix < 0x3E400000:
            if 1.0e300 + x > 1.0:
                return x
        idx = -1
    else:
        x = abs(x)
        if ix < 0x3FF30000:
            if ix < 0x3FE60000:
                idx = 0
                x = (2.0 * x - 1.0) / (2.0 + x)
            else:
                idx = 1
                x = (x - 1.0) / (x + 1.0)
        elif ix < 0x40038000:
            idx = 2
            x = (x - 1.5) / (1.0 + 1.5 * x)
        else:
            idx = 3
            x = -1.0 / x
    z = x * x
    w = z * z
    s1 = z * (aT[0] + w * (aT[2] + w * (aT[4] + w * (aT[6] + w * (aT[8] + w * aT[10])))))
    s2 = w * (aT[1] + w * (aT[3] + w * (aT[5] + w * (aT[7] + w * aT[9]))))
    if idx < 0:
        return x - x * (s1 + s2)
    z = _ATANHI[idx] - ((x * (s1 + s2) - _ATANLO[idx]) - x)
    if hx < 0:
        return -z
    return z


_TINY = 1.0e-300
_PI_O_4 = 7.8539816339744827900E-01
_PI_O_2 = 1.5707963267948965580E+00
_PI_LO = 1.2246467991473531772E-16


@njit(**_JIT)
def atan2(y, x):
    """Math.atan2(y, x) of V8 11.3 (fdlibm e_atan2.c)."""
    hx = _hi(x)
    lx = _lo(x)
    ix = hx & 0x7FFFFFFF
    hy = _hi(y)
    ly = _lo(y)
    iy = hy & 0x7FFFFFFF
    if (ix | (1 if lx != 0 else 0)) > 0x7FF00000 or (iy | (1 if ly != 0 else 0)) > 0x7FF00000:
        return x + y
    if ((hx - 0x3FF00000) | lx) == 0:
        return atan(y)
    m = ((hy >> 31) & 1) | ((hx >> 30) & 2)
    if (iy | ly) == 0:
        if m == 0 or m == 1:
            return y
        if m == 2:
            return _PI + _TINY
        return -_PI - _TINY
    if (ix | lx) == 0:
        return -_PI_O_2 - _TINY if hy < 0 else _PI_O_2 + _TINY
    if ix == 0x7FF00000:
        if iy == 0x7FF00000:
            if m == 0:
                return _PI_O_4 + _TINY
            if m == 1:
                return -_PI_O_4 - _TINY
            if m == 2:
                return 3.0 * _PI_O_4 + _TINY
            return -3.0 * _PI_O_4 - _TINY
        else:
            if m == 0:
                return 0.0
            if m == 1:
                return -0.0
            if m == 2:
                return _PI + _TINY
            return -_PI - _TINY
    if iy == 0x7FF00000:
        return -_PI_O_2 - _TINY if hy < 0 else _PI_O_2 + _TINY
    k = (iy - ix) >> 20
    if k > 60:
        z = _PI_O_2 + 0.5 * _PI_LO
        m &= 1
    elif hx < 0 and k < -60:
        z = 0.0
    else:
        z = atan(abs(y / x))
    if m == 0:
        return z
    if m == 1:
        return -z
    if m == 2:
        return _PI - (z - _PI_LO)
    return (z - _PI_LO) - _PI
