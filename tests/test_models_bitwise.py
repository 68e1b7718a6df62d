"""Seeded tiny runs of cycle_gan and crossnet end with bitwise the same weights as at a reference
commit of the code (the one before the models' redesign), without and with explicit pairs.

The reference tree is exported with `git archive` into tmp_path, and both trees train in a child
process of their own (one import of each code base). Without the repository's history (a tarball,
a shallow clone) the test is skipped and says why.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest
import torch

from conftest import ROOT, TINY, write_images

REFERENCE = '77bd75d'
SMALL_CROSSNET = ['--n_blocks_E', '2', '--n_blocks_T', '2']
PAIRS = ['--implicit_pairs', '{root}/pairs', '--num_implicit_pairs', '2', '--explicit_pairs', '--lambda_pair_gan', '1']
DEFAULT_RUNS = {'cycle_gan': ['--model', 'cycle_gan'], 'crossnet': ['--model', 'crossnet'] + SMALL_CROSSNET}
PAIR_RUNS = {name + '_pairs': args + PAIRS for name, args in DEFAULT_RUNS.items()}
# Trains the runs of argv[1] ({name: options}) with the code of the current folder, through train.main.
DRIVER = '''
import json, sys
sys.path.insert(0, '.')
import train
for name, args in json.loads(sys.argv[1]).items():
    train.main(args + ['--name', name])
'''


def reference_tree(tmp_path):
    """The reference commit's files under tmp_path/reference, or skip when the history lacks it."""
    found = shutil.which('git') and subprocess.run(['git', '-C', ROOT, 'cat-file', '-e', REFERENCE + '^{commit}'],
                                                   capture_output=True).returncode == 0
    if not found:
        pytest.skip(f'commit {REFERENCE} not found (no git, or a checkout without its history: a tarball, '
                    'a shallow clone): nothing to compare against')
    tree = tmp_path / 'reference'
    tree.mkdir()
    archive = subprocess.run(['git', '-C', ROOT, 'archive', REFERENCE], capture_output=True, check=True).stdout
    subprocess.run(['tar', '-x', '-C', str(tree)], input=archive, check=True)
    return tree


def train_all(tree, root, checkpoints, runs):
    """Train `runs` ({name: options}) with the code of `tree`, in one child process."""
    common = TINY + ['--dataroot', root, '--checkpoints_dir', str(checkpoints), '--seed', '0',
                     '--max_dataset_size', '3', '--print_freq', '1', '--no_html', '--no_progress']
    runs = {name: common + [a.format(root=root) for a in args] for name, args in runs.items()}
    env = dict(os.environ, OMP_NUM_THREADS='1')
    done = subprocess.run([sys.executable, '-c', DRIVER, json.dumps(runs)], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f'{tree}: {done.stderr[-3000:]}'


def saved_weights(run):
    files = sorted(p.name for p in run.glob('*_net_*.pth'))
    return {f: torch.load(run / f, map_location='cpu', weights_only=True) for f in files}


def assert_same_training(tmp_path, runs):
    """Every saved weight of every run equal (torch.equal) at the reference commit and here."""
    reference = reference_tree(tmp_path)
    root = tmp_path / 'data'
    for i, sub in enumerate(['trainA', 'trainB', 'pairs/A', 'pairs/B']):
        write_images(str(root / sub), 3, seed=i)
    train_all(reference, str(root), tmp_path / 'before', runs)
    train_all(ROOT, str(root), tmp_path / 'after', runs)
    for name in runs:
        before, after = saved_weights(tmp_path / 'before' / name), saved_weights(tmp_path / 'after' / name)
        assert before and set(before) == set(after), name
        for file, state in before.items():
            assert list(state) == list(after[file]), f'{name}/{file}: other keys'
            unequal = [k for k, v in state.items() if not torch.equal(v, after[file][k])]
            assert not unequal, f'{name}/{file}: {len(unequal)} tensors differ, first {unequal[0]}'


def test_default_training_is_bitwise_that_of_the_reference_commit(tmp_path):
    """cycle_gan and crossnet at their default options: three steps each, every net and G_A/G_B."""
    assert_same_training(tmp_path, DEFAULT_RUNS)


@pytest.mark.slow(reason='four more tiny training runs, in two more child processes')
def test_training_with_explicit_pairs_is_bitwise_that_of_the_reference_commit(tmp_path):
    """With the paired L1 term and the pair discriminators, at the default GAN options (no random
    numbers drawn by a discriminator step, so the order of the two discriminator steps is free)."""
    assert_same_training(tmp_path, PAIR_RUNS)
