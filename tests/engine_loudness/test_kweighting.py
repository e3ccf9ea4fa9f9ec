"""K-weighting coefficients at any rate, checked against BS.1770-4's 48 kHz table."""
import numpy as np
import pytest

from engine.loudness.kweighting import Biquad, KWeightedEnergy, high_pass, high_shelf

# BS.1770-4 Annex 1, Tables 1 and 2 (48 kHz).
TABLE_SHELF_48K = Biquad(b0=1.53512485958697, b1=-2.69169618940638, b2=1.19839281085285,
                         a1=-1.69065929318241, a2=0.73248077421585)
TABLE_HIGH_PASS_48K = Biquad(b0=1.0, b1=-2.0, b2=1.0,
                             a1=-1.99004745483398, a2=0.99007225036621)


def response_db(biquads: list[Biquad], frequency_hz: float, sample_rate: int) -> float:
    z = np.exp(-1j * 2 * np.pi * frequency_hz / sample_rate)
    gain = 1.0
    for f in biquads:
        gain *= (f.b0 + f.b1 * z + f.b2 * z * z) / (1 + f.a1 * z + f.a2 * z * z)
    return 20 * np.log10(abs(gain))


def k_weighting(sample_rate: int) -> list[Biquad]:
    return [high_shelf(sample_rate), high_pass(sample_rate)]


def test_48k_coefficients_are_the_recommendations_table():
    np.testing.assert_allclose(high_shelf(48000).as_array(), TABLE_SHELF_48K.as_array(), rtol=1e-12)
    np.testing.assert_allclose(high_pass(48000).as_array(), TABLE_HIGH_PASS_48K.as_array(), rtol=1e-12)


@pytest.mark.parametrize("sample_rate, tolerance_db", [
    (22050, 0.08), (32000, 0.03), (44100, 0.01), (88200, 0.03), (96000, 0.03), (192000, 0.04),
    (8000, 0.45),    # the high pass's pass-band gain drifts at low rates (see kweighting.py)
])
def test_every_rate_has_the_48k_response_below_a_quarter_of_its_rate(sample_rate, tolerance_db):
    for frequency in (20, 50, 100, 500, 1000, 1500, 2000, 4000, 8000, 16000):
        if frequency > sample_rate / 4:
            continue
        ours = response_db(k_weighting(sample_rate), frequency, sample_rate)
        table = response_db([TABLE_SHELF_48K, TABLE_HIGH_PASS_48K], frequency, 48000)
        assert ours == pytest.approx(table, abs=tolerance_db), f"{frequency} Hz at {sample_rate} Hz"


def test_shape_of_the_curve():
    """The shelf adds ~4 dB at high frequencies; the high pass cuts the bass."""
    assert response_db(k_weighting(48000), 997, 48000) == pytest.approx(0.691, abs=0.01)
    assert response_db(k_weighting(48000), 10000, 48000) == pytest.approx(4.0, abs=0.1)
    assert response_db(k_weighting(48000), 20, 48000) < -10


def test_hop_energies_do_not_depend_on_block_sizes():
    rng = np.random.default_rng(1)
    signal = rng.standard_normal((48000 * 3 + 123, 2))
    whole = KWeightedEnergy(48000, 2, 4800).add(signal)
    streamed = KWeightedEnergy(48000, 2, 4800)
    cuts = np.sort(rng.integers(0, len(signal), 40))
    parts = [streamed.add(piece) for piece in np.split(signal, cuts)]
    assert np.array_equal(np.concatenate(parts), whole)
    assert whole.shape == (30, 2)


def test_hop_energy_of_a_1khz_sine():
    """A full-scale 1 kHz sine: mean square 1/2, times the filter's +0.691 dB."""
    frames = 48000
    x = np.sin(2 * np.pi * 1000 * np.arange(frames) / 48000)[:, np.newaxis]
    hops = KWeightedEnergy(48000, 1, 4800).add(x)
    mean_square = hops[5:, 0] / 4800          # past the filter's settling
    np.testing.assert_allclose(10 * np.log10(mean_square), 10 * np.log10(0.5) + 0.691, atol=0.01)
