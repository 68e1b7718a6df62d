"""Training and inference speed of several models in one run, on random input (no data loading),
so they are compared on the same machine at the same moment.

    python scripts/benchmark.py --models cycle_gan,crossnet --size 64 --ngf 16 --ndf 16 --gpu_ids -1
    python scripts/benchmark.py --models crossnet --variants "fp32:;bf16:--precision bf16;all:--precision bf16 --channels_last --compile"

Prints a markdown table: training iterations/s, inference images/s (A->B), peak memory, and each
speed relative to the first row (the reference configuration). Each model runs once per variant
(name:train.py options, util/speed.py), so speed options are compared in one run.
"""
import argparse
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from models import create_model  # noqa: E402
from options.train_options import TrainOptions  # noqa: E402
from util import speed  # noqa: E402
from util.errors import run_cli  # noqa: E402


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def peak_memory_mb(device):
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated(device) / 2 ** 20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # whole process, kB on Linux


def timed(step, args, device):
    """Seconds for args.iters calls of step() after args.warmup untimed ones."""
    for _ in range(args.warmup):
        step()
    sync(device)
    start = time.perf_counter()
    for _ in range(args.iters):
        step()
    sync(device)
    return time.perf_counter() - start


def measure(name, variant, args, tmp):
    opt = TrainOptions().parse(['--dataroot', tmp, '--checkpoints_dir', tmp, '--name', name, '--model', name,
                                '--display_id', '0', '--load_size', str(args.size), '--crop_size', str(args.size),
                                '--ngf', str(args.ngf), '--ndf', str(args.ndf), '--gpu_ids', args.gpu_ids,
                                '--batch_size', str(args.batch_size)] + args.extra.split() + variant[1].split())
    model = create_model(opt)
    model.setup(opt)
    speed.apply(model, opt)
    device = model.device
    shape = (args.batch_size, 3, args.size, args.size)
    batch = speed.layout(opt, {'A': torch.randn(shape), 'B': torch.randn(shape), 'A_paths': ['a'] * args.batch_size,
                               'B_paths': ['b'] * args.batch_size})
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)

    def train_step():
        model.set_input(batch)
        with speed.precision(opt, device):
            model.optimize_parameters()

    def test_step():
        model.set_input(batch)
        with speed.precision(opt, device):
            model.test()

    train_its = args.iters / timed(train_step, args, device)
    model.eval()
    infer_ims = args.iters * args.batch_size / timed(test_step, args, device)
    return {'model': name if not variant[0] else f'{name} ({variant[0]})', 'train_it_s': train_its, 'infer_img_s': infer_ims, 'peak_mb': peak_memory_mb(device)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', default='cycle_gan,crossnet', help='comma-separated; the first is the reference')
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--ngf', type=int, default=64)
    parser.add_argument('--ndf', type=int, default=64)
    parser.add_argument('--batch_size', type=int, default=1)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--gpu_ids', default='0')
    parser.add_argument('--extra', default='', help='more train.py options for every model, e.g. "--pool_size 0"')
    parser.add_argument('--variants', default='', help='"name:options;name:options", e.g. "fp32:;bf16:--precision bf16"')
    parser.add_argument('--tmp', default='/tmp/benchmark_checkpoints')
    args = parser.parse_args(argv)
    variants = [tuple(v.split(':', 1)) if ':' in v else (v, v) for v in args.variants.split(';')] if args.variants else [('', '')]
    rows = [measure(name, variant, args, args.tmp) for name in args.models.split(',') for variant in variants]
    ref = rows[0]
    print(f'\n{args.size}x{args.size}, ngf {args.ngf}, ndf {args.ndf}, batch {args.batch_size}, '
          f'{torch.cuda.get_device_name() if torch.cuda.is_available() and args.gpu_ids != "-1" else "CPU"}, '
          f'torch {torch.__version__}, {torch.get_num_threads()} CPU threads\n')
    print('| model | train it/s | vs ref | inference img/s | vs ref | peak memory MB |')
    print('|---|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['model']} | {r['train_it_s']:.2f} | {r['train_it_s'] / ref['train_it_s']:.2f}x | "
              f"{r['infer_img_s']:.1f} | {r['infer_img_s'] / ref['infer_img_s']:.2f}x | {r['peak_mb']:.0f} |")
    return rows


if __name__ == '__main__':
    run_cli(main)
