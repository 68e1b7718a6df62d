"""datasets/make_unpaired.py: disjoint training halves (by file and by content), test pairs that
line up, held-back pairs, manifest, determinism, errors, and a slice of the real facades."""
import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import load_tool

ROOT = Path(__file__).resolve().parents[1]
FACADES = ROOT.parent / 'shared' / 'datasets' / 'facades'


unpaired = load_tool('make_unpaired')


def pixels(path):
    return np.asarray(Image.open(path).convert('RGB'))


def digest(path):
    return hashlib.sha256(pixels(path).tobytes()).hexdigest()


def names(folder):
    return sorted(os.listdir(folder))


def make_aligned(root, counts, size=8):
    """An aligned set of random A|B images (every half distinct); returns {split/name: (A, B)}."""
    halves = {}
    rng = np.random.default_rng(0)
    for split, count in counts.items():
        (root / split).mkdir(parents=True)
        for i in range(count):
            pair = rng.integers(0, 256, (size, 2 * size, 3), np.uint8)
            Image.fromarray(pair).save(root / split / f'{i}.png')
            halves[f'{split}/{i}.png'] = (pair[:, :size], pair[:, size:])
    return halves


def check_clean_split(out):
    """trainA and trainB share no pair: not by name, not by content of a counterpart."""
    train_A, train_B = names(out / 'trainA'), names(out / 'trainB')
    assert train_A and train_B and set(train_A).isdisjoint(train_B)
    assert sorted(train_A + train_B) == names(out / 'pairsA') == names(out / 'pairsB')
    hashes_A = {digest(out / 'trainA' / n) for n in train_A}
    hashes_B = {digest(out / 'trainB' / n) for n in train_B}
    assert hashes_A.isdisjoint(digest(out / 'pairsA' / n) for n in train_B)
    assert hashes_B.isdisjoint(digest(out / 'pairsB' / n) for n in train_A)
    for n in train_A:
        assert digest(out / 'trainA' / n) == digest(out / 'pairsA' / n)
    for n in train_B:
        assert digest(out / 'trainB' / n) == digest(out / 'pairsB' / n)
    assert names(out / 'testA') == names(out / 'testB')


def test_split_is_clean_and_pairs_line_up(tmp_path):
    halves = make_aligned(tmp_path / 'src', {'train': 7, 'test': 3, 'val': 2})
    out = tmp_path / 'out'
    manifest = unpaired.make_unpaired(str(tmp_path / 'src'), str(out), seed=1)
    check_clean_split(out)
    assert (len(names(out / 'trainA')), len(names(out / 'trainB'))) == (4, 3)
    assert names(out / 'valA') == names(out / 'valB') == ['0.png', '1.png']
    for name in names(out / 'testA'):
        a, b = halves[f'test/{name}']
        assert np.array_equal(pixels(out / 'testA' / name), a)
        assert np.array_equal(pixels(out / 'testB' / name), b)
    for name in names(out / 'trainB'):
        assert np.array_equal(pixels(out / 'trainB' / name), halves[f'train/{name}'][1])
    assert manifest['complete'] and manifest['folders']['trainA'] == {n: f'train/{n}' for n in names(out / 'trainA')}
    assert json.loads((out / 'manifest.json').read_text()) == manifest


def test_split_is_deterministic_and_BtoA_swaps_halves(tmp_path):
    halves = make_aligned(tmp_path / 'src', {'train': 8, 'test': 1})
    split = {}
    for run, seed in (('a', 0), ('b', 0), ('c', 5)):
        unpaired.main(['--dataroot', str(tmp_path / 'src'), '--out', str(tmp_path / run), '--seed', str(seed)])
        split[run] = names(tmp_path / run / 'trainA')
    assert split['a'] == split['b'] != split['c']
    unpaired.main(['--dataroot', str(tmp_path / 'src'), '--out', str(tmp_path / 'a'), '--direction', 'BtoA'])
    assert names(tmp_path / 'a' / 'trainA') == split['a']
    for name in split['a']:
        assert np.array_equal(pixels(tmp_path / 'a' / 'trainA' / name), halves[f'train/{name}'][1])


def test_val_becomes_the_test_set_without_test_folder(tmp_path):
    make_aligned(tmp_path / 'maps', {'train': 4, 'val': 2})
    unpaired.main(['--dataroot', str(tmp_path / 'maps'), '--ext', 'jpg'])
    out = tmp_path / 'maps_unpaired'
    assert names(out / 'testA') == ['0.jpg', '1.jpg'] and not (out / 'valA').exists()
    assert json.loads((out / 'manifest.json').read_text())['folders']['testB']['1.jpg'] == 'val/1.png'


@pytest.mark.parametrize('layout, message', [
    ({}, 'no train/ folder'),
    ({'train': 3}, 'no test/ or val/ folder'),
    ({'train': 1, 'test': 1}, 'at least 2 pairs'),
    ({'train': 0, 'test': 1}, 'train: no images'),
])
def test_bad_input_is_one_user_error(tmp_path, layout, message):
    if layout:
        make_aligned(tmp_path / 'src', layout)
    else:  # the unaligned layout given by mistake
        (tmp_path / 'src' / 'trainA').mkdir(parents=True)
    with pytest.raises(unpaired.UserError, match=message):
        unpaired.make_unpaired(str(tmp_path / 'src'), str(tmp_path / 'out'))


def test_odd_width_and_missing_root(tmp_path):
    make_aligned(tmp_path / 'src', {'train': 2, 'test': 1})
    Image.new('RGB', (15, 8)).save(tmp_path / 'src' / 'train' / '1.png')
    with pytest.raises(unpaired.UserError, match=r'1\.png is 15x8: an A\|B image holds A and B side by side'):
        unpaired.make_unpaired(str(tmp_path / 'src'), str(tmp_path / 'out'))
    with pytest.raises(unpaired.UserError, match='--dataroot .*nowhere: folder not found'):
        unpaired.make_unpaired(str(tmp_path / 'nowhere'), str(tmp_path / 'out'))


@pytest.mark.skipif(not FACADES.is_dir(), reason=f'{FACADES} not present (shared data sets are optional)')
def test_facades_slice(tmp_path):
    src = tmp_path / 'facades'
    for split, files in (('train', ('1.jpg', '2.jpg', '3.jpg', '4.jpg')), ('test', ('1.jpg', '2.jpg'))):
        (src / split).mkdir(parents=True)
        for name in files:
            shutil.copy(FACADES / split / name, src / split / name)
    unpaired.main(['--dataroot', str(src), '--direction', 'BtoA', '--seed', '3'])
    out = tmp_path / 'facades_unpaired'
    check_clean_split(out)
    assert len(names(out / 'trainA')) == len(names(out / 'trainB')) == 2
    photo = pixels(out / 'testB' / '1.png')
    source = pixels(src / 'test' / '1.jpg')
    assert photo.shape == (256, 256, 3) and np.array_equal(photo, source[:, :256])
