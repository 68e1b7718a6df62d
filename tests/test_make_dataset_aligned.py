"""datasets/make_dataset_aligned.py: trainA/trainB... of matching names become train/ test/ A|B images."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def load_tool(name):
    """Import datasets/<name>.py by path (datasets/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / 'datasets' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_aligned = load_tool('make_dataset_aligned')


def write_random(path, seed, size=(6, 4), mode='RGB'):
    """A small PNG of random pixels; returns its RGB array."""
    channels = {'RGB': 3, 'RGBA': 4, 'L': 1}[mode]
    arr = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], channels), np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr.squeeze(-1) if mode == 'L' else arr, mode).save(path)
    return np.asarray(Image.open(path).convert('RGB'))


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
