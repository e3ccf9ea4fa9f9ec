"""Measurements the mix tests share: dominant frequency, octave band levels, level in dB."""
from __future__ import annotations

import numpy as np


def dominant_hz(x: np.ndarray, rate: int) -> float:
    """Frequency of the strongest FFT bin (Hann window), refined by parabolic interpolation."""
    x = np.asarray(x, dtype=np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    k = int(np.argmax(spectrum[1:-1])) + 1
    a, b, c = np.log(spectrum[k - 1:k + 2] + 1e-30)
    shift = 0.5 * (a - c) / (a - 2 * b + c)
    return (k + shift) * rate / len(x)


def octave_slope_db(x: np.ndarray, rate: int, low_hz: float = 100.0, octaves: int = 7) -> float:
    """Least-squares slope, in dB per octave, of the mean power density in octave bands
    from `low_hz` up (averaged periodogram over 8192-sample segments)."""
    seg = 8192
    x = np.asarray(x, dtype=np.float64)
    segments = x[: len(x) // seg * seg].reshape(-1, seg) * np.hanning(seg)
    psd = (np.abs(np.fft.rfft(segments, axis=1)) ** 2).mean(axis=0)
    freqs = np.fft.rfftfreq(seg, 1 / rate)
    levels = []
    for i in range(octaves):
        band = (freqs >= low_hz * 2 ** i) & (freqs < low_hz * 2 ** (i + 1))
        levels.append(10 * np.log10(psd[band].mean()))
    return float(np.polyfit(np.arange(octaves), levels, 1)[0])


def rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.asarray(x, dtype=np.float64) ** 2))))
