"""Test signals synthesised exactly from their descriptions (EBU Tech 3341, coloured noise)."""
from __future__ import annotations

import numpy as np


def db_to_amplitude(db: float) -> float:
    return 10.0 ** (db / 20.0)


def sine(frequency_hz: float, peak_dbfs: float, seconds: float, sample_rate: int,
         phase_degrees: float = 0.0) -> np.ndarray:
    """A sine of `peak_dbfs` peak amplitude (mono, float64)."""
    t = np.arange(round(seconds * sample_rate)) / sample_rate
    return db_to_amplitude(peak_dbfs) * np.sin(2 * np.pi * frequency_hz * t + np.radians(phase_degrees))


def sine_sequence(levels_and_seconds: list[tuple[float, float]], sample_rate: int = 48000,
                  channels: int = 2, frequency_hz: float = 1000.0) -> np.ndarray:
    """1 kHz sine segments at the given (dBFS, seconds), the same in every channel."""
    mono = np.concatenate([sine(frequency_hz, level, seconds, sample_rate)
                           for level, seconds in levels_and_seconds])
    return np.repeat(mono[:, np.newaxis], channels, axis=1)


def noise(colour: str, seconds: float, sample_rate: int, channels: int, rms_dbfs: float,
          seed: int) -> np.ndarray:
    """White, pink (1/f) or brown (1/f^2) Gaussian noise, shaped in the frequency domain."""
    rng = np.random.default_rng(seed)
    frames = round(seconds * sample_rate)
    spectrum = np.fft.rfft(rng.standard_normal((frames, channels)), axis=0)
    frequencies = np.fft.rfftfreq(frames, 1.0 / sample_rate)
    frequencies[0] = frequencies[1]
    exponent = {"white": 0.0, "pink": 0.5, "brown": 1.0}[colour]
    shaped = np.fft.irfft(spectrum / frequencies[:, np.newaxis] ** exponent, n=frames, axis=0)
    shaped *= db_to_amplitude(rms_dbfs) / np.sqrt(np.mean(shaped ** 2))
    return shaped
