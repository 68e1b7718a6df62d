"""Training state saved beside upstream's per-network files, as <label>_train_state.pth:
completed epochs, iteration count, optimizer moments and the plateau scheduler. With it,
--continue_train resumes at the right epoch and learning rate without --epoch_count.

Linear/step/cosine schedules are functions of --epoch_count (networks.get_scheduler), so only
ReduceLROnPlateau, which keeps its own history, is restored from the file."""
import os

import torch
from torch.optim import lr_scheduler

from util.errors import UserError
from util.util import atomic_torch_save


def _path(opt, label):
    return os.path.join(opt.checkpoints_dir, opt.name, f'{label}_train_state.pth')


def save(model, label, epoch, total_iters):
    """`epoch` is the number of COMPLETED epochs: a mid-epoch save resumes at the start of that epoch."""
    state = {'epoch': epoch, 'total_iters': total_iters,
             'optimizers': [o.state_dict() for o in model.optimizers],
             'plateau': [s.state_dict() for s in model.schedulers if isinstance(s, lr_scheduler.ReduceLROnPlateau)]}
    atomic_torch_save(state, _path(model.opt, label))


def prepare(opt):
    """Before model.setup: read the state of the checkpoint --continue_train loads and set
    opt.epoch_count from it (unless given). Returns the state, or None for a fresh run."""
    if not opt.continue_train:
        return None
    label = f'iter_{opt.load_iter}' if opt.load_iter > 0 else opt.epoch
    path = _path(opt, label)
    if not os.path.isfile(path):
        if 'epoch_count' not in opt.explicit and str(label).isdigit():
            opt.epoch_count = int(label) + 1
        print(f'warning: {path} not found: optimizers start fresh, training starts at epoch {opt.epoch_count}')
        return None
    try:
        state = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as exc:
        raise UserError(f'training state {path} is unreadable ({type(exc).__name__}); delete it to continue with fresh optimizers') from None
    if 'epoch_count' not in opt.explicit:
        opt.epoch_count = state['epoch'] + 1
    print(f'continuing {opt.name} from {path}: epoch {opt.epoch_count}, iteration {state["total_iters"]}')
    return state


def restore(model, state):
    """After model.setup: load optimizer moments and plateau history. Returns the iteration count."""
    if state is None:
        return 0
    for optimizer, scheduler, saved in zip(model.optimizers, model.schedulers, state['optimizers']):
        optimizer.load_state_dict(saved)
        if not isinstance(scheduler, lr_scheduler.ReduceLROnPlateau):
            # the saved rate predates the end-of-epoch step; the schedule knows the epoch we resume at
            for group, lr in zip(optimizer.param_groups, scheduler.get_last_lr()):
                group['lr'] = lr
    plateaus = [s for s in model.schedulers if isinstance(s, lr_scheduler.ReduceLROnPlateau)]
    for scheduler, saved in zip(plateaus, state['plateau']):
        scheduler.load_state_dict(saved)
    return state['total_iters']
