"""--eval_freq: metrics logged, best_net_*.pth kept, and a seeded run trains identically with it;
metrics/translate.measuring puts modes and random generators back."""
import json
import os
import random
import shutil

import numpy as np
import pytest
import torch

import train
from metrics import during_training
from metrics.metric_main import MetricReport
from metrics.translate import measuring
from tests.conftest import TINY, load_tool
from training import train_state
from util import run_record
from util.errors import UserError

EPOCHS = ['--n_epochs', '3', '--seed', '0', '--save_epoch_freq', '100']


@pytest.fixture(scope='module')
def synthetic(tmp_path_factory):
    data = str(tmp_path_factory.mktemp('eval') / 'synthetic')
    load_tool('make_synthetic').make_synthetic(data, size=32, num_train=6, num_test=3)
    return data


@pytest.fixture(scope='module')
def plain_run(synthetic, tmp_path_factory):
    """A seeded 3-epoch run without evaluation: the weights the other runs must match."""
    checkpoints = str(tmp_path_factory.mktemp('plain'))
    train.main(TINY + EPOCHS + ['--dataroot', synthetic, '--name', 'plain', '--checkpoints_dir', checkpoints])
    return os.path.join(checkpoints, 'plain')


def weights(run_dir, label='latest'):
    return {name: torch.load(os.path.join(run_dir, f'{label}_net_{name}.pth'), weights_only=True)
            for name in ('G_A', 'G_B', 'D_A', 'D_B')}


def assert_same_weights(a, b):
    for name in a:
        assert a[name].keys() == b[name].keys()
        for key in a[name]:
            assert torch.equal(a[name][key], b[name][key]), f'{name}.{key} differs'


def train_with_eval(synthetic, tmp_path, freq):
    train.main(TINY + EPOCHS + ['--dataroot', synthetic, '--name', 'ev', '--checkpoints_dir', str(tmp_path),
                                '--eval_freq', str(freq)])
    return str(tmp_path / 'ev')


def test_best_checkpoint_log_and_identical_training(synthetic, plain_run, tmp_path, monkeypatch):
    """Scripted scores (the real ones are in the slow test): best is the epoch of the lowest FID."""
    fids = iter([5.0, 3.0, 4.0])
    seen = []

    def fake_metrics(names, fake, real, **kwargs):
        seen.append((len(fake), len(real), fake.arrays[0].shape))
        return MetricReport(scores={'fid': next(fids), 'kid': 0.1, 'kid_std': 0.01})

    monkeypatch.setattr(during_training, 'compute_metrics', fake_metrics)
    run_dir = train_with_eval(synthetic, tmp_path, 1)
    assert seen == [(3, 3, (32, 32, 3))] * 3
    with open(os.path.join(run_dir, 'best.json')) as f:
        best = json.load(f)
    assert best['epoch'] == 2 and best['fid'] == 3.0
    with open(os.path.join(run_dir, 'loss_log.txt')) as f:
        log = f.read()
    assert [f'(epoch: {e}) fid: {v:.4f}' in log for e, v in [(1, 5), (2, 3), (3, 4)]] == [True] * 3
    with open(os.path.join(run_dir, 'web', 'index.html')) as f:
        assert 'best_net_G_A.pth' in f.read()
    assert_same_weights(weights(run_dir), weights(plain_run))
    # best_net_* holds epoch 2, which the last epoch changed
    assert not torch.equal(weights(run_dir, 'best')['G_A']['model.1.weight'], weights(run_dir)['G_A']['model.1.weight'])


def test_resume_keeps_the_best_checkpoint_and_the_metric_curves(synthetic, plain_run, tmp_path, monkeypatch):
    """Killed after epoch 1 (its FID measured and saved), continued: the same weights as a run that
    never stopped, the best epoch found across the stop, and FID of every epoch in the state."""
    fids = iter([5.0, 3.0, 4.0])
    monkeypatch.setattr(during_training, 'compute_metrics',
                        lambda *a, **k: MetricReport(scores={'fid': next(fids), 'kid': 0.1, 'kid_std': 0.01}))
    original = train_state.save
    saves = []

    def save_then_die(*args, **kwargs):  # epoch 1 is saved before measuring and again after it
        original(*args, **kwargs)
        saves.append(args[0])
        if len(saves) == 2:
            monkeypatch.setattr(train_state, 'save', original)
            raise KeyboardInterrupt
    monkeypatch.setattr(train_state, 'save', save_then_die)
    options = TINY + EPOCHS + ['--dataroot', synthetic, '--name', 'ev', '--checkpoints_dir', str(tmp_path),
                               '--eval_freq', '1', '--save_epoch_freq', '1']
    with pytest.raises(KeyboardInterrupt):
        train.main(options)
    train.main(options + ['--continue_train'])
    run_dir = str(tmp_path / 'ev')
    assert_same_weights(weights(run_dir), weights(plain_run))
    with open(os.path.join(run_dir, 'best.json')) as f:
        assert json.load(f)['epoch'] == 2
    fids = [(e['epoch'], e['value']) for e in run_record.read(run_record.path_of(run_dir)) if e.get('name') == 'fid']
    assert fids == [(1, 5.0), (2, 3.0), (3, 4.0)]


@pytest.mark.slow
def test_real_fid_identical_training(synthetic, plain_run, tmp_path, monkeypatch):
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    run_dir = train_with_eval(synthetic, tmp_path, 2)
    with open(os.path.join(run_dir, 'loss_log.txt')) as f:
        lines = [line for line in f if ') fid: ' in line or ') kid: ' in line]
    assert [line.split(')')[0] for line in lines] == ['(epoch: 2'] * 2
    with open(os.path.join(run_dir, 'best.json')) as f:
        best = json.load(f)
    assert best['epoch'] == 2 and np.isfinite(best['fid']) and best['fid'] > 0
    assert all(os.path.exists(os.path.join(run_dir, f'best_net_{n}.pth')) for n in ('G_A', 'G_B', 'D_A', 'D_B'))
    assert_same_weights(weights(run_dir), weights(plain_run))


def test_a_corrupt_test_image_stops_the_run_before_training(synthetic, tmp_path):
    data = tmp_path / 'data'
    shutil.copytree(synthetic, data)
    target = sorted((data / 'testB').iterdir())[1]
    target.write_bytes(target.read_bytes()[:100])
    with pytest.raises(UserError, match=f'cannot read image .*{target.name}: '):
        train.main(TINY + ['--dataroot', str(data), '--checkpoints_dir', str(tmp_path / 'ck'), '--eval_freq', '1'])
    assert not (tmp_path / 'ck').exists()


def test_a_failed_measurement_keeps_the_epoch_trained(synthetic, tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise UserError('measuring failed')
    monkeypatch.setattr(during_training, 'compute_metrics', fail)
    with pytest.raises(UserError, match='measuring failed'):
        train_with_eval(synthetic, tmp_path, 1)
    state = torch.load(tmp_path / 'ev' / 'latest_train_state.pth', weights_only=False)
    assert state['epoch'] == 1 and (tmp_path / 'ev' / 'latest_net_G_A.pth').exists()


def test_a_best_of_an_abandoned_run_is_not_kept(synthetic, tmp_path, monkeypatch, capsys):
    fids = iter([5.0, 3.0, 4.0, 9.0])
    monkeypatch.setattr(during_training, 'compute_metrics',
                        lambda *a, **k: MetricReport(scores={'fid': next(fids), 'kid': 0.1, 'kid_std': 0.01}))
    run_dir = train_with_eval(synthetic, tmp_path, 1)  # best: epoch 2, FID 3
    original = torch.load(os.path.join(run_dir, 'best_net_G_A.pth'))
    # continue from an older state (as after a crash that lost the later ones): best.json is newer
    state = torch.load(os.path.join(run_dir, 'latest_train_state.pth'), weights_only=False)
    state.update(epoch=1, history={**state['history'], 'metrics': {'fid': [(1, 5.0)], 'kid': [(1, 0.1)]}})
    torch.save(state, os.path.join(run_dir, 'latest_train_state.pth'))
    capsys.readouterr()
    train.main(TINY + ['--n_epochs', '2', '--seed', '0', '--save_epoch_freq', '100', '--dataroot', synthetic,
                       '--name', 'ev', '--checkpoints_dir', str(tmp_path), '--eval_freq', '1', '--continue_train'])
    assert 'come from an abandoned run' in capsys.readouterr().out
    with open(os.path.join(run_dir, 'best.json')) as f:
        assert json.load(f) == {'epoch': 2, 'num_test': 3, 'fid': 9.0, 'kid': 0.1, 'kid_std': 0.01}
    assert not torch.equal(torch.load(os.path.join(run_dir, 'best_net_G_A.pth'))['model.1.weight'],
                           original['model.1.weight'])


def test_eval_num_test_checked(synthetic, tmp_path):
    with pytest.raises(UserError, match='--eval_num_test must be at least 2'):
        train.main(TINY + ['--dataroot', synthetic, '--checkpoints_dir', str(tmp_path), '--eval_freq', '1',
                           '--eval_num_test', '1'])


class _Model:
    """Just what measuring needs: named nets and eval()."""

    def __init__(self):
        self.netG = torch.nn.Sequential(torch.nn.Conv2d(3, 3, 1), torch.nn.Dropout(0.5), torch.nn.BatchNorm2d(3))

    def named_nets(self):
        return [('G', self.netG)]

    def eval(self):
        self.netG.eval()


def test_measuring_restores_modes_and_random_state():
    model = _Model()
    model.netG.train()
    model.netG[2].eval()  # a mixed state must come back as it was, not as a blanket train()
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    expected = (random.random(), np.random.rand(), torch.rand(1))
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    with measuring(model):
        assert not any(m.training for m in model.netG.modules())
        random.random(), np.random.rand(), torch.rand(5)
    assert [m.training for m in model.netG.modules()] == [True, True, True, False]
    assert (random.random(), np.random.rand(), torch.rand(1)) == expected


def test_domain_score_during_training_uses_the_training_sets(synthetic, tmp_path, monkeypatch):
    seen = []

    def fake_metrics(names, fake, real, domain_train=None, **kwargs):
        seen.append((list(names), [len(s) for s in domain_train]))
        return MetricReport(scores={'fid': 1.0, 'kid': 0.1, 'kid_std': 0.01, 'domain': 0.25, 'domain_real': 1.0})

    monkeypatch.setattr(during_training, 'compute_metrics', fake_metrics)
    train.main(TINY + ['--n_epochs', '1', '--dataroot', synthetic, '--name', 'dom', '--checkpoints_dir', str(tmp_path),
                       '--eval_freq', '1', '--eval_metrics', 'fid,kid,domain'])
    assert seen == [(['fid', 'kid', 'domain'], [6, 6])]
    with open(tmp_path / 'dom' / 'loss_log.txt') as f:
        assert 'domain' in f.read()


def test_eval_metrics_must_include_fid_and_kid(synthetic, tmp_path):
    with pytest.raises(UserError, match='--eval_metrics: fid and kid'):
        train.main(TINY + ['--dataroot', synthetic, '--name', 'bad', '--checkpoints_dir', str(tmp_path),
                           '--eval_freq', '1', '--eval_metrics', 'domain'])
