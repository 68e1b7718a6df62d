"""data/sampling.py: an epoch's order and every sample's randomness follow from one generator state,
whichever process or worker loads the sample."""
import random

import torch

import train
from conftest import TINY
from data.sampling import SeededDataset, SeededSampler


def epoch(size, shuffle, rank=0, world_size=1, skip=0, seed=7):
    sampler = SeededSampler(size, shuffle, torch.Generator().manual_seed(seed), rank, world_size)
    sampler.skip = skip
    return list(sampler)


def test_processes_share_one_padded_permutation():
    whole = [i for i, _ in epoch(5, True)]
    parts = [epoch(5, True, rank=r, world_size=2) for r in (0, 1)]
    assert sorted(whole) == list(range(5)) and [len(p) for p in parts] == [3, 3]
    merged = [pair for pairs in zip(*parts) for pair in pairs]  # positions 0, 1, 2, ... of the epoch
    assert [i for i, _ in merged] == whole + whole[:1], 'rank r takes positions r, r + 2, ...; padded by wrapping'
    assert len({s for _, s in merged}) == 6, 'every position its own seed'


def test_skip_leaves_out_the_first_positions_and_only_once():
    sampler = SeededSampler(6, True, torch.Generator().manual_seed(3))
    state = sampler.generator.get_state()
    full = list(sampler)
    sampler.generator.set_state(state)
    sampler.skip = 4
    assert list(sampler) == full[4:]
    assert len(list(sampler)) == 6, 'the next epoch is whole again'


def test_serial_order_keeps_the_files_in_order():
    assert [i for i, _ in epoch(4, False)] == [0, 1, 2, 3]


class Noisy(torch.utils.data.Dataset):
    def __len__(self):
        return 3

    def __getitem__(self, index):
        return index, random.random(), torch.rand(1).item()


def test_a_sample_depends_on_its_seed_only_and_leaves_the_global_rngs_alone():
    data = SeededDataset(Noisy(), in_main_process=True)
    random.seed(0)
    torch.manual_seed(0)
    first = data[(2, 99)]
    random.random(), torch.rand(5)  # whatever ran before
    assert data[(2, 99)] == first and data[(2, 98)] != first
    random.seed(0)
    torch.manual_seed(0)
    data[(1, 5)]
    assert (random.random(), torch.rand(1).item()) == (random.Random(0).random(), torch.rand(1, generator=torch.Generator().manual_seed(0)).item())


def test_loading_a_sample_leaves_the_cuda_generators_alone(monkeypatch):
    """On a GPU the training draws dropout and pool choices from the CUDA generator: loading in the
    main process (--num_threads 0, always in test.py) must not reseed it, or --num_threads would
    change the run. Seeding the CUDA generators is observed through the call torch makes for it."""
    seeded = []
    monkeypatch.setattr(torch.cuda, 'manual_seed_all', seeded.append)
    monkeypatch.setattr(torch.cuda, 'manual_seed', seeded.append)
    data = SeededDataset(Noisy(), in_main_process=True)
    first = data[(2, 99)]
    assert data[(2, 99)] == first and seeded == []
    torch.manual_seed(3)  # the call this test watches is indeed the one torch.manual_seed makes
    assert seeded == [3]


def test_same_seed_same_run_with_or_without_loader_workers(unaligned_root, tmp_path):
    weights = []
    for name, threads in (('main', '0'), ('workers', '2')):
        train.main(['--dataroot', unaligned_root, '--name', name, '--checkpoints_dir', str(tmp_path), *TINY,
                    '--seed', '4', '--n_epochs', '2', '--num_threads', threads])
        weights.append(torch.load(tmp_path / name / 'latest_net_G_A.pth'))
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
