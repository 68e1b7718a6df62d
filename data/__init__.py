"""Data sets, found by file name: `--dataset_mode foo` loads `data/foo_dataset.py`, class
`FooDataset(BaseDataset)`. Adding a data set means adding one such file."""
import numpy as np
import torch.utils.data

from data.base_dataset import BaseDataset
from util import registry


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
    """A data set plus its DataLoader, capped at opt.max_dataset_size samples per epoch."""

    def __init__(self, opt):
        self.opt = opt
        self.dataset = find_dataset_using_name(opt.dataset_mode)(opt)
        print(f'dataset [{type(self.dataset).__name__}] was created ({len(self.dataset)} images)')
        generator = torch.Generator()
        generator.manual_seed(opt.seed if getattr(opt, 'seed', None) is not None else torch.initial_seed())
        self.dataloader = torch.utils.data.DataLoader(
            self.dataset,
            batch_size=opt.batch_size,
            shuffle=not opt.serial_batches,
            num_workers=int(opt.num_threads),
            worker_init_fn=_seed_worker,
            generator=generator,
            pin_memory=bool(getattr(opt, 'gpu_ids', [])),
            persistent_workers=int(opt.num_threads) > 0,
        )

    def load_data(self):
        return self

    def __len__(self):
        return min(len(self.dataset), self.opt.max_dataset_size)

    def __iter__(self):
        for i, data in enumerate(self.dataloader):
            if i * self.opt.batch_size >= self.opt.max_dataset_size:
                break
            yield data
