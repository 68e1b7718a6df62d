"""datasets/combine_A_and_B.py: the right A|B pixels and names, upstream's options, one-line errors."""
import os

import numpy as np
import pytest
from PIL import Image

from conftest import load_tool, write_random

combine = load_tool('combine_A_and_B')


def pixels(path):
    return np.asarray(Image.open(path))


@pytest.mark.parametrize('multiprocessing', [False, True])
def test_combine_gives_A_left_B_right(tmp_path, multiprocessing):
    expected = {}
    for i, name in enumerate(('x.png', 'y.png')):
        a = write_random(tmp_path / 'A' / 'train' / name, i)
        b = write_random(tmp_path / 'B' / 'train' / name, 10 + i)
        expected[name] = np.concatenate([a, b], axis=1)
    write_random(tmp_path / 'A' / 'train' / 'lonely.png', 5)
    args = ['--fold_A', str(tmp_path / 'A'), '--fold_B', str(tmp_path / 'B'), '--fold_AB', str(tmp_path / 'AB')]
    combine.main(args + ([] if multiprocessing else ['--no_multiprocessing']))
    assert sorted(os.listdir(tmp_path / 'AB' / 'train')) == ['x.png', 'y.png']
    for name, pair in expected.items():
        assert np.array_equal(pixels(tmp_path / 'AB' / 'train' / name), pair)


def test_use_AB_names_num_imgs_and_modes(tmp_path):
    a = write_random(tmp_path / 'A' / 'test' / '0001_A.png', 1, mode='L')
    b = write_random(tmp_path / 'B' / 'test' / '0001_B.png', 2, mode='RGBA')
    write_random(tmp_path / 'A' / 'test' / '0002_A.png', 3)
    write_random(tmp_path / 'B' / 'test' / '0002_B.png', 4)
    count = combine.combine(str(tmp_path / 'A'), str(tmp_path / 'B'), str(tmp_path / 'AB'),
                            num_imgs=1, use_AB=True, multiprocessing=False)
    assert count == 1 and os.listdir(tmp_path / 'AB' / 'test') == ['0001.png']
    rgba = pixels(tmp_path / 'B' / 'test' / '0001_B.png').astype(float)
    b = rgba[..., :3] * rgba[..., 3:] / 255 + 255 * (1 - rgba[..., 3:] / 255)  # laid on white, as every reader does
    written = pixels(tmp_path / 'AB' / 'test' / '0001.png').astype(float)
    assert np.abs(written - np.concatenate([a, b], axis=1)).max() <= 1


def test_combine_errors_are_one_line(tmp_path):
    write_random(tmp_path / 'A' / 'train' / 'x.png', 0, size=(6, 4))
    write_random(tmp_path / 'B' / 'train' / 'x.png', 1, size=(8, 4))
    with pytest.raises(combine.UserError, match='A is 6x4 but B is 8x4'):
        combine.combine(str(tmp_path / 'A'), str(tmp_path / 'B'), str(tmp_path / 'AB'), multiprocessing=False)
    (tmp_path / 'B' / 'train' / 'x.png').write_bytes(b'not an image')
    with pytest.raises(combine.UserError, match='cannot read image .*x.png: '):
        combine.combine(str(tmp_path / 'A'), str(tmp_path / 'B'), str(tmp_path / 'AB'))
    with pytest.raises(combine.UserError, match='--fold_A .*missing: folder not found'):
        combine.combine(str(tmp_path / 'missing'), str(tmp_path / 'B'), str(tmp_path / 'AB'))
    with pytest.raises(combine.UserError, match='no split subfolders'):
        combine.combine(str(tmp_path / 'A' / 'train'), str(tmp_path / 'B'), str(tmp_path / 'AB'))
    with pytest.raises(combine.UserError, match='no pairs'):
        combine.combine(str(tmp_path / 'A'), str(tmp_path / 'B'), str(tmp_path / 'AB'), use_AB=True)
