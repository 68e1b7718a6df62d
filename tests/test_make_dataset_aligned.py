"""datasets/make_dataset_aligned.py: trainA/trainB... of matching names become train/ test/ A|B images."""

import numpy as np
import pytest
from PIL import Image

from conftest import load_tool, write_random



make_aligned = load_tool('make_dataset_aligned')


def pixels(path):
    return np.asarray(Image.open(path))


def test_make_dataset_aligned_pairs_by_name(tmp_path):
    expected = {}
    for phase in ('train', 'test'):
        for i, name in enumerate(('b.png', 'a.png')):
            a = write_random(tmp_path / f'{phase}A' / name, i)
            b = write_random(tmp_path / f'{phase}B' / name, 20 + i)
            expected[f'{phase}/{name}'] = np.concatenate([a, b], axis=1)
    make_aligned.main(['--dataset-path', str(tmp_path)])
    for key, pair in expected.items():
        assert np.array_equal(pixels(tmp_path / key), pair)
    write_random(tmp_path / 'trainB' / 'c.png', 9)
    with pytest.raises(make_aligned.UserError, match='c.png is missing from .*trainA'):
        make_aligned.main(['--dataset-path', str(tmp_path)])
    with pytest.raises(make_aligned.UserError, match='folder not found'):
        make_aligned.main(['--dataset-path', str(tmp_path / 'nowhere')])
