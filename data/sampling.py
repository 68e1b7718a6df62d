"""The order of an epoch and the randomness of each sample, both drawn from one generator.

SeededSampler draws, at the start of an epoch, a permutation and one seed per position; each
sample is then loaded under its own seed (SeededDataset), so its random crop, flip or partner image
does not depend on which loader worker loads it, on how many workers there are, or on what was
loaded before. Hence:
- an epoch follows from the generator's state at its start: a mid-epoch resume skips the samples
  already trained on without loading them (training/train_state.py);
- a seeded run gives the same result with any --num_threads, and workers can persist across epochs;
- under torchrun every process draws the same permutation and seeds (the generator is seeded alike)
  and takes every world_size-th position, so processes see different images with different seeds.
"""
import random

import numpy as np
import torch

from util import rng


class SeededSampler(torch.utils.data.Sampler):
    """Yields (index, seed) pairs: this process's share of a shuffled (or in-order) epoch."""

    def __init__(self, size, shuffle, generator, rank=0, world_size=1):
        self.size, self.shuffle, self.generator = size, shuffle, generator
        self.rank, self.world_size = rank, world_size
        self.skip = 0  # positions of the next epoch to leave out (a mid-epoch resume)

    def __len__(self):
        return -(-self.size // self.world_size)

    def __iter__(self):
        order = torch.randperm(self.size, generator=self.generator) if self.shuffle else torch.arange(self.size)
        padded = -(-self.size // self.world_size) * self.world_size  # every process gets as many
        order = torch.cat([order, order[:padded - self.size]])
        seeds = torch.randint(2 ** 62, (padded,), generator=self.generator)
        skip, self.skip = self.skip, 0
        mine = slice(self.rank + skip * self.world_size, padded, self.world_size)
        return zip(order[mine].tolist(), seeds[mine].tolist())


class SeededDataset(torch.utils.data.Dataset):
    """dataset[(index, seed)] = dataset[index] loaded with Python, NumPy and torch seeded by `seed`.
    In the main process (no workers) the global generators are put back afterwards."""

    def __init__(self, dataset, in_main_process):
        self.dataset = dataset
        self.in_main_process = in_main_process

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, index_and_seed):
        index, seed = index_and_seed
        if self.in_main_process:
            with rng.preserved(cuda=False):
                return self._load(index, seed)
        return self._load(index, seed)

    def _load(self, index, seed):
        """Loading draws from the CPU generators only: the CUDA ones are left alone (torch.manual_seed
        would reseed them too, so on a GPU --num_threads 0 would change the training's randomness)."""
        random.seed(seed)
        np.random.seed(seed % 2 ** 32)
        torch.default_generator.manual_seed(seed)
        return self.dataset[index]
