"""scripts/visualize_latent.py (paper Figure 3) and scripts/extract_foreground.py (section 5.3)."""
import contextlib
import importlib.util
import io
from pathlib import Path

import numpy as np
import torch
from PIL import Image

SCRIPTS = Path(__file__).resolve().parents[1] / 'scripts'


def load(name):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / (name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pca_and_magnitude_separate_regions():
    latent = load('visualize_latent')
    z = np.zeros((16, 4, 6))
    z[:, :, :3] = np.linspace(-1, 1, 16)[:, None, None]  # left half: one feature vector
    z[:, :, 3:] = 3 * np.cos(np.arange(16))[:, None, None]  # right half: another, longer one
    rgb = latent.pca_rgb(z)
    assert rgb.shape == (4, 6, 3) and rgb.min() >= 0 and rgb.max() <= 1
    assert np.allclose(rgb[:, :3], rgb[0, 0]) and np.allclose(rgb[:, 3:], rgb[0, 3])
    assert not np.allclose(rgb[0, 0], rgb[0, 3])
    magnitude = latent.magnitude_map(z)
    assert np.allclose(magnitude[:, :3], 0) and np.allclose(magnitude[:, 3:], 1)
    row = latent.figure_row(np.zeros((16, 24, 3), np.uint8), z, np.zeros((16, 24, 3), np.uint8))
    assert [panel.shape for panel in row] == [(16, 24, 3)] * 4


def test_visualize_latent_end_to_end(tmp_path):
    """A saved (untrained) CrossNet and two images give a grid of 4 panels per row and a page."""
    from models.crossnet_model import CrossNetModel
    from options.train_options import TrainOptions
    latent = load('visualize_latent')
    images = tmp_path / 'images'
    images.mkdir()
    for i in range(2):
        Image.fromarray(np.random.RandomState(i).randint(0, 255, (32, 32, 3), np.uint8)).save(images / ('%d.png' % i))
    common = ['--dataroot', str(images), '--name', 'cn', '--checkpoints_dir', str(tmp_path / 'ckpt'),
              '--model', 'crossnet', '--gpu_ids', '-1', '--ngf', '4', '--n_blocks_E', '2']
    with contextlib.redirect_stdout(io.StringIO()):
        model = CrossNetModel(TrainOptions().parse(common + ['--ndf', '4', '--n_blocks_T', '1']))
        model.save_networks('latest')
        out = latent.main(common + ['--results_dir', str(tmp_path / 'results'), '--load_size', '32', '--crop_size', '32'])
    grid = np.asarray(Image.open(Path(out) / 'grid.png'))
    assert grid.shape == (2 * 32, 4 * 32, 3)
    assert (Path(out) / 'index.html').read_text().count('<img') == 8


def test_visualize_latent_of_a_cyclegan_splits_after_the_last_residual_block(tmp_path):
    """CycleGAN's code is its generator after the residual blocks: the halves compose to G_A."""
    from models.cycle_gan_model import CycleGANModel
    from options.train_options import TrainOptions
    latent = load('visualize_latent')
    images = tmp_path / 'images'
    images.mkdir()
    Image.fromarray(np.random.RandomState(0).randint(0, 255, (32, 32, 3), np.uint8)).save(images / '0.png')
    common = ['--dataroot', str(images), '--name', 'cg', '--checkpoints_dir', str(tmp_path / 'ckpt'),
              '--model', 'cycle_gan', '--gpu_ids', '-1', '--ngf', '4', '--netG', 'resnet_6blocks']
    with contextlib.redirect_stdout(io.StringIO()):
        model = CycleGANModel(TrainOptions().parse(common + ['--ndf', '4']))
        model.save_networks('latest')
        out = latent.main(common + ['--results_dir', str(tmp_path / 'results'), '--load_size', '32', '--crop_size', '32'])
    encoder, decoder = latent.encoder_decoder(model, True)
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        z = encoder(x)
        assert z.shape == (1, 16, 8, 8)  # ngf * 4 channels at a quarter of the size
        assert torch.equal(decoder(z), model.netG_A(x))
    assert np.asarray(Image.open(Path(out) / 'grid.png')).shape == (32, 4 * 32, 3)


def synthetic_scene(h=40, w=40):
    """A dark square object on a textured background, its ground-truth mask, and an ideal translation."""
    rng = np.random.RandomState(0)
    original = rng.randint(100, 200, (h, w, 3)).astype(np.uint8)
    truth = np.zeros((h, w), bool)
    truth[10:30, 12:28] = True
    original[truth] = (20, 30, 40)
    translation = np.full((h, w, 3), 255, np.uint8)
    translation[truth] = (25, 35, 45)
    return original, truth, translation


def test_extract_keeps_original_pixels_and_whitens_background():
    fg = load('extract_foreground')
    original, truth, translation = synthetic_scene()
    translation[0, 0] = (240, 240, 240)  # luminance 240 <= 243: kept as foreground, with its ORIGINAL value
    mask, composite = fg.extract(original, translation)
    expected = truth.copy()
    expected[0, 0] = True
    assert np.array_equal(mask, expected)
    assert np.array_equal(composite[expected], original[expected])
    assert (composite[~expected] == 255).all()


def test_roc_auc():
    fg = load('extract_foreground')
    fpr, tpr = fg.roc_curve(np.array([0.9, 0.8, 0.3, 0.1]), np.array([1, 1, 0, 0]))
    assert fg.auc(fpr, tpr) == 1.0
    fpr, tpr = fg.roc_curve(np.array([0.1, 0.2, 0.8, 0.9]), np.array([1, 1, 0, 0]))
    assert fg.auc(fpr, tpr) == 0.0
    fpr, tpr = fg.roc_curve(np.full(4, 0.5), np.array([1, 0, 1, 0]))  # ties: the chance diagonal
    assert fg.auc(fpr, tpr) == 0.5


def test_extract_foreground_folder_run(tmp_path):
    """On test.py's file names: masks, composites, roc.csv / roc.png, and AUC 1 for a perfect translation."""
    fg = load('extract_foreground')
    original, truth, translation = synthetic_scene()
    images, masks = tmp_path / 'images', tmp_path / 'masks'
    images.mkdir()
    masks.mkdir()
    Image.fromarray(original).save(images / 'cat_real_A.png')
    Image.fromarray(translation).save(images / 'cat_fake_B.png')
    Image.fromarray((truth * 255).astype(np.uint8)).save(masks / 'cat.png')
    with contextlib.redirect_stdout(io.StringIO()):
        area = fg.run(str(images), str(tmp_path / 'out'), str(masks))
    assert area == 1.0
    assert {p.name for p in (tmp_path / 'out').iterdir()} == {'cat_mask.png', 'cat_foreground.png', 'roc.csv', 'roc.png'}
    assert np.array_equal(np.asarray(Image.open(tmp_path / 'out' / 'cat_mask.png')) > 0, truth)
