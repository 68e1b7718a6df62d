"""data/pairs.py: implicit, pseudo and explicit pairs in the unaligned data set, the paired L1 term of
cycle_gan, a tiny training run per mode, and the one-line errors."""
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import train
from conftest import TINY, load_tool, write_images
from data import pairs, pseudo_ops
from data.unaligned_dataset import UnalignedDataset
from options import test_options
from options.train_options import TrainOptions
from util.errors import UserError



def digest(path):
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope='module')
def synthetic(tmp_path_factory):
    """A 32 px synthetic aligned set (20 training pairs) and its clean unpaired version (10 + 10)."""
    base = tmp_path_factory.mktemp('pairs')
    aligned = load_tool('make_synthetic').make_synthetic(str(base / 'aligned'), size=32, num_train=20, num_test=2,
                                                          aligned=True)
    load_tool('make_unpaired').make_unpaired(aligned, str(base / 'unpaired'))
    return {'aligned': aligned, 'unpaired': str(base / 'unpaired')}


def options(tmp_path, dataroot, *extra):
    return TrainOptions().parse(TINY + ['--dataroot', dataroot, '--checkpoints_dir', str(tmp_path / 'ck'),
                                        '--name', 'run', '--no_flip'] + list(extra))


def dataset(tmp_path, dataroot, *extra):
    return UnalignedDataset(options(tmp_path, dataroot, *extra))


def manifest(tmp_path):
    return json.loads((tmp_path / 'ck' / 'run' / pairs.MANIFEST).read_text())


def test_pair_count_rounds_half_up_and_gives_at_least_one():
    assert pairs.pair_count(0.125, 20) == 3  # 2.5 -> 3 (Python's round would give 2)
    assert pairs.pair_count(0.375, 4) == 2  # 1.5 -> 2
    assert pairs.pair_count(0.1, 24) == 2  # 2.4 -> 2
    assert pairs.pair_count(0.01, 10) == 1  # 0.1 -> at least one pair
    assert pairs.pair_count(0.0, 500) == 0
    assert pairs.pair_count(0.2, 200) == 40


def test_implicit_pairs_exact_reproducible_and_seeded(tmp_path, synthetic):
    root = synthetic['unpaired']
    before = dataset(tmp_path, root)
    data = dataset(tmp_path, root, '--implicit_pairs', root, '--num_implicit_pairs', '4', '--seed', '3')
    chosen = [(p['A'], p['B']) for p in manifest(tmp_path)['pairs']]
    assert len(chosen) == 4 and len(set(chosen)) == 4
    assert all(os.path.basename(a) == os.path.basename(b) for a, b in chosen)
    # make_unpaired's pairs hold the training halves too: each pair has one half there already and
    # adds exactly the other one, so the sets grow by K in all and no image is duplicated
    assert len(data.A_paths) + len(data.B_paths) == len(before.A_paths) + len(before.B_paths) + 4
    for paths in (data.A_paths, data.B_paths):
        assert len({digest(p) for p in paths}) == len(paths)
    digests_A, digests_B = {digest(p) for p in data.A_paths}, {digest(p) for p in data.B_paths}
    assert all(digest(a) in digests_A and digest(b) in digests_B for a, b in chosen)
    assert 'pair_A' not in data[0]

    again = dataset(tmp_path, root, '--implicit_pairs', root, '--num_implicit_pairs', '4', '--seed', '3')
    assert (again.A_paths, again.B_paths) == (data.A_paths, data.B_paths)
    assert [(p['A'], p['B']) for p in manifest(tmp_path)['pairs']] == chosen
    dataset(tmp_path, root, '--implicit_pairs', root, '--num_implicit_pairs', '4', '--seed', '4')
    assert [(p['A'], p['B']) for p in manifest(tmp_path)['pairs']] != chosen
    dataset(tmp_path, root, '--implicit_pairs', root, '--num_implicit_pairs', '2', '--seed', '3')
    assert [(p['A'], p['B']) for p in manifest(tmp_path)['pairs']] == chosen[:2], 'a smaller K is a prefix'


def test_ratio_sets_k_from_the_unpaired_size(tmp_path, synthetic):
    root = synthetic['unpaired']
    dataset(tmp_path, root, '--implicit_pairs', root, '--implicit_pairs_ratio', '0.25')
    written = manifest(tmp_path)
    assert written['unpaired_size'] == 10 and written['num_pairs'] == 3  # 2.5 rounds up


def test_folders_A_B_add_both_halves_in_matching_order(tmp_path, unaligned_root):
    write_images(str(tmp_path / 'p' / 'A'), 5, seed=20)
    write_images(str(tmp_path / 'p' / 'B'), 5, seed=21)
    data = dataset(tmp_path, unaligned_root, '--implicit_pairs', str(tmp_path / 'p'), '--num_implicit_pairs', '3')
    assert len(data.A_paths) == len(data.B_paths) == 3 + 3
    added = [(os.path.basename(a), os.path.basename(b)) for a, b in zip(data.A_paths[3:], data.B_paths[3:])]
    assert all(a == b for a, b in added)
    assert [os.path.basename(p['A']) for p in manifest(tmp_path)['pairs']] == [a for a, _ in added]


def test_aligned_source_is_cut_in_halves_that_match_make_unpaired(tmp_path, synthetic):
    root = synthetic['unpaired']
    before = dataset(tmp_path, root)
    data = dataset(tmp_path, root, '--implicit_pairs', os.path.join(synthetic['aligned'], 'train'),
                   '--num_implicit_pairs', '5', '--seed', '1')
    for pair in manifest(tmp_path)['pairs']:
        stem = os.path.basename(pair['A']).split('_', 1)[1]
        assert digest(pair['A']) == digest(os.path.join(root, 'pairsA', stem))
        assert digest(pair['B']) == digest(os.path.join(root, 'pairsB', stem))
    assert len(data.A_paths) + len(data.B_paths) == len(before.A_paths) + len(before.B_paths) + 5


def test_pseudo_pairs_from_the_training_set(tmp_path, synthetic):
    root = synthetic['unpaired']
    before = dataset(tmp_path, root)
    data = dataset(tmp_path, root, '--pseudo_pairs', 'gray', '--num_implicit_pairs', '3', '--seed', '2')
    written = manifest(tmp_path)
    assert data.A_paths == before.A_paths, 'x is in trainA already'
    assert data.B_paths[:-3] == before.B_paths and data.B_paths[-3:] == written['added']['B']
    for pair in written['pairs']:
        assert pair['A'] in before.A_paths
        expected = np.asarray(pseudo_ops.gray(Image.open(pair['A']).convert('RGB')))
        assert (np.asarray(Image.open(pair['B'])) == expected).all()


@pytest.mark.parametrize('extra', [['--pseudo_pairs', 'edges', '--pseudo_direction', 'BtoA'], []])
def test_other_processes_get_the_paths_rank_0_writes(tmp_path, synthetic, extra):
    """Under torchrun only rank 0 writes the pair files (realise with write=True); the others must
    compute the same paths without touching a file."""
    opt = options(tmp_path, synthetic['unpaired'], '--implicit_pairs', synthetic['aligned'] + '/train', *extra)
    op = pseudo_ops.get(opt.pseudo_pairs) if opt.pseudo_pairs else None
    sources = [os.path.join(synthetic['aligned'], 'train', f) for f in sorted(os.listdir(synthetic['aligned'] + '/train'))[:2]]
    out = tmp_path / 'out'
    read = [pairs.realise(opt, op, source, str(out), n, write=False) for n, source in enumerate(sources)]
    assert not [f for _, _, files in os.walk(out) for f in files], 'nothing written'
    written = [pairs.realise(opt, op, source, str(out), n) for n, source in enumerate(sources)]
    assert read == written and all(os.path.isfile(p) for pair in written for p in pair)


def test_pseudo_pairs_btoa_from_a_pairs_folder(tmp_path, synthetic):
    root = synthetic['unpaired']
    dataset(tmp_path, root, '--implicit_pairs', root, '--pseudo_pairs', 'blur', '--pseudo_direction', 'BtoA',
            '--pseudo_blur_radius', '1.5', '--num_implicit_pairs', '2')
    written = manifest(tmp_path)
    assert written['pseudo_params'] == {'radius': 1.5}
    for pair in written['pairs']:
        assert os.path.dirname(pair['B']) == os.path.join(root, 'pairsB')
        expected = np.asarray(pseudo_ops.blur(Image.open(pair['B']).convert('RGB'), radius=1.5))
        assert (np.asarray(Image.open(pair['A'])) == expected).all()


def test_explicit_pairs_stay_out_of_the_sets_and_come_as_a_pair(tmp_path, synthetic):
    root = synthetic['unpaired']
    before = dataset(tmp_path, root)
    data = dataset(tmp_path, root, '--implicit_pairs', root, '--num_implicit_pairs', '3', '--explicit_pairs')
    chosen = [(p['A'], p['B']) for p in manifest(tmp_path)['pairs']]
    assert (data.A_paths, data.B_paths) == (before.A_paths, before.B_paths)
    assert manifest(tmp_path)['mode'] == 'explicit' and data.explicit_pairs == chosen
    as_tensor = lambda path: torch.from_numpy(np.asarray(Image.open(path).convert('RGB'), np.float32) / 127.5 - 1).permute(2, 0, 1)  # noqa: E731
    for index in range(6):
        item = data[index]
        match = [i for i, (a, _) in enumerate(chosen) if torch.allclose(item['pair_A'], as_tensor(a), atol=1e-5)]
        assert len(match) == 1, 'pair_A is one of the K injected A images'
        assert torch.allclose(item['pair_B'], as_tensor(chosen[match[0]][1]), atol=1e-5), 'and pair_B its counterpart'


def test_pair_options_exist_only_for_training_with_unaligned_data(tmp_path, synthetic):
    with pytest.raises(UserError, match='--implicit_pairs'):
        test_options.TestOptions().parse(TINY[:2] + ['--dataroot', synthetic['unpaired'], '--checkpoints_dir',
                                                     str(tmp_path), '--implicit_pairs', synthetic['unpaired']])
    with pytest.raises(UserError, match='--num_implicit_pairs'):
        options(tmp_path, synthetic['aligned'], '--dataset_mode', 'aligned', '--num_implicit_pairs', '2')


@pytest.mark.parametrize('extra, message', [
    (['--implicit_pairs', '/no/such/folder', '--num_implicit_pairs', '2'], r'--implicit_pairs /no/such/folder: folder not found'),
    (['--implicit_pairs', '{root}', '--num_implicit_pairs', '21'], r'--num_implicit_pairs 21: only 20 pairs available'),
    (['--implicit_pairs', '{root}', '--implicit_pairs_ratio', '2.5'], r'--implicit_pairs_ratio 2.5 \(K = 25 of N = 10\): only 20'),
    (['--pseudo_pairs', 'sketchify', '--num_implicit_pairs', '2'], r"--pseudo_pairs 'sketchify': unknown operator; available: blur"),
    (['--implicit_pairs', '{root}'], r'exactly one of --num_implicit_pairs K and --implicit_pairs_ratio r'),
    (['--num_implicit_pairs', '2'], r'need --implicit_pairs PATH or --pseudo_pairs OP'),
])
def test_one_line_errors(tmp_path, synthetic, extra, message):
    args = [a.format(root=synthetic['unpaired']) for a in extra]
    with pytest.raises(UserError, match=message) as caught:
        train.main(TINY + ['--dataroot', synthetic['unpaired'], '--checkpoints_dir', str(tmp_path), '--name', 'e'] + args)
    assert '\n' not in str(caught.value)


def test_unmatched_names_in_a_pairs_folder(tmp_path, unaligned_root):
    write_images(str(tmp_path / 'p' / 'A'), 3)
    write_images(str(tmp_path / 'p' / 'B'), 2)
    with pytest.raises(UserError, match=r'1 images have no counterpart of the same name \(first: .*A/0002.png\)'):
        dataset(tmp_path, unaligned_root, '--implicit_pairs', str(tmp_path / 'p'), '--num_implicit_pairs', '1')


@pytest.mark.slow
@pytest.mark.parametrize('mode', [
    ['--implicit_pairs', '{root}', '--num_implicit_pairs', '2'],
    ['--pseudo_pairs', 'edges', '--implicit_pairs_ratio', '0.5'],
    ['--implicit_pairs', '{root}', '--num_implicit_pairs', '2', '--explicit_pairs'],
], ids=['implicit', 'pseudo', 'explicit'])
def test_tiny_training_run_per_mode(tmp_path, synthetic, mode):
    args = [a.format(root=synthetic['unpaired']) for a in mode]
    train.main(TINY + ['--dataroot', synthetic['unpaired'], '--checkpoints_dir', str(tmp_path), '--name', 'm',
                       '--max_dataset_size', '3', '--seed', '0', '--print_freq', '1'] + args)
    run = tmp_path / 'm'
    assert (run / 'latest_net_G_A.pth').is_file() and (run / '1_net_G_B.pth').is_file()
    written = json.loads((run / pairs.MANIFEST).read_text())
    assert written['num_pairs'] == 2 and written['mode'] == ('explicit' if '--explicit_pairs' in args else 'implicit')
    assert (' pair: ' in (run / 'loss_log.txt').read_text()) == ('--explicit_pairs' in args)
