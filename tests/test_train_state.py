"""Resuming: a run stopped after any save and continued with --continue_train ends bit for bit
where the run that never stopped ends (CPU, --seed)."""
import os
import random
import signal
import subprocess
import sys
import time

import pytest
import torch

import train
from conftest import TINY
from training import train_state
from util import run_record
from util.errors import UserError

# 3 epochs (the last with a decaying rate) and a pool small enough to fill and swap images
BASE = [*TINY, '--n_epochs', '2', '--n_epochs_decay', '1', '--seed', '3', '--pool_size', '2', '--print_freq', '1']


class Killed(Exception):
    pass


def run(root, tmp_path, name, *args):
    train.main(['--dataroot', root, '--name', name, '--checkpoints_dir', str(tmp_path / 'ck'), *BASE, *args])
    return tmp_path / 'ck' / name


def kill_after_save(monkeypatch, number):
    """Make the `number`-th save of the next run its last act, as a kill right after it would."""
    calls = []
    original = train_state.save

    def save(*args, **kwargs):
        original(*args, **kwargs)
        calls.append(args[0])
        if len(calls) == number:
            monkeypatch.setattr(train_state, 'save', original)
            raise Killed
    monkeypatch.setattr(train_state, 'save', save)


def assert_same_end(a, b, iterations=9):
    files = sorted(f.name for f in a.glob('latest_net_*.pth'))
    assert len(files) >= 4 and files == sorted(f.name for f in b.glob('latest_net_*.pth'))
    for name in files:
        wa, wb = torch.load(a / name), torch.load(b / name)
        assert all(torch.equal(wa[k], wb[k]) for k in wa), f'{name} differs'
    sa, sb = torch.load(a / 'latest_train_state.pth'), torch.load(b / 'latest_train_state.pth')
    moments = [(x, y) for oa, ob in zip(sa['optimizers'], sb['optimizers'])
               for pa, pb in zip(oa['state'].values(), ob['state'].values()) for x, y in zip(pa.values(), pb.values())]
    assert moments and all(torch.equal(x, y) for x, y in moments)
    assert sa['total_iters'] == sb['total_iters'] == iterations
    assert logged(a) == logged(b) and len(logged(a)) == iterations, 'one record entry per iteration, none twice'


def logged(run_dir):
    """What the run record holds of each logged iteration (the timing aside)."""
    keep = ('kind', 'epoch', 'iters', 'epoch_iter', 'progress', 'losses', 'lr')
    return [{k: e[k] for k in keep} for e in run_record.read(run_record.path_of(run_dir))]


@pytest.mark.parametrize('kill_at, saved, args', [
    (1, (1, 0), ['--save_epoch_freq', '1', '--model', 'cycle_gan']),  # end of epoch 1
    (1, (1, 0), ['--save_epoch_freq', '1', '--model', 'crossnet']),
    (2, (1, 1), ['--save_latest_freq', '2']),  # iteration 4: after the first sample of epoch 2
    (2, (1, 1), ['--save_latest_freq', '2', '--num_threads', '1']),  # the same with a loader worker
    (1, (0, 3), ['--save_latest_freq', '3']),  # after epoch 1's last sample, before its end-of-epoch steps
])
def test_resumed_run_ends_as_the_uninterrupted_one(unaligned_root, tmp_path, monkeypatch, kill_at, saved, args):
    whole = run(unaligned_root, tmp_path, 'whole', *args)
    kill_after_save(monkeypatch, kill_at)
    with pytest.raises(Killed):
        run(unaligned_root, tmp_path, 'resumed', *args)
    stopped = torch.load(tmp_path / 'ck' / 'resumed' / 'latest_train_state.pth')
    assert (stopped['epoch'], stopped['epoch_iter']) == saved
    resumed = run(unaligned_root, tmp_path, 'resumed', *args, '--continue_train')
    assert_same_end(whole, resumed)


def test_resume_restores_the_curves(unaligned_root, tmp_path, monkeypatch):
    kill_after_save(monkeypatch, 1)
    with pytest.raises(Killed):
        run(unaligned_root, tmp_path, 'r', '--save_epoch_freq', '1')
    ck = run(unaligned_root, tmp_path, 'r', '--save_epoch_freq', '1', '--continue_train')
    x = [e['progress'] for e in run_record.read(run_record.path_of(ck))]
    assert len(x) == 9 and x[0] < 1 < x[-1], 'the curve starts in epoch 1, before the resume'
    assert [e['iters'] for e in run_record.read(run_record.path_of(ck))] == list(range(1, 10))


def test_state_of_an_older_format_is_a_clear_error(unaligned_root, tmp_path):
    ck = run(unaligned_root, tmp_path, 'old')
    state = torch.load(ck / 'latest_train_state.pth')
    del state['rng'], state['pools']
    torch.save(state, ck / 'latest_train_state.pth')
    with pytest.raises(UserError, match='lacks pools, rng'):
        run(unaligned_root, tmp_path, 'old', '--continue_train')



@pytest.mark.slow
def test_sigkill_at_a_random_moment_then_resume(unaligned_root, tmp_path):
    """A real kill -9 of train.py, saving every iteration (so the kill often lands inside a save)."""
    command = [sys.executable, 'train.py', '--dataroot', unaligned_root, '--checkpoints_dir', str(tmp_path / 'ck'),
               *BASE, '--n_epochs', '5', '--n_epochs_decay', '5', '--save_latest_freq', '1']
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run(command + ['--name', 'whole'], cwd=repo, check=True, capture_output=True)
    state = tmp_path / 'ck' / 'killed' / 'latest_train_state.pth'
    proc = subprocess.Popen(command + ['--name', 'killed'], cwd=repo, stdout=subprocess.DEVNULL)
    while not state.exists() and proc.poll() is None:
        time.sleep(0.01)
    time.sleep(random.uniform(0.5, 2.0))
    proc.kill()
    assert proc.wait() == -signal.SIGKILL, 'the run finished before the kill: make it longer'
    resumed = subprocess.run(command + ["--name", "killed", "--continue_train"], cwd=repo, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert_same_end(tmp_path / 'ck' / 'whole', tmp_path / 'ck' / 'killed', iterations=30)


def test_state_of_another_model_is_a_clear_error(unaligned_root, tmp_path):
    ck = run(unaligned_root, tmp_path, 'other')
    state = torch.load(ck / 'latest_train_state.pth')
    state['networks']['D_pair'] = {}
    torch.save(state, ck / 'latest_train_state.pth')
    with pytest.raises(UserError, match='holds nets G_A, G_B, D_A, D_B, D_pair but --model cycle_gan has'):
        run(unaligned_root, tmp_path, 'other', '--continue_train')


def test_processes_that_disagree_whether_to_continue_stop(unaligned_root, tmp_path, monkeypatch):
    """As when --checkpoints_dir is not one shared folder: only rank 0 sees the state."""
    from util import distributed
    monkeypatch.setattr(distributed, 'gather', lambda value: [value, not value])
    with pytest.raises(UserError, match='the processes disagree whether x is to be continued: --checkpoints_dir .* '
                                        'must be one folder that every machine sees'):
        run(unaligned_root, tmp_path, 'x')
