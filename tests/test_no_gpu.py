"""Default options on a machine without CUDA: --gpu_ids 0 (the default) warns once and the run
goes on on the CPU; a --gpu_ids naming a GPU that does not exist is a one-line error, exit 2.
CUDA is simulated with monkeypatch, so this holds whatever machine runs it."""
import os

import pytest
import torch

import test as test_script
import train
from conftest import TINY
from util.errors import run_cli

CPU_DEFAULT = [a for i, a in enumerate(TINY) if a != '--gpu_ids' and TINY[i - 1] != '--gpu_ids']
WARNING = 'CUDA is not available'


def test_default_gpu_ids_without_cuda_warn_once_and_run_on_cpu(unaligned_root, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    assert '--gpu_ids' not in CPU_DEFAULT
    where = ['--dataroot', unaligned_root, '--checkpoints_dir', str(tmp_path / 'ck'), '--name', 'cpu']
    train.main(CPU_DEFAULT + where)
    assert capsys.readouterr().err.count(WARNING) == 1
    assert os.path.isfile(tmp_path / 'ck' / 'cpu' / 'latest_net_G_A.pth')
    test_script.main(where + ['--model', 'cycle_gan', '--ngf', '4', '--load_size', '32', '--crop_size', '32', '--results_dir', str(tmp_path / 'res')])
    assert capsys.readouterr().err.count(WARNING) == 1
    assert os.path.isfile(tmp_path / 'res' / 'cpu' / 'test_latest' / 'index.html')


def test_gpu_that_does_not_exist_is_a_one_line_error(unaligned_root, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 2)
    args = CPU_DEFAULT + ['--dataroot', unaligned_root, '--checkpoints_dir', str(tmp_path / 'ck'), '--gpu_ids', '0,2']
    with pytest.raises(SystemExit) as exit_info:
        run_cli(lambda: train.main(args))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err] and '--gpu_ids 0,2 names GPU 2' in err
