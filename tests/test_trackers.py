"""--use_wandb / --use_tensorboard without their package: a one-line error before training, on
every rank; and only rank 0 opens a tracker."""
import importlib.util

import pytest

import train
from conftest import TINY
from options.train_options import TrainOptions
from util import distributed, trackers
from util.errors import UserError
from util.visualizer import Visualizer


@pytest.mark.parametrize('option, package', [('--use_wandb', 'wandb'), ('--use_tensorboard', 'tensorboard')])
def test_a_missing_package_is_a_one_line_error_naming_the_install(unaligned_root, tmp_path, monkeypatch,
                                                                  option, package):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, 'find_spec', lambda name, *a: None if name == package else find_spec(name, *a))
    with pytest.raises(UserError) as error:
        train.main([*TINY, '--dataroot', unaligned_root, '--name', 'x', '--checkpoints_dir', str(tmp_path), option])
    assert str(error.value) == (f'{option} needs the {package} package: pip install {package} '
                                f'(or pip install -e ".[{package}]")')
    assert not (tmp_path / 'x' / 'latest_net_G_A.pth').exists()


def test_only_rank_0_opens_trackers(unaligned_root, tmp_path, monkeypatch):
    pytest.importorskip('tensorboard')
    monkeypatch.setattr(distributed, 'is_main', lambda: False)
    opened = []
    monkeypatch.setattr(trackers, 'open_all', lambda *a: opened.append(a) or [])
    opt = TrainOptions().parse([*TINY, '--dataroot', unaligned_root, '--name', 'y', '--checkpoints_dir', str(tmp_path),
                                '--use_tensorboard'])
    visualizer = Visualizer(opt)
    visualizer.load_state_dict(None)
    visualizer.log_losses(1, 1, 3, {'G': 1.0}, 0.1, 0.0, {'G': 1e-3})
    visualizer.plot_metric(1, 'fid', 3.0)
    assert opened == [] and not visualizer.trackers
    assert not (tmp_path / 'y' / 'tensorboard').exists()
