"""Training on several processes, started by torchrun (one per GPU, or CPU processes with gloo):

    torchrun --nproc_per_node 4 train.py --dataroot ./datasets/horse2zebra --name h2z --model crossnet

Each process (rank) trains on its own share of every epoch with its own crops, flips and image
pools (seed + rank). Gradients are averaged over the ranks before every optimizer step, so every
model file works unchanged however it freezes nets or calls them (DistributedDataParallel's hooks
need one forward and one backward per step). Rank 0 broadcasts its weights at the start and alone
writes files. Counters (iterations, epochs, frequencies) count the images of all ranks together.
"""
import contextlib
import os
import sys

import torch
import torch.distributed as dist

from util.errors import UserError
from util.util import seed_everything


def world_size():
    return dist.get_world_size() if dist.is_initialized() else 1


def rank():
    return dist.get_rank() if dist.is_initialized() else int(os.environ.get('RANK', 0))


def is_main():
    return rank() == 0


def setup(opt):
    """Join the process group when torchrun started us; each rank takes GPU LOCAL_RANK (restrict them
    with CUDA_VISIBLE_DEVICES) or stays on the CPU with --gpu_ids -1."""
    opt.world_size = int(os.environ.get('WORLD_SIZE', 1))
    if opt.world_size == 1:
        return
    local_rank = int(os.environ['LOCAL_RANK'])
    if opt.gpu_ids:
        if local_rank >= torch.cuda.device_count():
            raise UserError(f'torchrun started {opt.world_size} processes here, but this machine has '
                            f'{torch.cuda.device_count()} GPUs; use --nproc_per_node {torch.cuda.device_count()}')
        opt.gpu_ids, opt.device = [local_rank], torch.device(f'cuda:{local_rank}')
        torch.cuda.set_device(local_rank)
    store, rank, size = next(dist.rendezvous('env://'))
    # torchrun keeps one store over its restarts, so a prefix per attempt keeps a restarted rank from
    # reading the address a rank of the attempt before left there. Every attempt starts each rank
    # once, so how often this rank has started names the attempt alike on every machine (torchrun's
    # restart count does not: a machine restarted for another machine's failure does not count it)
    attempt = dist.PrefixStore(f'attempt_{store.add(f"starts_of_rank_{rank}", 1)}', store)
    dist.init_process_group('nccl' if opt.gpu_ids else 'gloo', store=attempt, rank=rank, world_size=size)
    if dist.get_rank() != 0:
        sys.stdout = open(os.devnull, 'w')  # one console: rank 0's (errors still reach stderr)
    if opt.seed is not None:
        seed_everything(opt.seed + dist.get_rank())


def prepare(model):
    """After model setup (and a resume): every rank starts from rank 0's weights and buffers, and
    each optimizer averages its gradients over the ranks before it steps."""
    if world_size() == 1:
        return
    with _peers():
        for _, net in model.named_nets():
            for tensor in net.state_dict().values():
                dist.broadcast(tensor, 0)
    for optimizer in model.optimizers:
        optimizer.register_step_pre_hook(_average_gradients)


@contextlib.contextmanager
def main_first():
    """Rank 0 runs the block first (it writes files), the others after it (they read them)."""
    if world_size() > 1 and not is_main():
        _barrier()
    yield
    if world_size() > 1 and is_main():
        _barrier()


def _barrier():
    with _peers():
        dist.barrier()


def _average_gradients(optimizer, args, kwargs):
    """One all-reduce for all of the optimizer's gradients. A parameter without a gradient on every
    rank keeps none (Adam skips it, as on one process); one with a gradient on some ranks gets their
    sum over the number of ranks, as DistributedDataParallel does."""
    params = [p for group in optimizer.param_groups for p in group['params']]
    has_grad = [p.grad is not None for p in params]
    flat = torch.cat([(p.grad if has else torch.zeros_like(p)).reshape(-1) for p, has in zip(params, has_grad)]
                     + [torch.tensor(has_grad, dtype=params[0].dtype, device=params[0].device)])
    with _peers():
        dist.all_reduce(flat)
    offset = 0
    for p, has in zip(params, (flat[-len(params):] > 0).tolist()):
        n = p.numel()
        p.grad = flat[offset:offset + n].view_as(p) / world_size() if has else None
        offset += n


def any_rank(flag):
    """True on every rank when `flag` is true on one of them (a NaN seen by one rank stops all)."""
    return bool(maximum(float(flag)))


def maximum(number):
    """The largest of the ranks' `number`s, on every rank (collectives of nccl take GPU tensors)."""
    if world_size() == 1:
        return number
    device = torch.device('cuda', torch.cuda.current_device()) if dist.get_backend() == 'nccl' else 'cpu'
    value = torch.tensor([float(number)], device=device)
    with _peers():
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return value.item()


def gather(value):
    """[value of rank 0, value of rank 1, ...] on every rank (any picklable value)."""
    if world_size() == 1:
        return [value]
    values = [None] * world_size()
    with _peers():
        dist.all_gather_object(values, value)
    return values


def cleanup():
    """Leave the process group once every rank is done (gloo aborts a rank whose peer left early)."""
    if dist.is_initialized():
        _barrier()
        dist.destroy_process_group()


@contextlib.contextmanager
def _peers():
    """A collective fails when another process stopped: end this one with a line, not a traceback."""
    try:
        yield
    except RuntimeError as exc:
        raise UserError(f'process {rank()} lost the others ({str(exc).splitlines()[0][:160]}); '
                        f'the error of the process that stopped first is above') from None
