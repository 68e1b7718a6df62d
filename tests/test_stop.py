"""SIGTERM/SIGINT (training/stop.py): the step in progress ends, the state is saved as at
--save_latest_freq, the run exits with 128 + the signal, and the same command line goes on exactly."""
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

import test as test_script
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


def assert_one_set(folder, label='latest'):
    """Every <label>_net_* file holds the weights of the training state beside it: one save's files.
    Returns that state."""
    state = torch.load(folder / f'{label}_train_state.pth')
    nets = sorted(folder.glob(f'{label}_net_*.pth'))
    assert len(nets) == len(state['networks']) >= 4
    for path in nets:
        weights, saved = torch.load(path), state['networks'][path.stem.split('_net_')[1]]
        assert weights.keys() == saved.keys() and all(torch.equal(weights[k], saved[k]) for k in weights), \
            f'{path.name} is not from the save of iteration {state["total_iters"]}'
    assert not [f.name for f in folder.iterdir() if f.name.startswith('.')], 'no temporary file, no journal'
    return state


def written_file(f):
    """The path of the file object torch.save is writing (Linux)."""
    return os.readlink(f'/proc/self/fd/{f.fileno()}')


@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_a_save_ends_with_one_set_of_files(unaligned_root, tmp_path, monkeypatch, capsys, signum):
    """The signal lands while the first save writes its second network file."""
    args = ['--save_latest_freq', '2', *AUTO]
    whole = run(unaligned_root, tmp_path, 'whole', *args)
    original = torch.save

    def save(obj, f, *rest, **kwargs):
        if written_file(f).endswith('.latest_net_G_B.pth.tmp'):
            monkeypatch.setattr(torch, 'save', original)
            os.kill(os.getpid(), signum)
        original(obj, f, *rest, **kwargs)
    monkeypatch.setattr(torch, 'save', save)
    with pytest.raises(SystemExit) as stopped:
        run(unaligned_root, tmp_path, 'stopped', *args)
    assert stopped.value.code == 128 + signum
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith(f'stopped by {signal.Signals(signum).name}: the training state is saved in')
    assert 'Traceback' not in err
    folder = tmp_path / 'ck' / 'stopped'
    assert assert_one_set(folder)['total_iters'] == 3, 'the save finished, the next step ended, then it was saved'
    monkeypatch.undo()
    assert_same_end(whole, run(unaligned_root, tmp_path, 'stopped', *args))


# Runs train.py and stops it at once (a second SIGTERM/SIGINT, or SIGKILL) when the second save of
# latest_net_G_B is being written ('write') or is about to be renamed into place ('rename').
STOP_AT_ONCE = '''
import os, signal, sys, time
sys.path.insert(0, os.getcwd())
import torch
import train
from training import stop
from util.errors import run_cli

where, signum, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
seen = []


def hit(path):
    if os.path.basename(path) != '.latest_net_G_B.pth.tmp':
        return
    seen.append(path)
    if len(seen) == 2:
        if signum != signal.SIGKILL:
            os.kill(os.getpid(), signum)  # the first: stop after this step
            while not stop._received:
                pass
        os.kill(os.getpid(), signum)  # at once
        time.sleep(60)


if where == 'write':
    save = torch.save
    def written(obj, f, *rest, **kwargs):
        hit(os.readlink(f'/proc/self/fd/{f.fileno()}'))
        save(obj, f, *rest, **kwargs)
    torch.save = written
else:
    replace = os.replace
    def renamed(src, dst):
        hit(src)
        replace(src, dst)
    os.replace = renamed
run_cli(lambda: train.main(args))
'''


@pytest.mark.parametrize('where, signum', [
    ('rename', signal.SIGTERM), ('write', signal.SIGKILL),
    pytest.param('write', signal.SIGINT, marks=pytest.mark.slow),
    pytest.param('rename', signal.SIGKILL, marks=pytest.mark.slow)])
def test_a_stop_at_once_inside_a_save_leaves_one_loadable_set(unaligned_root, tmp_path, where, signum):
    before = torch.get_num_threads()
    try:
        stop_at_once_then_resume(unaligned_root, tmp_path, where, signum)
    finally:
        torch.set_num_threads(before)


def stop_at_once_then_resume(unaligned_root, tmp_path, where, signum):
    """Killed between the network files of the save at iteration 4 (epoch 2's first sample): the save
    at iteration 2 stays whole (killed while writing) or the killed save is completed at the next
    start (killed while renaming); test.py and --continue_train then load one step's files."""
    # one intra-op thread in this process and in the child alike: a thread count changes the numbers
    args = ['--save_latest_freq', '2', '--torch_threads', '1', *AUTO]
    whole = run(unaligned_root, tmp_path, 'whole', *args)
    ck = tmp_path / 'ck'
    command = [sys.executable, '-c', STOP_AT_ONCE, where, str(int(signum)), '--dataroot', unaligned_root,
               '--name', 'cut', '--checkpoints_dir', str(ck), *BASE, *args]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert proc.returncode == -signum, proc.stderr[-3000:]  # a shell shows 128 + signum
    assert 'Traceback' not in proc.stderr
    name = signal.Signals(signum).name
    if signum != signal.SIGKILL:
        assert f'{name} again: stopping at once; a save in progress is completed or dropped at the next start' \
            in proc.stderr
    folder = ck / 'cut'
    hidden = sorted(f.name for f in folder.iterdir() if f.name.startswith('.'))
    if where == 'write':
        assert '.saving' not in hidden and '.latest_net_G_A.pth.tmp' in hidden
        assert torch.load(folder / 'latest_train_state.pth')['total_iters'] == 2
    else:
        assert hidden == ['.latest_net_D_A.pth.tmp', '.latest_net_D_B.pth.tmp', '.latest_net_G_B.pth.tmp',
                          '.latest_train_state.pth.tmp', '.saving'], 'G_A renamed, the rest still to do'
    test_script.main(['--dataroot', unaligned_root, '--name', 'cut', '--checkpoints_dir', str(ck),
                      '--results_dir', str(tmp_path / 'results'), '--gpu_ids', '-1', '--ngf', '4', '--ndf', '4',
                      '--load_size', '32', '--crop_size', '32', '--model', 'cycle_gan'])
    assert assert_one_set(folder)['total_iters'] == (2 if where == 'write' else 4)
    assert len(os.listdir(tmp_path / 'results' / 'cut' / 'test_latest' / 'images')) == 3 * 6
    assert_same_end(whole, run(unaligned_root, tmp_path, 'cut', *args))
