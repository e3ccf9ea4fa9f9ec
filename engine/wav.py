"""WAV encoding: 8-bit unsigned PCM (byte modes) and 32-bit IEEE float (float modes).

The header is written by hand so that the sample bytes are exactly ours. Data of 4 GiB
or more is written as RF64 (the EBU extension every reader of WAV64 data accepts).
"""
from __future__ import annotations

import struct

WAVE_FORMAT_PCM = 1
WAVE_FORMAT_IEEE_FLOAT = 3
_MAX_RIFF = 0xFFFFFFFF


def header(channels: int, sample_rate: int, bits: int, is_float: bool, frames: int) -> bytes:
    """The bytes before the sample data of a WAV file with `frames` frames."""
    block_align = channels * bits // 8
    data_size = frames * block_align
    fmt_tag = WAVE_FORMAT_IEEE_FLOAT if is_float else WAVE_FORMAT_PCM
    if is_float:
        fmt = struct.pack("<HHIIHHH", fmt_tag, channels, sample_rate, sample_rate * block_align,
                          block_align, bits, 0)
        extra = b"fact" + struct.pack("<II", 4, min(frames, _MAX_RIFF))
    else:
        fmt = struct.pack("<HHIIHH", fmt_tag, channels, sample_rate, sample_rate * block_align,
                          block_align, bits)
        extra = b""
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra
    pad = data_size & 1
    riff_size = 4 + len(chunks) + 8 + data_size + pad
    if riff_size <= _MAX_RIFF:
        return b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + chunks + b"data" + struct.pack("<I", data_size)
    ds64 = b"ds64" + struct.pack("<IQQQI", 28, riff_size + 36, data_size, frames, 0)
    return b"RF64" + struct.pack("<I", _MAX_RIFF) + b"WAVE" + ds64 + chunks + b"data" + \
        struct.pack("<I", _MAX_RIFF)
