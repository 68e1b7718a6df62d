"""Colorization: the Lab conversion (against published values and by round trip), the data set,
and a tiny train/test run whose pages show RGB."""
import os

import numpy as np
import pytest
import torch
from PIL import Image

import test as test_script
import train
from conftest import TINY, write_images
from data.color import decode_lab, encode_lab, lab_to_rgb, rgb_to_lab
from util.errors import UserError


def test_known_colours():
    """Reference Lab values of sRGB white, red and mid grey (D65)."""
    rgb = torch.tensor([[1.0, 1.0, 0.5], [1.0, 0.0, 0.5], [1.0, 0.0, 0.5]], dtype=torch.float64).view(3, 1, 3)
    lab = rgb_to_lab(rgb).view(3, 3).T
    expected = torch.tensor([[100.0, 0.0, 0.0], [53.2408, 80.0925, 67.2032], [53.3890, 0.0, 0.0]], dtype=torch.float64)
    assert torch.allclose(lab, expected, atol=0.01), lab


def test_round_trip_rgb_lab_rgb():
    rgb = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    back = lab_to_rgb(rgb_to_lab(rgb))
    assert (back - rgb).abs().max() < 1e-4
    L, ab = encode_lab(rgb)
    assert L.shape == (2, 1, 16, 16) and ab.shape == (2, 2, 16, 16)
    assert L.min() >= -1 and L.max() <= 1 and ab.abs().max() <= 1
    assert (decode_lab(L, ab) - rgb).abs().max() < 1e-4


def test_out_of_gamut_lab_is_clipped():
    rgb = lab_to_rgb(torch.tensor([50.0, 127.0, -127.0]).view(3, 1, 1))
    assert rgb.min() >= 0 and rgb.max() <= 1 and torch.isfinite(rgb).all()


def _photos(root, size=(40, 36)):
    for phase in ['train', 'test']:
        write_images(os.path.join(root, phase), 2, size=size, seed=phase == 'test')
    return root


def test_tiny_train_and_test(tmp_path):
    root = _photos(str(tmp_path / 'photos'))
    # unet_128 halves the size 7 times, so 128 px is the smallest it takes
    common = ['--dataroot', root, '--name', 'color', '--model', 'colorization', '--checkpoints_dir', str(tmp_path / 'ck'),
              '--netG', 'unet_128', '--crop_size', '128', '--load_size', '128']
    train.main(TINY + common + ['--seed', '0'])
    assert os.path.isfile(tmp_path / 'ck' / 'color' / 'latest_net_G.pth')
    assert os.path.isfile(tmp_path / 'ck' / 'color' / 'web' / 'images' / 'epoch001_fake_B_rgb.png')
    test_script.main(common + ['--gpu_ids', '-1', '--ngf', '4', '--results_dir', str(tmp_path / 'res')])
    images = tmp_path / 'res' / 'color' / 'test_latest' / 'images'
    real = np.asarray(Image.open(images / '0000_real_B_rgb.png')).astype(int)
    assert real.shape == (128, 128, 3)
    source = np.asarray(Image.open(os.path.join(root, 'test', '0000.png')).resize((128, 128), Image.BICUBIC)).astype(int)
    assert np.abs(real - source).max() <= 2  # L + real ab decode back to the photo
    assert np.asarray(Image.open(images / '0000_real_A.png')).shape == (128, 128, 3)


def test_wrong_channels_is_one_line_error(tmp_path):
    root = _photos(str(tmp_path / 'photos'))
    with pytest.raises(UserError, match='--input_nc 1 --output_nc 2'):
        train.main(TINY + ['--dataroot', root, '--model', 'colorization', '--output_nc', '3', '--netG', 'resnet_6blocks',
                           '--checkpoints_dir', str(tmp_path / 'ck')])
