"""Experiment trackers beside visdom, both optional packages: wandb (--use_wandb) and TensorBoard
(--use_tensorboard). Asking for one that is not installed is a one-line error naming the install
command, before any training. Under torchrun only rank 0 writes. A tracker has
scalars(step, {tag: value}), images(step, {label: HxWx3 uint8}) and close()."""
import importlib.util
import os

from .errors import UserError


class WandbTracker:
    """A wandb run per training session: the options as its config, every value at the iteration
    it was logged. WANDB_MODE=offline writes it locally (`wandb sync` uploads it later); its files
    go to <checkpoints>/<name>/wandb unless WANDB_DIR says otherwise."""

    def __init__(self, opt, start_iters):
        import wandb

        self.wandb = wandb
        where = os.environ.get('WANDB_DIR') or os.path.join(opt.checkpoints_dir, opt.name)
        os.makedirs(where, exist_ok=True)
        config = {k: v for k, v in vars(opt).items() if isinstance(v, (bool, int, float, str, list, tuple, type(None)))}
        self.run = wandb.init(project=opt.wandb_project_name, name=opt.name, config=config, dir=where)
        self.run.config.update({'start_iters': start_iters})

    def scalars(self, step, values):
        self.run.log(dict(values), step=step)

    def images(self, step, images):
        self.run.log({f'visuals/{label}': self.wandb.Image(image, caption=label) for label, image in images.items()},
                     step=step)

    def close(self):
        self.run.finish()


class TensorBoardTracker:
    """Event files in <checkpoints>/<name>/tensorboard. A resumed run purges, in TensorBoard's
    view, the points logged after its checkpoint, so the curves hold each iteration once."""

    def __init__(self, opt, start_iters):
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(os.path.join(opt.checkpoints_dir, opt.name, 'tensorboard'),
                                    purge_step=start_iters + 1 if start_iters else None)

    def scalars(self, step, values):
        for tag, value in values.items():
            self.writer.add_scalar(tag, value, step)
        self.writer.flush()  # a few lines every --print_freq iterations; a kill loses none

    def images(self, step, images):
        for label, image in images.items():
            self.writer.add_image(f'visuals/{label}', image, step, dataformats='HWC')
        self.writer.flush()

    def close(self):
        self.writer.close()


# option: (module that must import, package to install, tracker class)
KINDS = {'use_wandb': ('wandb', 'wandb', WandbTracker),
         'use_tensorboard': ('tensorboard', 'tensorboard', TensorBoardTracker)}


def require(opt):
    """Stop with a one-line error when an asked-for tracker's package is missing."""
    for option, (module, package, _) in KINDS.items():
        if getattr(opt, option, False) and importlib.util.find_spec(module) is None:
            raise UserError(f'--{option} needs the {package} package: pip install {package} '
                            f'(or pip install -e ".[{package}]")')


def open_all(opt, start_iters):
    """The trackers the options ask for, going on from iteration `start_iters`."""
    return [tracker(opt, start_iters) for option, (_, _, tracker) in KINDS.items() if getattr(opt, option, False)]
