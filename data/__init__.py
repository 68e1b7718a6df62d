"""Data sets, found by file name: `--dataset_mode foo` loads `data/foo_dataset.py`, class
`FooDataset(BaseDataset)`. Adding a data set means adding one such file."""
import numpy as np
import torch.utils.data

from data.base_dataset import BaseDataset
from util import distributed, registry, rng


def available_datasets():
    return registry.available('data', 'dataset')


def find_dataset_using_name(dataset_name):
    return registry.find('data', 'dataset', dataset_name, BaseDataset)


def get_option_setter(dataset_name):
    return find_dataset_using_name(dataset_name).modify_commandline_options


def create_dataset(opt):
    """Build the data set named by opt.dataset_mode and wrap it in a multi-process loader.

        >>> from data import create_dataset
        >>> dataset = create_dataset(opt)
    """
    return CustomDatasetDataLoader(opt)


def _seed_worker(worker_id):
    """NumPy in workers: seed from the per-worker torch seed, which the loader derives from
    the (seeded) main process, so --seed also fixes augmentation done with NumPy."""
    np.random.seed(torch.initial_seed() % 2 ** 32)


class CustomDatasetDataLoader:
    """A data set plus its DataLoader, capped at opt.max_dataset_size samples per epoch. Under
    torchrun each process loads its own share of every epoch (util/distributed.py)."""

    def __init__(self, opt):
        self.opt = opt
        self.dataset = find_dataset_using_name(opt.dataset_mode)(opt)
        print(f'dataset [{type(self.dataset).__name__}] was created ({len(self.dataset)} images)')
        seed = opt.seed if getattr(opt, 'seed', None) is not None else torch.initial_seed()
        self.generator = torch.Generator()
        self.generator.manual_seed(seed)
        self.epoch_start = self.generator.get_state()
        self.epochs = 0  # epochs started: the distributed sampler's shuffle is a function of it
        self.skip = 0
        self.ranks = distributed.world_size()
        self.sampler = None
        if self.ranks > 1:  # one permutation per epoch, the same on every rank, which takes its share
            self.sampler = torch.utils.data.DistributedSampler(
                self.dataset, shuffle=not opt.serial_batches, seed=distributed.gather(seed)[0] % 2 ** 63)
        self.dataloader = torch.utils.data.DataLoader(
            self.dataset,
            batch_size=opt.batch_size,
            shuffle=not opt.serial_batches and self.sampler is None,
            sampler=self.sampler,
            num_workers=int(opt.num_threads),
            worker_init_fn=_seed_worker,
            generator=self.generator,
            pin_memory=bool(getattr(opt, 'gpu_ids', [])),
            # workers start afresh each epoch, seeded from self.generator: the data order and the
            # random crops/flips of an epoch then follow from the generator's state at its start
            persistent_workers=False,
        )

    def load_data(self):
        return self

    def __len__(self):
        """Samples per epoch, of all processes together."""
        return min(len(self.dataset), self.opt.max_dataset_size)

    def state_dict(self):
        """The data order: the generator's state now and at the start of the current epoch."""
        return {'generator': self.generator.get_state(), 'epoch_start': self.epoch_start, 'epochs': self.epochs}

    def load_state_dict(self, state, skip=0):
        """Continue the data order of `state`; with `skip` (samples of the current epoch already
        trained on) the next epoch is that epoch again, its first `skip` samples loaded and dropped,
        so that workers and random crops stay in step with the run that saved `state`."""
        self.generator.set_state(state['epoch_start'] if skip else state['generator'])
        self.epochs = state['epochs'] - 1 if skip else state['epochs']
        self.skip = skip

    def __iter__(self):
        self.epoch_start = self.generator.get_state()
        if self.sampler is not None:
            self.sampler.set_epoch(self.epochs)
        self.epochs += 1
        step = self.opt.batch_size * self.ranks  # samples of all processes per iteration
        skip, self.skip = self.skip, 0
        batches = enumerate(self.dataloader)
        if skip:
            with rng.preserved():  # without workers, loading draws from the global RNGs: put them back
                for _ in range(skip // step):
                    next(batches)
        for i, data in batches:
            if i * step >= self.opt.max_dataset_size:
                break
            yield data
