"""The domain score: a linear probe on Inception features of the two training sets."""
import numpy as np
import pytest
import torch
from PIL import Image

from metrics import ImageSource, compute_metrics
from metrics.domain import DomainProbe
from util.errors import UserError


def test_probe_separates_two_gaussians_and_ignores_class_sizes():
    rng = np.random.default_rng(0)
    shift = np.zeros(64)
    shift[:4] = 3.0
    source = rng.standard_normal((30, 64))
    target = rng.standard_normal((120, 64)) + shift  # four times as many: balanced weights keep the boundary
    probe = DomainProbe(source, target)
    assert probe.train_accuracy > 0.95
    held_out_source = rng.standard_normal((200, 64))
    held_out_target = rng.standard_normal((200, 64)) + shift
    assert probe.share(held_out_source) < 0.1
    assert probe.share(held_out_target) > 0.9
    assert probe.share(held_out_source[:100] + shift) > 0.9  # a shifted source now reads as target


def test_probe_needs_enough_images_per_domain():
    with pytest.raises(UserError, match='source training set has 3 images'):
        DomainProbe(np.zeros((3, 8)), np.ones((20, 8)))


def images(kind, count, size, seed):
    """`count` images: 'noise' (grey static) or 'stripes' (red and white bands of random width)."""
    rng = np.random.default_rng(seed)
    out = np.empty((count, size, size, 3), dtype=np.uint8)
    for i in range(count):
        if kind == 'noise':
            out[i] = rng.integers(0, 256, (size, size, 1)).repeat(3, axis=2)
        else:
            period = int(rng.integers(4, 9))
            bands = (np.arange(size) // period) % 2 == 0
            out[i] = np.where(bands[None, :, None], [220, 30, 30], [250, 250, 250])
    return torch.from_numpy(out).permute(0, 3, 1, 2)


def test_domain_metric_scores_translations_inputs_and_reals_at_the_fakes_size():
    train = (images('noise', 12, 64, 1), images('stripes', 12, 64, 2))
    real_targets = images('stripes', 4, 64, 3)
    good_fakes = images('stripes', 4, 32, 4)  # smaller than the training images: measured at 32 px
    untranslated = images('noise', 4, 32, 5)
    kwargs = dict(domain_train=train, progress=False)
    good = compute_metrics('domain', good_fakes, real_targets, **kwargs).scores
    none = compute_metrics('domain', untranslated, real_targets, **kwargs).scores
    assert good['domain_probe_train_accuracy'] == 1.0
    assert good['domain'] == 1.0 and none['domain'] == 0.0
    assert good['domain_real'] == none['domain_real'] == 1.0


def test_domain_metric_without_training_sets_is_a_user_error():
    with pytest.raises(UserError, match='needs the two training sets'):
        compute_metrics('domain', torch.zeros(2, 3, 8, 8), torch.zeros(2, 3, 8, 8), progress=False)


def test_at_size_resizes_on_load_and_changes_the_cache_key(tmp_path):
    for i in range(2):
        Image.fromarray(np.full((40, 60, 3), 50 * i, dtype=np.uint8)).save(tmp_path / f'{i}.png')
    source = ImageSource.from_folder(str(tmp_path))
    small = source.at_size((30, 20))
    assert source.load(0).shape == (40, 60, 3) and small.load(1).shape == (20, 30, 3)
    assert small.keys == source.keys and len(small) == 2
    assert small.content_key() != source.content_key() != None  # noqa: E711
    assert small.content_key() == source.at_size((30, 20)).content_key()
