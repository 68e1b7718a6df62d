"""test.py --batch_size N: the same result files as one image at a time (up to the rounding of
kernels chosen by batch size), and a clear error where batching would change them."""
import os
import types

import numpy as np
import pytest
import torch
from PIL import Image

import test
from conftest import write_images
from models import create_model
from options.train_options import TrainOptions
from util.errors import UserError


def saved_model(root, checkpoints, model, *args):
    """Nets of `model` as initialised, saved as the 'latest' checkpoint test.py loads."""
    opt = TrainOptions().parse(['--dataroot', root, '--checkpoints_dir', checkpoints, '--name', 'run', '--model', model,
                                '--gpu_ids', '-1', '--display_id', '0', '--ngf', '8', '--ndf', '8', '--seed', '0',
                                '--num_threads', '0', *args])
    net = create_model(opt)
    net.setup(opt)
    net.save_networks('latest')


@pytest.mark.parametrize('model', ['cycle_gan', 'crossnet'])
def test_batched_translation_writes_the_same_files(unaligned_root, tmp_path, model):
    write_images(os.path.join(unaligned_root, 'testA'), 5, size=(36, 40), seed=7)  # 5 images: a partial last batch
    saved_model(unaligned_root, str(tmp_path / 'ck'), model)
    common = ['--dataroot', unaligned_root, '--checkpoints_dir', str(tmp_path / 'ck'), '--name', 'run', '--model', model,
              '--gpu_ids', '-1', '--ngf', '8', '--ndf', '8', '--load_size', '32', '--crop_size', '32', '--no_progress']
    for batch in ('1', '2'):
        test.main([*common, '--results_dir', str(tmp_path / batch), '--batch_size', batch, '--num_test', '4'])
    one, two = (tmp_path / b / 'run' / 'test_latest' / 'images' for b in ('1', '2'))
    names = sorted(os.listdir(one))
    assert names == sorted(os.listdir(two))
    assert len([n for n in names if n.endswith('_fake_B.png')]) == 4, '--num_test counts images, not batches'
    pixels = [np.asarray(Image.open(d / n), dtype=int) for n in names for d in (one, two)]
    differences = np.concatenate([np.abs(a - b).ravel() for a, b in zip(pixels[::2], pixels[1::2])])
    # oneDNN picks its convolution kernel by batch size: outputs differ by ~1e-6, so a rare pixel
    # rounds to the next grey level; a batch mixing images or paths would differ everywhere
    assert differences.max() <= 1 and (differences > 0).mean() < 0.01
    assert all((one / n).read_bytes() == (two / n).read_bytes() for n in names if n.endswith('_real_A.png'))


def fake(norm_layer, training):
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 3, 1), norm_layer(3))
    net.train(training)
    return types.SimpleNamespace(named_nets=lambda: [('G', net)])


def test_batching_refuses_batch_statistics_in_training_mode():
    opt = types.SimpleNamespace(batch_size=4, preprocess='resize_and_crop')
    with pytest.raises(UserError, match='--eval'):
        test.check_batching(opt, fake(torch.nn.BatchNorm2d, training=True))
    test.check_batching(opt, fake(torch.nn.BatchNorm2d, training=False))
    test.check_batching(opt, fake(torch.nn.InstanceNorm2d, training=True))


def test_batching_refuses_images_of_their_own_sizes():
    with pytest.raises(UserError, match='--preprocess none'):
        test.check_batching(types.SimpleNamespace(batch_size=2, preprocess='none'), fake(torch.nn.InstanceNorm2d, False))
