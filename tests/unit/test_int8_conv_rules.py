"""The pure parts of the int8 convolution rewrite: geometry, weight re-encoding and the policy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from voxray_runtime.engines.int8_conv import (
    ConvGeometry,
    conv_geometry,
    gemm_weights,
    int8_dot_product,
    should_rewrite,
)

SAPPHIRE_RAPIDS = {"avx2", "avx512f", "avx512_vnni", "amx_int8", "amx_tile"}
ALDER_LAKE = {"avx2", "avx_vnni"}
HASWELL = {"avx2", "fma"}


@pytest.mark.parametrize(
    ("shape", "attrs", "expected"),
    [
        ((128, 128, 11), {"pads": [5, 5], "dilations": [1]}, ConvGeometry(128, 128, 11, 5, 5, 1, 1)),
        (
            (128, 128, 7),
            {"pads": [15, 15], "dilations": [5], "strides": [1], "group": 1, "auto_pad": b"NOTSET"},
            ConvGeometry(128, 128, 7, 15, 15, 1, 5),
        ),
        ((256, 22, 12), {"pads": [3, 3], "strides": [6]}, ConvGeometry(256, 22, 12, 3, 3, 6, 1)),
        ((64, 512, 1), {}, ConvGeometry(64, 512, 1, 0, 0, 1, 1)),
        ((192, 1, 3), {"group": 192, "pads": [1, 1]}, None),  # depthwise: left to ConvInteger
        ((8, 8, 3, 3), {"pads": [1, 1, 1, 1]}, None),  # 2-D
        ((8, 8, 3), {"auto_pad": b"SAME_UPPER"}, None),
        ((8, 8, 3), {"kernel_shape": [5]}, None),  # inconsistent with the weights
        ((8, 8, 3), {"pads": [-1, 0]}, None),
    ],
)
def test_conv_geometry(shape: tuple[int, ...], attrs: dict[str, Any], expected: ConvGeometry | None) -> None:
    assert conv_geometry(shape, attrs) == expected


@pytest.mark.parametrize(
    ("geometry", "frames", "out"),
    [
        (ConvGeometry(1, 1, 11, 5, 5, 1, 1), 100, 100),  # "same" padding
        (ConvGeometry(1, 1, 7, 15, 15, 1, 5), 100, 100),  # dilated, same
        (ConvGeometry(1, 1, 3, 0, 0, 1, 1), 100, 98),
        (ConvGeometry(1, 1, 12, 3, 3, 6, 1), 600, 100),  # (606 - 12) // 6 + 1
        (ConvGeometry(1, 1, 3, 0, 0, 1, 1), 2, 0),
    ],
)
def test_output_frames(geometry: ConvGeometry, frames: int, out: int) -> None:
    assert geometry.output_frames(frames) == out


@pytest.mark.parametrize(
    "zero_point", [np.array(0, np.uint8), np.array(128, np.uint8), np.array(255, np.uint8)]
)
def test_reencoded_weights_keep_every_difference(zero_point: np.ndarray) -> None:
    weight = np.arange(2 * 3 * 4 * 11, dtype=np.int64).reshape(2, 3, 4 * 11) % 256
    weight = weight.reshape(2, 3, 44).astype(np.uint8)  # (O=2, C=3, K=44): every byte value appears
    matrix, zp = gemm_weights(weight, zero_point)
    assert (matrix.dtype, zp.dtype, matrix.shape, zp.shape) == (np.int8, np.int8, (44 * 3, 2), ())
    for o in range(2):
        for c in range(3):
            for k in range(44):
                before = int(weight[o, c, k]) - int(zero_point)
                assert int(matrix[k * 3 + c, o]) - int(zp) == before


@pytest.mark.parametrize(
    ("weight", "zero_point"),
    [
        (np.zeros((2, 2, 3), np.int8), np.array(0, np.uint8)),  # already int8
        (np.zeros((2, 2, 3), np.uint8), np.array([1, 2], np.uint8)),  # per channel: not a ConvInteger's
    ],
)
def test_refuses_what_it_cannot_reencode(weight: np.ndarray, zero_point: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"uint8|per-tensor"):
        gemm_weights(weight, zero_point)


@pytest.mark.parametrize(
    ("flags", "machine", "exact"),
    [
        (SAPPHIRE_RAPIDS, "x86_64", True),
        (ALDER_LAKE, "x86_64", True),
        ({"avx512_vnni"}, "AMD64", True),
        (HASWELL, "x86_64", False),  # vpmaddubsw saturates int16: not the same integers
        (set(), "x86_64", False),
        ({"asimd", "asimddp"}, "aarch64", False),
        (SAPPHIRE_RAPIDS, "aarch64", False),
    ],
)
def test_int8_dot_product(flags: set[str], machine: str, exact: bool) -> None:
    assert int8_dot_product(flags, machine) is exact


@pytest.mark.parametrize(
    ("mode", "device", "flags", "rewrite"),
    [
        ("auto", "cpu", SAPPHIRE_RAPIDS, True),
        ("auto", "cuda", SAPPHIRE_RAPIDS, False),
        ("onnxruntime", "cpu", SAPPHIRE_RAPIDS, False),
        ("auto", "cpu", HASWELL, False),
    ],
)
def test_should_rewrite(mode: str, device: str, flags: set[str], rewrite: bool) -> None:
    assert should_rewrite(mode, device, flags, "x86_64") is rewrite


def test_unknown_mode_is_named() -> None:
    with pytest.raises(ValueError, match="VOXRAY_INT8_KERNELS='fast'"):
        should_rewrite("fast", "cpu", SAPPHIRE_RAPIDS, "x86_64")
