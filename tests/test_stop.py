"""SIGTERM/SIGINT (util/stop.py): the step in progress ends, the state is saved as at
--save_latest_freq, the run exits with 128 + the signal, and the same command line goes on exactly."""
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from conftest import ROOT
from models.cycle_gan_model import CycleGANModel
from test_train_state import BASE, assert_same_end, run

AUTO = ['--continue_train', 'auto']


def signal_during_step(monkeypatch, number, signum):
    """Send `signum` to this process in the middle of the `number`-th optimizer step."""
    calls, original = [], CycleGANModel.optimize_parameters

    def step(self):
        calls.append(1)
        if len(calls) == number:
            os.kill(os.getpid(), signum)
        original(self)
    monkeypatch.setattr(CycleGANModel, 'optimize_parameters', step)


@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGINT])
def test_signal_mid_epoch_saves_exits_and_the_same_command_resumes_exactly(unaligned_root, tmp_path, monkeypatch,
                                                                            capsys, signum):
    whole = run(unaligned_root, tmp_path, 'whole', *AUTO)
    handler = signal.getsignal(signum)
    signal_during_step(monkeypatch, 5, signum)  # epoch 2, its second sample
    with pytest.raises(SystemExit) as stopped:
        run(unaligned_root, tmp_path, 'stopped', *AUTO)
    assert stopped.value.code == 128 + signum
    err = capsys.readouterr().err.splitlines()
    state = tmp_path / 'ck' / 'stopped' / 'latest_train_state.pth'
    assert err[-1] == (f'stopped by {signal.Signals(signum).name}: the training state is saved in {state}; '
                       f'run the same command with --continue_train (or --continue_train auto) to go on')
    saved = torch.load(state)
    assert (saved['epoch'], saved['epoch_iter'], saved['total_iters']) == (1, 2, 5), 'the 5th step is in'
    assert signal.getsignal(signum) is handler, 'the handler is given back'
    monkeypatch.undo()
    assert_same_end(whole, run(unaligned_root, tmp_path, 'stopped', *AUTO))


def test_sigterm_to_the_process_group_with_loader_workers(unaligned_root, tmp_path):
    """As a cluster does: SIGTERM to train.py and its data loader workers at a random moment."""
    command = [sys.executable, 'train.py', '--dataroot', unaligned_root, '--checkpoints_dir', str(tmp_path / 'ck'),
               *BASE, '--n_epochs', '2', '--n_epochs_decay', '2', '--num_threads', '1', '--save_latest_freq', '1',
               *AUTO]
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    subprocess.run(command + ['--name', 'whole'], cwd=ROOT, check=True, capture_output=True, env=env)
    state = tmp_path / 'ck' / 'term' / 'latest_train_state.pth'
    proc = subprocess.Popen(command + ['--name', 'term'], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while not state.exists() and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGTERM)
    err = proc.communicate()[1]
    assert proc.returncode == 128 + signal.SIGTERM, err[-3000:]
    assert err.splitlines()[-1].startswith(f'stopped by SIGTERM: the training state is saved in {state};'), err
    assert 'Traceback' not in err
    assert torch.load(state)['total_iters'] < 12, 'stopped before the end'
    resumed = subprocess.run(command + ['--name', 'term'], cwd=ROOT, capture_output=True, text=True, env=env)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert_same_end(tmp_path / 'ck' / 'whole', tmp_path / 'ck' / 'term', iterations=12)


def test_a_run_that_fails_with_live_loader_workers_still_exits(unaligned_root, tmp_path):
    """The workers ignore SIGTERM, which is how multiprocessing ends them at exit: an error raised
    mid-epoch (here a corrupt image, read in a worker) once left train.py waiting for them forever."""
    bad = os.path.join(unaligned_root, 'trainA', '0001.png')
    with open(bad, 'wb') as f:
        f.write(b'garbage')
    command = [sys.executable, 'train.py', '--dataroot', unaligned_root, '--checkpoints_dir', str(tmp_path / 'ck'),
               *BASE, '--num_threads', '1', '--serial_batches', '--name', 'bad']
    run = subprocess.run(command, cwd=ROOT, env={**os.environ, 'OMP_NUM_THREADS': '1'}, capture_output=True,
                         text=True, timeout=240)
    assert run.returncode == 2, run.stderr[-3000:]
    assert run.stderr.splitlines()[-1].startswith(f'error: cannot read image {bad}'), run.stderr[-3000:]
