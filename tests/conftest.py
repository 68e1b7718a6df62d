"""Shared fixtures: tiny data sets made on the fly, the real data sets when ../shared exists,
and option lists small enough for a 2-core CPU."""
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATASETS = os.path.join(os.path.dirname(ROOT), 'shared', 'datasets')
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import torch  # noqa: E402

from training import stop  # noqa: E402

torch.set_num_threads(min(2, torch.get_num_threads()))

# Options for a model small enough to train in seconds on a CPU.
TINY = ['--gpu_ids', '-1', '--display_id', '0', '--load_size', '32', '--crop_size', '32',
        '--ngf', '4', '--ndf', '4', '--num_threads', '0', '--n_epochs', '1', '--n_epochs_decay', '0']


def write_images(folder, count, size=(32, 32), seed=0, mode='RGB'):
    """`count` random images in `folder` named 0000.png...; returns their paths."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    channels = {'RGB': 3, 'L': 1, 'RGBA': 4}[mode]
    paths = []
    for i in range(count):
        w, h = size
        pixels = (rng.random((h, w, channels)) * 255).astype(np.uint8)
        path = os.path.join(folder, f'{i:04d}.png')
        Image.fromarray(pixels.squeeze(-1) if channels == 1 else pixels, mode).save(path)
        paths.append(path)
    return paths


@pytest.fixture
def unaligned_root(tmp_path):
    """trainA/trainB/testA/testB with a few 36x40 random images each."""
    for i, sub in enumerate(['trainA', 'trainB', 'testA', 'testB']):
        write_images(str(tmp_path / 'data' / sub), 3, size=(36, 40), seed=i)
    return str(tmp_path / 'data')


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MB tmpfs at tmp_path/disk, unmounted after the test: a disk that can really be filled
    or made read-only (the tests run as root, whom permissions do not stop). Skips where mounting
    is not permitted (no root, or a container without CAP_SYS_ADMIN)."""
    disk = tmp_path / 'disk'
    disk.mkdir()
    try:
        mounted = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', str(disk)],
                                 capture_output=True, text=True)
        why = mounted.stderr.strip() or f'exit {mounted.returncode}'
    except FileNotFoundError:
        mounted, why = None, 'no mount command'
    if mounted is None or mounted.returncode != 0:
        pytest.skip(f'cannot mount a tmpfs at {disk} ({why}): these tests need root with CAP_SYS_ADMIN')
    try:
        yield disk
    finally:
        if subprocess.run(['umount', str(disk)], capture_output=True).returncode != 0:
            subprocess.run(['umount', '--lazy', str(disk)], check=True)


def fill_disk(disk):
    """Write a file into `disk` until the file system has no space left."""
    with open(os.path.join(disk, 'filler'), 'wb', buffering=0) as f:
        try:
            while True:
                f.write(bytes(1 << 16))
        except OSError:
            pass


def make_read_only(disk):
    subprocess.run(['mount', '-o', 'remount,ro', str(disk)], check=True, capture_output=True)


@pytest.fixture
def aligned_root(tmp_path):
    """train/ and test/ with a few 64x32 A|B images."""
    for i, sub in enumerate(['train', 'test']):
        write_images(str(tmp_path / 'aligned' / sub), 3, size=(64, 32), seed=10 + i)
    return str(tmp_path / 'aligned')


@pytest.fixture(scope='session')
def chromium():
    """Chromium's path for the tests that render pages: required in CI, elsewhere its absence skips
    with the fix."""
    from docs.tools import browser
    path = browser.find_chromium()
    if path is None and not os.environ.get('CI'):
        pytest.skip('chromium not on PATH (install it with .ci/install_browser.sh); '
                    'in CI (CI set) this test fails instead')
    return path


def shared_dataset(name):
    """Path of a real data set beside the repo, or skip: a user's clone has no ../shared."""
    path = os.path.join(SHARED_DATASETS, name)
    if not os.path.isdir(path):
        pytest.skip(f'real data set {path} not present (only in the project workspace)')
    return path


def slice_of(src_root, subfolders, dst_root, count):
    """Link the first `count` images of each subfolder of a real data set into a small copy."""
    for sub in subfolders:
        os.makedirs(os.path.join(dst_root, sub), exist_ok=True)
        for name in sorted(os.listdir(os.path.join(src_root, sub)))[:count]:
            os.symlink(os.path.join(src_root, sub, name), os.path.join(dst_root, sub, name))
    return dst_root


def load_tool(name):
    """Import datasets/<name>.py by path (datasets/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, Path(ROOT) / 'datasets' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_random(path, seed, size=(6, 4), mode='RGB'):
    """A small PNG of random pixels; returns its RGB array."""
    channels = {'RGB': 3, 'RGBA': 4, 'L': 1}[mode]
    arr = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], channels), np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr.squeeze(-1) if mode == 'L' else arr, mode).save(path)
    return np.asarray(Image.open(path).convert('RGB'))


# Every process the suite starts inherits this mark, so the end of the session can find the ones
# that outlived their test: CI waits for every holder of its output pipe, and one such process
# kept a whole CI run waiting until its time limit.
SESSION_MARK = 'CROSSNET_TEST_SESSION'
os.environ[SESSION_MARK] = f'{os.getpid()}.{time.time_ns()}'
# helpers that end with this process: multiprocessing's (torch.multiprocessing.spawn starts it)
# and wandb's service (started with --pid of this process; killed early, wandb's exit hook fails)
_ENDS_WITH_US = ('multiprocessing.resource_tracker', 'wandb-core')


def leftover_processes():
    """(pid, command line) of the live processes this session started (Linux /proc; elsewhere none)."""
    mark = f'{SESSION_MARK}={os.environ[SESSION_MARK]}'.encode()
    found = []
    for entry in os.listdir('/proc') if os.path.isdir('/proc') else []:
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f'/proc/{entry}/environ', 'rb') as f:
                if mark not in f.read().split(b'\0'):
                    continue
            with open(f'/proc/{entry}/cmdline', 'rb') as f:
                command = f.read().replace(b'\0', b' ').decode(errors='replace').strip()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if not any(helper in command for helper in _ENDS_WITH_US):
            found.append((int(entry), command))
    return found


_killed = []


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    """Give stragglers ten seconds to end on their own, then kill them and say which they were.
    Forked children (a data loader's workers kept alive by a test) inherit no new mark: they are
    this process's multiprocessing children, and reported as such."""
    deadline = time.monotonic() + 10
    while leftover_processes() and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid, command in leftover_processes():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            continue
        _killed.append((pid, command))
    for child in stop.end_children(daemonic_only=False):
        _killed.append((child.pid, f'forked child {child.name} of the test session'))


def pytest_terminal_summary(terminalreporter):
    if _killed:
        terminalreporter.section('processes left behind by tests (killed)', red=True)
        for pid, command in _killed:
            terminalreporter.line(f'{pid}: {command[:300]}')
