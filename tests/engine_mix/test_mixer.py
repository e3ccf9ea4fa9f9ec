"""Envelope (pan law, fades) and the mixer's placement of layers on the timeline."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine.mix import parse_spec
from engine.mix.envelope import fade_gains, pan_gains
from engine.mix.mixer import close_layers, mix_blocks, place_layers

RATE = 44100


@pytest.mark.parametrize("pan", [-1.0, -0.5, 0.0, 0.3, 1.0])
def test_pan_law_is_constant_power_with_unity_at_centre(pan):
    left, right = pan_gains(pan, 0.0)
    assert math.isclose(left ** 2 + right ** 2, 2.0)
    if pan == 0.0:
        assert math.isclose(left, 1.0) and math.isclose(right, 1.0)
    if pan == -1.0:
        assert math.isclose(left, math.sqrt(2)) and abs(right) < 1e-12


def test_gain_db_is_applied_to_both_channels():
    left, right = pan_gains(0.0, -6.0)
    assert math.isclose(left, 10 ** (-6 / 20)) and math.isclose(right, left)


def test_fades_are_half_cosines_from_zero_to_zero():
    length, fi, fo = 1000, 100, 200
    g = np.concatenate([fade_gains(o, 10, length, fi, fo) if fade_gains(o, 10, length, fi, fo) is not None
                        else np.ones(10, np.float32) for o in range(0, length, 10)])
    assert g[0] == 0.0 and g[-1] == 0.0
    assert np.all(np.diff(g[:fi + 1]) > 0) and np.all(np.diff(g[length - fo - 1:]) < 0)
    assert np.all(g[fi:length - fo] == 1.0)
    assert math.isclose(g[fi // 2], 0.5, abs_tol=1e-6)
    assert fade_gains(200, 100, length, fi, fo) is None      # the middle costs nothing


def mixed(spec_dict: dict, block: int = 4096) -> np.ndarray:
    spec = parse_spec(spec_dict, max_duration_s=60)
    placed = place_layers(spec, {}, block, None, [])
    try:
        return np.concatenate([m.copy() for _, m in mix_blocks(placed, spec.frames, block)])
    finally:
        close_layers(placed)


def test_layers_start_and_stop_where_placed_and_are_summed():
    """Each layer's phase starts at its own start: two 440 Hz layers 0.5 s apart (220 cycles)
    are in phase and add up to twice the amplitude where they overlap."""
    x = mixed({"duration_s": 3, "layers": [
        {"type": "tone", "frequency_hz": 440, "start_s": 1, "duration_s": 1, "gain_db": -6},
        {"type": "tone", "frequency_hz": 440, "start_s": 1.5, "duration_s": 1, "gain_db": -6}]})
    level = 10 ** (-6 / 20)
    assert x.shape == (3 * RATE, 2)
    assert np.abs(x[:RATE]).max() == 0 and np.abs(x[int(2.5 * RATE):]).max() == 0
    assert math.isclose(np.abs(x[RATE:int(1.5 * RATE), 0]).max(), level, rel_tol=1e-4)
    assert math.isclose(np.abs(x[int(1.5 * RATE):2 * RATE, 0]).max(), 2 * level, rel_tol=1e-4)
    assert math.isclose(np.abs(x[2 * RATE:int(2.5 * RATE), 0]).max(), level, rel_tol=1e-4)


def test_pan_places_a_tone_in_one_ear():
    x = mixed({"duration_s": 1, "layers": [{"type": "tone", "frequency_hz": 300, "pan": -1}]})
    assert np.abs(x[:, 1]).max() < 1e-6
    assert math.isclose(np.abs(x[:, 0]).max(), math.sqrt(2), rel_tol=1e-3)


def test_layer_fades_in_the_mix():
    x = mixed({"duration_s": 2, "layers": [
        {"type": "noise", "color": "white", "fade_in_s": 0.5, "fade_out_s": 0.5}]})
    first, middle, last = (np.sqrt(np.mean(x[a:a + 2000, 0] ** 2)) for a in (0, RATE, 2 * RATE - 2000))
    assert first < 0.01 * middle and last < 0.01 * middle


def test_a_layer_is_cut_at_the_end_of_the_mix_with_its_fade_out_there():
    x = mixed({"duration_s": 2, "layers": [
        {"type": "tone", "frequency_hz": 100, "start_s": 1, "fade_out_s": 0.5}]})
    assert x[-1, 0] == 0.0 and np.abs(x[int(1.2 * RATE):int(1.4 * RATE), 0]).max() > 0.9


def test_the_mix_does_not_depend_on_the_block_size():
    spec = {"duration_s": 2, "layers": [
        {"type": "noise", "color": "brown", "seed": 9, "fade_in_s": 0.3, "start_s": 0.25},
        {"type": "tone", "frequency_hz": 528, "gain_db": -10, "duration_s": 1.2, "fade_out_s": 0.4}]}
    a, b = mixed(spec, 65536), mixed(spec, 3001)
    assert np.abs(a - b).max() < 1e-6
