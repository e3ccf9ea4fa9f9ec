"""Loudness and true-peak metering per ITU-R BS.1770-4, and loudness normalisation.

Public API:
    LoudnessMeter(sample_rate, channels)      streaming: .add(block), .integrated_lufs(),
                                              .true_peak_dbtp(), .sample_peak_dbfs()
    integrated_loudness(samples, sample_rate) -> LUFS (whole array)
    true_peak_dbtp(samples, sample_rate)      -> dBTP (whole array)
    normalisation_gain_db(measured_lufs, true_peak_dbtp, target_lufs, ceiling_dbtp) -> dB

Modules: kweighting (filters at any rate, 100 ms energies), gating (400 ms blocks and the
two gates), truepeak (Annex 2 oversampling), meter (the streaming meter), normalisation.
"""
from engine.loudness.meter import LoudnessMeter, integrated_loudness, true_peak_dbtp
from engine.loudness.normalisation import normalisation_gain_db

__all__ = ["LoudnessMeter", "integrated_loudness", "true_peak_dbtp", "normalisation_gain_db"]
