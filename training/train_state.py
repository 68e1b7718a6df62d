"""The training state, <label>_train_state.pth beside upstream's per-network files: networks,
optimizer moments, plateau scheduler, counters, image pools, data order and every RNG state (for
each process under torchrun), so --continue_train goes on as if the run had never stopped: bit for
bit on CPU, from the end of an epoch or the middle of one (data/sampling.py). It and the network
files of its save are one set (util.together), so a resume or test.py loads one step's weights.
Linear/step/cosine schedules are functions of --epoch_count; only ReduceLROnPlateau is stored."""
import os

import torch
from torch.optim import lr_scheduler

from training import resume
from util import distributed, rng
from util.errors import UserError
from util.image_pool import ImagePool
from util.util import atomic_torch_save, cpu_state_dict, together, unwrap

KEYS = ('epoch', 'total_iters', 'epoch_iter', 'networks', 'optimizers', 'plateau', 'pools', 'data', 'rng', 'history')


def _pools(model):
    return {attr: pool for attr, pool in sorted(vars(model).items()) if isinstance(pool, ImagePool)}


def save(label, model, dataset, visualizer, epoch, total_iters, epoch_iter=0):
    """Write the per-net files (<label>_net_<X>.pth) and the training state as one set. `epoch` is
    the number of COMPLETED epochs, `epoch_iter` the samples trained on since. Every rank calls it."""
    own = {'pools': {attr: [image.cpu() for image in pool.images] for attr, pool in _pools(model).items()},
           'data': dataset.state_dict(), 'rng': rng.get_state()}
    ranks = distributed.gather(own)
    if not distributed.is_main():
        return
    state = {'epoch': epoch, 'total_iters': total_iters, 'epoch_iter': epoch_iter,
             'networks': {name: cpu_state_dict(net) for name, net in model.named_nets()},
             'optimizers': [o.state_dict() for o in model.optimizers],
             'plateau': [s.state_dict() for s in model.schedulers if isinstance(s, lr_scheduler.ReduceLROnPlateau)],
             **{key: [part[key] for part in ranks] for key in own},
             'history': visualizer.state_dict()}
    with together(model.save_dir):
        model.save_networks(label)
        atomic_torch_save(state, resume.state_path(model.opt, label))  # renamed last: the set is complete


def save_networks(model, label):
    """model.save_networks(label) as one set: a kill leaves no mix of two saves' nets."""
    with together(model.save_dir):
        model.save_networks(label)


def prepare(opt):
    """Before model.setup: read the state of the checkpoint --continue_train loads and set
    opt.epoch_count from it (unless given). Returns the state, or None for a fresh run."""
    if len(set(distributed.gather(opt.continue_train))) > 1:
        raise UserError(f'the processes disagree whether {opt.name} is to be continued: --checkpoints_dir '
                        f'{opt.checkpoints_dir} must be one folder that every machine sees')
    if not opt.continue_train:
        return None
    label = resume.load_label(opt)
    path = resume.state_path(opt, label)
    if not os.path.isfile(path):
        if 'epoch_count' not in opt.explicit and str(label).isdigit():
            opt.epoch_count = int(label) + 1
        print(f'warning: {path} not found: optimizers start fresh, training starts at epoch {opt.epoch_count}')
        return None
    try:
        state = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as exc:
        raise UserError(f'training state {path} is unreadable ({type(exc).__name__}); delete it to continue '
                        f'from the network files with fresh optimizers') from None
    missing = [key for key in KEYS if key not in state]
    if missing:
        raise UserError(f'training state {path} lacks {", ".join(missing)} (an older format); delete it to '
                        f'continue from the network files with fresh optimizers')
    if 'epoch_count' not in opt.explicit:
        opt.epoch_count = state['epoch'] + 1
    where = f' + {state["epoch_iter"]} samples' if state.get('epoch_iter') else ''
    print(f'continuing {opt.name} from {path}: epoch {opt.epoch_count}{where}, iteration {state["total_iters"]}')
    return state


def restore(state, model, dataset, visualizer):
    """After model.setup (and last before the loop): put everything back. Returns the iteration count."""
    if state is None:
        visualizer.load_state_dict(None)
        return 0
    nets = {name: unwrap(net) for name, net in model.named_nets()}
    if set(nets) != set(state['networks']):
        raise UserError(f'the training state holds nets {", ".join(state["networks"])} but --model {model.opt.model} '
                        f'has {", ".join(nets)}: continue with the options the run was started with')
    for name, net in nets.items():
        net.load_state_dict(state['networks'][name])
    for optimizer, scheduler, saved in zip(model.optimizers, model.schedulers, state['optimizers']):
        optimizer.load_state_dict(saved)
        if not isinstance(scheduler, lr_scheduler.ReduceLROnPlateau):
            # the schedule knows the epoch we resume at (--epoch_count may have been given)
            for group, lr in zip(optimizer.param_groups, scheduler.get_last_lr()):
                group['lr'] = lr
    plateaus = [s for s in model.schedulers if isinstance(s, lr_scheduler.ReduceLROnPlateau)]
    for scheduler, saved in zip(plateaus, state['plateau']):
        scheduler.load_state_dict(saved)
    visualizer.load_state_dict(state['history'], state['total_iters'])
    if len(state['rng']) != distributed.world_size():
        print(f'warning: the training state was saved by {len(state["rng"])} process(es), this run has '
              f'{distributed.world_size()}: image pools, data order and random generators start afresh')
        return state['total_iters']
    own = distributed.rank()
    for attr, pool in _pools(model).items():
        pool.images = [image.to(model.device) for image in state['pools'][own].get(attr, [])]
        pool.num_imgs = len(pool.images)
    same_epoch = state['epoch'] + 1 == model.opt.epoch_count
    dataset.load_state_dict(state['data'][own], skip=state['epoch_iter'] if same_epoch else 0)
    rng.set_state(state['rng'][own])
    return state['total_iters']
