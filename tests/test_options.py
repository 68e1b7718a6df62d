import json
import os
import subprocess
import sys

import pytest
import torch

from conftest import ROOT, TINY
from options import base_options
from options.base_options import parse_gpu_ids
from options import test_options
from options.train_options import TrainOptions
from util.errors import UserError

UPSTREAM_DEFAULTS = {
    'name': 'experiment_name', 'gpu_ids': '0', 'checkpoints_dir': './checkpoints', 'model': 'cycle_gan',
    'input_nc': 3, 'output_nc': 3, 'ngf': 64, 'ndf': 64, 'netD': 'basic', 'netG': 'resnet_9blocks',
    'n_layers_D': 3, 'norm': 'instance', 'init_type': 'normal', 'init_gain': 0.02, 'no_dropout': True,
    'dataset_mode': 'unaligned', 'direction': 'AtoB', 'serial_batches': False, 'num_threads': 4,
    'batch_size': 1, 'load_size': 286, 'crop_size': 256, 'max_dataset_size': float('inf'),
    'preprocess': 'resize_and_crop', 'no_flip': False, 'display_winsize': 256, 'epoch': 'latest',
    'load_iter': 0, 'verbose': False, 'suffix': '', 'display_freq': 400, 'display_ncols': 4,
    'display_id': 1, 'display_server': 'http://localhost', 'display_env': 'main', 'display_port': 8097,
    'update_html_freq': 1000, 'print_freq': 100, 'no_html': False, 'save_latest_freq': 5000,
    'save_epoch_freq': 5, 'save_by_iter': False, 'continue_train': False, 'epoch_count': 1,
    'phase': 'train', 'n_epochs': 100, 'n_epochs_decay': 100, 'beta1': 0.5, 'lr': 0.0002,
    'gan_mode': 'lsgan', 'pool_size': 50, 'lr_policy': 'linear', 'lr_decay_iters': 50,
}


def parse(tmp_path, *args, cls=TrainOptions):
    return cls().parse(['--dataroot', str(tmp_path), '--checkpoints_dir', str(tmp_path / 'ck'), '--gpu_ids', '-1', *args])


def test_upstream_defaults(tmp_path):
    opt = parse(tmp_path)
    for key, value in UPSTREAM_DEFAULTS.items():
        if key not in ('gpu_ids', 'checkpoints_dir'):
            assert getattr(opt, key) == value, key
    assert opt.gpu_ids == [] and opt.device == torch.device('cpu')


def test_test_defaults(tmp_path):
    opt = parse(tmp_path, cls=test_options.TestOptions)
    assert (opt.model, opt.results_dir, opt.aspect_ratio, opt.phase, opt.eval, opt.num_test) == \
        ('test', './results/', 1.0, 'test', False, 50)
    assert opt.dataset_mode == 'single' and opt.load_size == opt.crop_size == 256


def test_model_and_dataset_add_their_options(tmp_path):
    cyc = parse(tmp_path, '--model', 'cycle_gan')
    assert (cyc.lambda_A, cyc.lambda_B, cyc.lambda_identity) == (10.0, 10.0, 0.5)
    p2p = parse(tmp_path, '--model', 'pix2pix')
    assert (p2p.netG, p2p.norm, p2p.dataset_mode, p2p.pool_size, p2p.gan_mode, p2p.lambda_L1) == \
        ('unet_256', 'batch', 'aligned', 0, 'vanilla', 100.0)
    assert not hasattr(p2p, 'lambda_A')


def test_options_saved_with_non_defaults_marked(tmp_path):
    options = TrainOptions()
    opt = options.parse(['--dataroot', str(tmp_path), '--checkpoints_dir', str(tmp_path / 'ck'), '--gpu_ids', '-1',
                         '--name', 'run', '--ngf', '8'])
    assert not (tmp_path / 'ck').exists(), 'parsing alone writes nothing'
    options.save_options(opt)
    text = (tmp_path / 'ck' / 'run' / 'train_opt.txt').read_text()
    assert 'ngf: 8' in text and '[default: 64]' in text
    values = json.loads((tmp_path / 'ck' / 'run' / 'train_opt.json').read_text())
    assert values['ngf'] == 8 and values['no_flip'] is False and 'explicit' not in values


def test_explicit_options_are_recorded(tmp_path):
    opt = parse(tmp_path, '--epoch_count', '1')
    assert 'epoch_count' in opt.explicit and 'lr' not in opt.explicit


def test_four_parses_per_start(tmp_path, monkeypatch):
    """Upstream's three rounds (base, with the model's options, with the data set's) and one that
    tells given options from defaults; presets need no round of their own."""
    calls = []
    original = base_options._Parser.parse_known_args
    monkeypatch.setattr(base_options._Parser, 'parse_known_args',
                        lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    parse(tmp_path, '--model', 'crossnet', '--crossnet_mode', 'gan_id', '--lambda_CTC', '2')
    assert len(calls) == 4


@pytest.mark.parametrize('args, words', [
    (['--model', 'nope'], ['nope', 'cycle_gan', 'pix2pix']),
    (['--dataset_mode', 'nope'], ['nope', 'unaligned', 'aligned']),
    (['--batch_size', '0'], ['--batch_size']),
    (['--netG', 'foo'], ['netG', 'foo']),
    (['--lr', 'fast'], ['--lr', 'fast']),
    (['--crop_size', '300', '--load_size', '286'], ['--crop_size', '--load_size']),
    (['--gpu_ids', 'x'], ['--gpu_ids']),
    (['--name', '../x'], ['--name', "'../x'"]),
    (['--name', ''], ['--name', "''"]),
    (['--max_dataset_size', '0'], ['--max_dataset_size', '0']),
    (['--load_size', '16', '--crop_size', '16'], ['--crop_size 16', '--n_layers_D']),
    (['--netD', 'n_layers', '--n_layers_D', '6', '--load_size', '32', '--crop_size', '32'], ['--crop_size 32', '6 layers']),
])
def test_bad_values_are_one_line_errors(tmp_path, args, words):
    with pytest.raises(UserError) as err:
        parse(tmp_path, *args)
    assert all(w in str(err.value) for w in words) and '\n' not in str(err.value)


def test_sizes_the_discriminator_takes_pass(tmp_path):
    assert parse(tmp_path, '--load_size', '24', '--crop_size', '24').crop_size == 24
    assert parse(tmp_path, '--netD', 'pixel', '--load_size', '8', '--crop_size', '8').crop_size == 8


def test_aspect_ratio_must_be_positive(tmp_path):
    with pytest.raises(UserError, match='--aspect_ratio must be positive, got 0.0'):
        parse(tmp_path, '--aspect_ratio', '0', cls=test_options.TestOptions)


def test_cli_error_exits_2_with_one_line(tmp_path):
    proc = subprocess.run([sys.executable, 'train.py', '--dataroot', str(tmp_path), '--model', 'nope'],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()] and 'cycle_gan' in proc.stderr


def test_gpu_ids_fall_back_to_cpu_without_cuda(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    assert parse_gpu_ids('0') == ([], torch.device('cpu'))
    assert 'CUDA is not available' in capsys.readouterr().err
    assert parse_gpu_ids('-1') == ([], torch.device('cpu'))


def test_gpu_id_that_does_not_exist(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 1)
    with pytest.raises(UserError, match='names GPU 3'):
        parse_gpu_ids('0,3')


def test_tiny_options_are_valid(tmp_path):
    opt = TrainOptions().parse(['--dataroot', str(tmp_path), '--checkpoints_dir', str(tmp_path), *TINY])
    assert opt.ngf == 4 and not os.path.exists(tmp_path / 'experiment_name')
