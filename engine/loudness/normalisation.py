"""The gain that brings a programme to a loudness target without its true peak passing a ceiling."""
from __future__ import annotations

import math

from engine.errors import InvalidRequestError


def normalisation_gain_db(measured_lufs: float, true_peak_dbtp: float,
                          target_lufs: float, ceiling_dbtp: float) -> float:
    """Gain in dB: `target_lufs - measured_lufs`, lowered if needed so the true peak stays
    at or under `ceiling_dbtp` (a gain changes the true peak by exactly as many dB).

    Silence (-inf LUFS or -inf dBTP) gets 0 dB: there is nothing to bring up. Loudness
    may then land under the target; it never lands over the ceiling (no clipping, no
    limiter: the programme's dynamics are left alone).
    """
    _check("measured_lufs", measured_lufs, allow_minus_inf=True)
    _check("true_peak_dbtp", true_peak_dbtp, allow_minus_inf=True)
    _check("target_lufs", target_lufs)
    _check("ceiling_dbtp", ceiling_dbtp)
    if ceiling_dbtp > 0.0:
        raise InvalidRequestError(f"ceiling_dbtp: must be <= 0 dBTP, got {ceiling_dbtp}")
    if measured_lufs == -math.inf or true_peak_dbtp == -math.inf:
        return 0.0
    return min(target_lufs - measured_lufs, ceiling_dbtp - true_peak_dbtp)


def _check(name: str, value: float, *, allow_minus_inf: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidRequestError(f"{name}: must be a number, got {value!r}")
    if math.isfinite(value) or (allow_minus_inf and value == -math.inf):
        return
    allowed = "a finite number or -inf" if allow_minus_inf else "a finite number"
    raise InvalidRequestError(f"{name}: must be {allowed}, got {value}")
