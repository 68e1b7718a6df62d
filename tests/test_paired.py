"""L1 / PSNR / SSIM against hand-computed values, and their use through compute_metrics."""
import math

import numpy as np
import pytest
import torch
from PIL import Image

from metrics import compute_metrics
from metrics.paired import gaussian_window, l1, psnr, ssim
from util.errors import UserError


def constant(value, size=16):
    return np.full((size, size, 3), value, dtype=np.uint8)


def test_l1_and_psnr_of_a_constant_offset():
    # Every pixel differs by 10 levels: L1 = 10/255, MSE = 100, PSNR = 10 log10(255^2 / 100).
    assert l1(constant(0), constant(10)) == pytest.approx(10 / 255)
    assert psnr(constant(0), constant(10)) == pytest.approx(20 * math.log10(25.5))
    assert psnr(constant(7), constant(7)) == math.inf


def test_psnr_on_unit_range_matches_uint8_range():
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 256, (2, 20, 20, 3), dtype=np.uint8)
    assert psnr(a / 255, b / 255, data_range=1) == pytest.approx(psnr(a, b))


def test_gaussian_window_is_normalised_and_symmetric():
    taps = gaussian_window()
    assert len(taps) == 11 and taps.sum() == pytest.approx(1) and np.allclose(taps, taps[::-1])
    assert taps[5] / taps[4] == pytest.approx(math.exp(1 / (2 * 1.5 ** 2)))


def test_ssim_of_constant_images_by_hand():
    # No variance anywhere, so SSIM is the luminance term (2 a b + C1) / (a^2 + b^2 + C1).
    c1 = (0.01 * 255) ** 2
    expected = (2 * 100 * 150 + c1) / (100 ** 2 + 150 ** 2 + c1)
    assert ssim(constant(100), constant(150)) == pytest.approx(expected)
    assert ssim(constant(100) / 255, constant(150) / 255, data_range=1) == pytest.approx(expected)


def test_ssim_of_identical_and_of_inverted_noise():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    assert ssim(image, image) == pytest.approx(1)
    assert ssim(image, 255 - image) < 0


def test_ssim_matches_torchmetrics_on_the_valid_region():
    # torchmetrics pads by reflection and averages the whole map; inside a 5-pixel border the
    # window never reaches the padding, so there both must agree with our 'valid' SSIM.
    functional = pytest.importorskip('torchmetrics.functional.image')
    rng = np.random.default_rng(2)
    a = rng.integers(0, 256, (24, 40, 3), dtype=np.uint8)
    b = np.clip(a + rng.normal(0, 30, a.shape), 0, 255).astype(np.uint8)
    to_tensor = lambda x: torch.from_numpy(x).permute(2, 0, 1)[None].double()  # noqa: E731
    _, ssim_map = functional.structural_similarity_index_measure(
        to_tensor(a), to_tensor(b), gaussian_kernel=True, sigma=1.5, kernel_size=11, data_range=255.0,
        return_full_image=True)
    assert ssim(a, b) == pytest.approx(ssim_map[..., 5:-5, 5:-5].mean().item(), abs=1e-9)


def test_ssim_rejects_images_smaller_than_the_window():
    with pytest.raises(ValueError, match='11 x 11'):
        ssim(constant(0, size=8), constant(0, size=8))


def write(folder, name, array):
    folder.mkdir(exist_ok=True)
    Image.fromarray(array).save(folder / name)


def test_paired_metrics_match_by_name(tmp_path):
    write(tmp_path / 'fake', 'b.png', constant(10))
    write(tmp_path / 'fake', 'a.png', constant(0))
    write(tmp_path / 'real', 'a.png', constant(10))
    write(tmp_path / 'real', 'b.png', constant(10))
    write(tmp_path / 'real', 'extra.png', constant(99))
    report = compute_metrics(['l1', 'psnr', 'ssim'], tmp_path / 'fake', tmp_path / 'real')
    assert report.per_image['a']['l1'] == pytest.approx(10 / 255)
    assert report.per_image['b']['psnr'] == math.inf and report.per_image['b']['ssim'] == pytest.approx(1)
    assert report.scores['l1'] == pytest.approx(5 / 255)
    assert set(report.per_image) == {'a', 'b'}


def test_paired_metrics_of_tensors_pair_by_index():
    fake = torch.full((2, 3, 16, 16), -1.0)
    real = torch.full((2, 3, 16, 16), 1.0)
    assert compute_metrics('l1', fake, real).scores == {'l1': pytest.approx(1.0)}


def test_missing_ground_truth_and_size_mismatch_are_user_errors(tmp_path):
    write(tmp_path / 'fake', 'a.png', constant(0))
    write(tmp_path / 'real', 'z.png', constant(0))
    with pytest.raises(UserError, match='no ground truth of the same name'):
        compute_metrics('l1', tmp_path / 'fake', tmp_path / 'real')
    write(tmp_path / 'real', 'a.png', constant(0, size=20))
    with pytest.raises(UserError, match='16x16 but its ground truth'):
        compute_metrics('psnr', tmp_path / 'fake', tmp_path / 'real')
