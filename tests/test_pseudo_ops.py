"""data/pseudo_ops.py: each built-in operator on a hand-made image, determinism, the registry."""
import numpy as np
import pytest
from PIL import Image

from data import pseudo_ops
from util.errors import UserError


def square(size=32, lo=8, hi=24):
    """A black square [lo, hi) x [lo, hi) on white."""
    pixels = np.full((size, size, 3), 255, np.uint8)
    pixels[lo:hi, lo:hi] = 0
    return Image.fromarray(pixels)


def arr(img):
    return np.asarray(img, dtype=np.float64)


def test_edges_only_on_the_square_border():
    out = arr(pseudo_ops.get('edges')(square()))
    assert out.shape == (32, 32, 3) and set(np.unique(out)) == {0.0, 255.0}
    line = out[..., 0] == 0
    y, x = np.mgrid[0:32, 0:32]
    # a pixel is next to the border when its 3x3 neighbourhood holds both colours
    inside = (y >= 8) & (y < 24) & (x >= 8) & (x < 24)
    near_border = np.zeros_like(inside)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            near_border |= inside != np.roll(np.roll(inside, dy, 0), dx, 1)
    assert line.any()
    assert not (line & ~near_border).any(), 'a line away from the border'
    # every side of the square is drawn, on its full length (corners aside)
    assert line[8, 9:23].all() and line[23, 9:23].all() and line[9:23, 8].all() and line[9:23, 23].all()
    assert (out[..., 0] == out[..., 2]).all()


def test_edges_of_a_flat_image_are_white_and_frame_is_not_an_edge():
    flat = Image.new('RGB', (20, 12), (90, 40, 200))
    assert (arr(pseudo_ops.edges(flat)) == 255).all()


def test_gray_is_luminance_on_three_channels():
    rng = np.random.default_rng(0)
    img = Image.fromarray((rng.random((16, 16, 3)) * 255).astype(np.uint8))
    out = arr(pseudo_ops.get('gray')(img))
    rgb = arr(img)
    luminance = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    assert np.abs(out[..., 0] - luminance).max() <= 1.0
    assert (out[..., 0] == out[..., 1]).all() and (out[..., 1] == out[..., 2]).all()


def test_blur_keeps_the_mean_and_softens():
    img = square(size=48, lo=16, hi=32)
    out = arr(pseudo_ops.get('blur')(img, radius=2.0))
    assert abs(out.mean() - arr(img).mean()) < 1.0
    assert 0 < out[24, 16, 0] < 255, 'the step is no longer sharp'
    assert out.std() < arr(img).std()
    assert np.abs(arr(pseudo_ops.blur(img, radius=4.0)) - arr(img)).sum() > np.abs(out - arr(img)).sum()


def test_downscale_of_a_constant_image_is_constant():
    flat = Image.new('RGB', (30, 22), (17, 130, 240))
    assert (arr(pseudo_ops.get('downscale')(flat, factor=4)) == arr(flat)).all()


def test_downscale_loses_detail_and_keeps_size():
    checker = Image.fromarray(((np.indices((32, 32)).sum(0) % 2) * 255).astype(np.uint8)).convert('RGB')
    out = pseudo_ops.downscale(checker, factor=4)
    assert out.size == checker.size
    assert arr(out).std() < 5, 'a 1-pixel checkerboard averages to flat grey'


@pytest.mark.parametrize('name', sorted(pseudo_ops.OPERATORS))
def test_every_operator_is_deterministic_and_keeps_size(name):
    rng = np.random.default_rng(1)
    img = Image.fromarray((rng.random((20, 28, 3)) * 255).astype(np.uint8))
    first, second = pseudo_ops.get(name)(img), pseudo_ops.get(name)(img)
    assert first.size == img.size and first.mode == 'RGB'
    assert (arr(first) == arr(second)).all()


def test_registry_takes_a_new_operator_and_names_the_choices_on_error():
    @pseudo_ops.pseudo_op('invert_for_test')
    def invert(img):
        return Image.fromarray(255 - np.asarray(img))
    try:
        assert pseudo_ops.get('invert_for_test') is invert
        with pytest.raises(UserError, match=r"--pseudo_pairs 'nope': unknown operator; available: .*edges"):
            pseudo_ops.get('nope')
    finally:
        del pseudo_ops.OPERATORS['invert_for_test']
