"""datasets/make_synthetic.py: layout, counts, determinism, and that test pairs are the same scene."""
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import load_tool

ROOT = Path(__file__).resolve().parents[1]


syn = load_tool('make_synthetic')


def pixels(path):
    return np.asarray(Image.open(path).convert('RGB'))


def mask(img, background):
    return np.any(img != np.array(background, np.uint8), axis=-1)


def digests(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob('*.png'))}


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp('syn') / 'synthetic'
    syn.make_synthetic(str(out), size=32, num_train=6, num_test=4, seed=3, aligned=True)
    return out


def test_layout_and_counts(data):
    for folder, count in (('trainA', 6), ('trainB', 6), ('testA', 4), ('testB', 4), ('train', 6), ('test', 4)):
        names = sorted(os.listdir(data / folder))
        assert len(names) == count, folder
        img = Image.open(data / folder / names[0])
        assert img.mode == 'RGB' and img.size == ((64, 32) if folder in ('train', 'test') else (32, 32))
    assert sorted(os.listdir(data / 'testA')) == sorted(os.listdir(data / 'testB'))
    assert set(os.listdir(data / 'trainA')).isdisjoint(os.listdir(data / 'trainB'))


def test_test_pairs_are_the_same_scene(data):
    for name in os.listdir(data / 'testA'):
        img_a, img_b = pixels(data / 'testA' / name), pixels(data / 'testB' / name)
        assert mask(img_a, syn.BG_A).any()
        assert np.array_equal(mask(img_a, syn.BG_A), mask(img_b, syn.BG_B))
        for colour_a, colour_b in zip(syn.COLOURS_A, syn.COLOURS_B):  # B is A's colour swap or outline
            seen = img_b[np.all(img_a == colour_a, axis=-1)]
            assert np.all(np.all(seen == colour_b, -1) | np.all(seen == syn.OUTLINE_B, -1))


def test_train_domains_come_from_different_scenes(data):
    masks_a = [mask(pixels(p), syn.BG_A) for p in sorted((data / 'trainA').iterdir())]
    masks_b = [mask(pixels(p), syn.BG_B) for p in sorted((data / 'trainB').iterdir())]
    assert not any(np.array_equal(a, b) for a in masks_a for b in masks_b)


def test_aligned_pairs_are_train_A_with_its_own_B(data):
    pair = pixels(data / 'train' / '0002.png')
    assert np.array_equal(pair[:, :32], pixels(data / 'trainA' / 'a_0002.png'))
    assert np.array_equal(mask(pair[:, :32], syn.BG_A), mask(pair[:, 32:], syn.BG_B))
    test_pair = pixels(data / 'test' / '0001.png')
    assert np.array_equal(test_pair[:, 32:], pixels(data / 'testB' / '0001.png'))


def test_same_seed_same_files_and_counts_do_not_change_images(data, tmp_path):
    syn.make_synthetic(str(tmp_path / 'again'), size=32, num_train=6, num_test=4, seed=3, aligned=True)
    assert digests(tmp_path / 'again') == digests(data)
    syn.make_synthetic(str(tmp_path / 'fewer'), size=32, num_train=2, num_test=1, seed=3)
    fewer = digests(tmp_path / 'fewer')
    assert len(fewer) == 6 and all(digests(data)[k] == v for k, v in fewer.items())
    syn.make_synthetic(str(tmp_path / 'other'), size=32, num_train=6, num_test=4, seed=4)
    other = digests(tmp_path / 'other')
    assert all(digests(data)[k] != v for k, v in other.items() if k.startswith('test'))


def test_rerun_replaces_its_own_output_and_refuses_foreign_folders(tmp_path):
    out = tmp_path / 'syn'
    syn.main(['--out', str(out), '--size', '16', '--num_train', '5', '--num_test', '2', '--aligned'])
    syn.main(['--out', str(out), '--size', '16', '--num_train', '3', '--num_test', '2'])
    assert len(os.listdir(out / 'trainA')) == 3 and not (out / 'train').exists()
    (tmp_path / 'real' / 'trainA').mkdir(parents=True)
    (tmp_path / 'real' / 'trainA' / 'horse.jpg').write_bytes(b'x')
    with pytest.raises(syn.UserError, match='not written by this tool'):
        syn.main(['--out', str(tmp_path / 'real')])
    with pytest.raises(syn.UserError, match='--size 30'):
        syn.main(['--out', str(tmp_path / 'bad'), '--size', '30'])


def test_command_line_from_another_folder(tmp_path):
    script = str(ROOT / 'datasets' / 'make_synthetic.py')
    done = subprocess.run([sys.executable, script, '--out', 'syn', '--num_train', '2', '--num_test', '1'],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert str(tmp_path / 'syn') in done.stdout
    bad = subprocess.run([sys.executable, script, '--out', 'syn', '--num_test', '0'],
                         cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode != 0 and bad.stderr.strip().count('\n') == 0 and 'num_test' in bad.stderr
