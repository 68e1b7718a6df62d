"""Upstream's own smoke list (its scripts/test_before_push.py): train then test cycle_gan (tested
through --model test), pix2pix, template and colorization, on a few real images, CPU only.

`default` runs at upstream's default sizes and options (256 px crops, ngf/ndf 64, --gpu_ids 0,
so it also exercises the CPU fallback) with 2 images and one epoch; it is slow on a 2-core CPU.
`small` is the same list at 32 px (128 px for the U-Nets) with ngf/ndf 4, for the fast suite."""
import os
import time

import pytest
from PIL import Image

import test as test_script
import train
from conftest import shared_dataset, slice_of

# name -> (data set, train options, test options, test dataroot subfolder, visual checked at test)
CASES = {
    'cycle_gan': ('horse2zebra', ['--model', 'cycle_gan'],
                  ['--model', 'test', '--model_suffix', '_A', '--no_dropout'], 'testA', 'fake'),
    'pix2pix': ('facades', ['--model', 'pix2pix', '--direction', 'BtoA'],
                ['--model', 'pix2pix', '--direction', 'BtoA'], '', 'fake_B'),
    'template': ('facades', ['--model', 'template'], ['--model', 'template'], '', 'output'),
    'colorization': ('photos', ['--model', 'colorization'], ['--model', 'colorization'], '', 'fake_B_rgb'),
}
UNET_MODELS = ('pix2pix', 'colorization')
SMALL = ['--ngf', '4', '--ndf', '4', '--num_threads', '0']


def data_root(kind, tmp_path):
    if kind == 'horse2zebra':
        return slice_of(shared_dataset('horse2zebra'), ['trainA', 'trainB', 'testA'], str(tmp_path / 'h2z'), 2)
    if kind == 'facades':
        return slice_of(shared_dataset('facades'), ['train', 'test'], str(tmp_path / 'facades'), 2)
    # colorization reads colour photos from <dataroot>/<phase>: horse photos will do
    h2z = slice_of(shared_dataset('horse2zebra'), ['trainA', 'testA'], str(tmp_path / 'h2z_photos'), 2)
    os.makedirs(tmp_path / 'photos')
    os.symlink(os.path.join(h2z, 'trainA'), tmp_path / 'photos' / 'train')
    os.symlink(os.path.join(h2z, 'testA'), tmp_path / 'photos' / 'test')
    return str(tmp_path / 'photos')


def run_smoke(name, size, tmp_path):
    kind, train_args, test_args, test_sub, visual = CASES[name]
    root = data_root(kind, tmp_path)
    where = ['--name', f'temp_{name}', '--checkpoints_dir', str(tmp_path / 'ck')]
    # upstream's smoke options
    train_common = ['--max_dataset_size', '2', '--n_epochs', '1', '--n_epochs_decay', '0',
                    '--save_latest_freq', '10', '--print_freq', '1', '--display_id', '-1']
    test_common = ['--num_test', '1', '--results_dir', str(tmp_path / 'res')]
    sizes, side = [], 256
    if size == 'small':
        side = 128 if name in UNET_MODELS else 32
        sizes = SMALL + (['--netG', 'unet_128'] if name in UNET_MODELS else []) + ['--load_size', str(side), '--crop_size', str(side)]
    start = time.perf_counter()
    train.main(['--dataroot', root] + where + train_args + train_common + sizes)
    trained = time.perf_counter()
    test_script.main(['--dataroot', os.path.join(root, test_sub)] + where + test_args + test_common + sizes)
    print(f'\nsmoke {name} {size}: train {trained - start:.1f} s, test {time.perf_counter() - trained:.1f} s')

    suffix = '_A' if name == 'cycle_gan' else ''
    assert os.path.isfile(tmp_path / 'ck' / f'temp_{name}' / f'latest_net_G{suffix}.pth')
    results = tmp_path / 'res' / f'temp_{name}' / 'test_latest'
    assert os.path.isfile(results / 'index.html')
    [fake] = [f for f in os.listdir(results / 'images') if f.endswith(f'_{visual}.png')]
    assert Image.open(results / 'images' / fake).size == (side, side)


@pytest.mark.parametrize('name', sorted(CASES))
def test_smoke_small(name, tmp_path):
    run_smoke(name, 'small', tmp_path)


@pytest.mark.slow(reason='256 px, ngf 64 on a CPU: 1 to 5 minutes per model on 2 shared cores')
@pytest.mark.parametrize('name', sorted(CASES))
def test_smoke_default_size(name, tmp_path):
    run_smoke(name, 'default', tmp_path)
