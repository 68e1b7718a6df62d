"""The reference-feature cache: hit on the same content, miss on changed content, atomic files."""
import os
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from metrics import ImageSource
from metrics.feature_cache import cached_features, save_atomic


class CountingFeatures:
    """Stands in for the Inception network: mean colour per image, and a count of calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, source):
        self.calls += 1
        return np.stack([source.load(i).reshape(-1, 3).mean(axis=0) for i in range(len(source))]).astype(np.float32)


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / 'real'
    folder.mkdir()
    for i in range(3):
        Image.fromarray(np.full((8, 8, 3), 40 * i, dtype=np.uint8)).save(folder / f'{i}.png')
    return folder


def features(folder, compute, cache_dir):
    return cached_features(ImageSource.from_folder(str(folder)), compute, str(cache_dir), namespace='test')


def test_second_evaluation_reads_the_cache(folder, tmp_path):
    compute = CountingFeatures()
    first = features(folder, compute, tmp_path / 'cache')
    second = features(folder, compute, tmp_path / 'cache')
    assert compute.calls == 1
    np.testing.assert_array_equal(first, second)
    assert [f for f in os.listdir(tmp_path / 'cache') if not f.startswith('features_')] == []


def test_same_content_elsewhere_or_touched_still_hits(folder, tmp_path):
    compute = CountingFeatures()
    features(folder, compute, tmp_path / 'cache')
    copy = shutil.copytree(folder, tmp_path / 'copy')
    os.utime(copy / '0.png', (0, 0))
    features(copy, compute, tmp_path / 'cache')
    assert compute.calls == 1


def test_a_changed_added_or_renamed_file_misses(folder, tmp_path):
    compute = CountingFeatures()
    features(folder, compute, tmp_path / 'cache')
    Image.fromarray(np.full((8, 8, 3), 250, dtype=np.uint8)).save(folder / '1.png')
    assert features(folder, compute, tmp_path / 'cache')[1].tolist() == [250, 250, 250]
    Image.fromarray(np.zeros((8, 8, 3), dtype=np.uint8)).save(folder / '3.png')
    assert len(features(folder, compute, tmp_path / 'cache')) == 4
    os.rename(folder / '3.png', folder / '4.png')
    features(folder, compute, tmp_path / 'cache')
    assert compute.calls == 4


def test_another_namespace_does_not_share_entries(folder, tmp_path):
    compute = CountingFeatures()
    source = ImageSource.from_folder(str(folder))
    cached_features(source, compute, str(tmp_path), namespace='protocol-1')
    cached_features(source, compute, str(tmp_path), namespace='protocol-2')
    assert compute.calls == 2


def test_in_memory_images_are_never_cached(tmp_path):
    compute = CountingFeatures()
    source = ImageSource.from_tensor(torch.zeros(2, 3, 4, 4))
    cached_features(source, compute, str(tmp_path))
    cached_features(source, compute, str(tmp_path))
    assert compute.calls == 2 and os.listdir(tmp_path) == []


def test_a_corrupt_entry_is_recomputed_and_replaced(folder, tmp_path):
    compute = CountingFeatures()
    features(folder, compute, tmp_path / 'cache')
    (entry,) = (tmp_path / 'cache').iterdir()
    entry.write_bytes(b'not an npy file')
    with pytest.warns(UserWarning, match='unreadable cache entry'):
        features(folder, compute, tmp_path / 'cache')
    assert compute.calls == 2
    assert np.load(entry).shape == (3, 3)


def test_save_atomic_leaves_no_temporary_file_behind(tmp_path):
    save_atomic(str(tmp_path / 'sub' / 'x.npy'), np.arange(4))
    assert os.listdir(tmp_path / 'sub') == ['x.npy']
    (tmp_path / 'blocker').write_text('a file where the cache folder should be')
    with pytest.warns(UserWarning, match='cannot write the feature cache'):
        save_atomic(str(tmp_path / 'blocker' / 'x.npy'), np.arange(4))
