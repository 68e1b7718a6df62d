"""Experiment trackers beside visdom: wandb (--use_wandb, util/wandb_tracker.py) and TensorBoard
(--use_tensorboard, util/tensorboard_tracker.py). Both are optional packages; asking for one that is
not installed is a one-line error naming the install command, before any training. Under torchrun
only rank 0 writes. A tracker has scalars(step, {tag: value}), images(step, {label: HxWx3 uint8})
and close()."""
import importlib.util

from .errors import UserError

# option: (module that must import, package to install, the module holding the tracker)
KINDS = {'use_wandb': ('wandb', 'wandb', 'util.wandb_tracker'),
         'use_tensorboard': ('tensorboard', 'tensorboard', 'util.tensorboard_tracker')}


def require(opt):
    """Stop with a one-line error when an asked-for tracker's package is missing."""
    for option, (module, package, _) in KINDS.items():
        if getattr(opt, option, False) and importlib.util.find_spec(module) is None:
            raise UserError(f'--{option} needs the {package} package: pip install {package} '
                            f'(or pip install -e ".[{package}]")')


def open_all(opt, start_iters):
    """The trackers the options ask for, going on from iteration `start_iters`."""
    return [importlib.import_module(home).Tracker(opt, start_iters)
            for option, (_, _, home) in KINDS.items() if getattr(opt, option, False)]
