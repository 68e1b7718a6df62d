"""Data sets, found by file name: `--dataset_mode foo` loads `data/foo_dataset.py`, class
`FooDataset(BaseDataset)`. Adding a data set means adding one such file."""
import torch.utils.data

from data.base_dataset import BaseDataset
from data.sampling import SeededDataset, SeededSampler
from training import stop, threads
from util import distributed, registry
from util.errors import UserError
from util.image_files import image_size


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


def check_fits(opt, dataset):
    """Catch at start what would otherwise fail at the first step: channels the loader does not
    deliver (--input_nc / --output_nc), and images of several sizes batched without resizing."""
    sample = SeededDataset(dataset, in_main_process=True)[(0, 0)]  # the global RNGs are left alone
    sides = [('A', 'input_nc'), ('B', 'output_nc')] if 'B' in sample else [('A', 'input_nc')]
    if 'B' in sample and opt.direction == 'BtoA':
        sides = [('B', 'input_nc'), ('A', 'output_nc')]
    for key, option in sides:
        channels = sample[key].shape[0]
        if channels != getattr(opt, option):
            raise UserError(f'--{option} {getattr(opt, option)}: the data set gives {channels}-channel images '
                            f'({sample[key + "_paths"]}); images load as RGB (3) or grey (1)')
    if opt.preprocess == 'none' and opt.batch_size > 1:
        for name, paths in sorted(vars(dataset).items()):
            if name.endswith('_paths') and isinstance(paths, list):
                _one_size(paths, opt)


def _one_size(paths, opt):
    """Image sides rounded to multiples of 4 as --preprocess none does; a batch needs one size."""
    first = None
    for path in paths:
        size = tuple(max(4, round(side / 4) * 4) for side in image_size(path))
        first = first or (size, path)
        if size != first[0]:
            raise UserError(f'--preprocess none with --batch_size {opt.batch_size}: {first[1]} is '
                            f'{first[0][0]}x{first[0][1]} but {path} is {size[0]}x{size[1]}; use --batch_size 1 '
                            f'or a --preprocess that resizes')


class CustomDatasetDataLoader:
    """A data set plus its DataLoader, capped at opt.max_dataset_size samples per epoch. Under
    torchrun each process loads its own share of every epoch (data/sampling.py)."""

    def __init__(self, opt):
        self.opt = opt
        self.dataset = find_dataset_using_name(opt.dataset_mode)(opt)
        print(f'dataset [{type(self.dataset).__name__}] was created ({len(self.dataset)} images)')
        check_fits(opt, self.dataset)
        seed = opt.seed if getattr(opt, 'seed', None) is not None else torch.initial_seed()
        self.generator = torch.Generator()
        self.generator.manual_seed(distributed.gather(seed)[0] % 2 ** 63)  # the same on every process
        self.epoch_start = self.generator.get_state()
        self.ranks = distributed.world_size()
        self.sampler = SeededSampler(len(self.dataset), not opt.serial_batches, self.generator,
                                     distributed.rank(), self.ranks)
        workers = threads.apply(opt)
        self.dataloader = torch.utils.data.DataLoader(
            SeededDataset(self.dataset, in_main_process=workers == 0),
            batch_size=opt.batch_size,
            sampler=self.sampler,
            num_workers=workers,
            # the loader's own worker seeds are unused (each sample has its own); drawing them from
            # the global RNG, as it does without a generator, would shift that RNG on a resume
            generator=torch.Generator().manual_seed(0),
            pin_memory=bool(getattr(opt, 'gpu_ids', [])),
            persistent_workers=workers > 0,
            worker_init_fn=stop.ignore_in_worker,  # a SIGTERM to the process group is the main's to handle
        )

    def load_data(self):
        return self

    def __len__(self):
        """Samples per epoch, of all processes together."""
        return min(len(self.dataset), self.opt.max_dataset_size)

    @property
    def skip(self):
        """Samples (of all processes) the next epoch leaves out: > 0 only to resume mid-epoch."""
        return self.sampler.skip * self.ranks

    def state_dict(self):
        """The data order: the generator's state now and at the start of the current epoch."""
        return {'generator': self.generator.get_state(), 'epoch_start': self.epoch_start}

    def load_state_dict(self, state, skip=0):
        """Continue the data order of `state`; with `skip` (samples of the current epoch already
        trained on) the next epoch is that epoch again without its first `skip` samples."""
        self.generator.set_state(state['epoch_start'] if skip else state['generator'])
        self.sampler.skip = skip // self.ranks

    def __iter__(self):
        self.epoch_start = self.generator.get_state()
        step = self.opt.batch_size * self.ranks  # samples of all processes per iteration
        first = self.skip // step
        for i, data in enumerate(self.dataloader, start=first):
            if i * step >= self.opt.max_dataset_size:
                break
            yield data
