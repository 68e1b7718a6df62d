"""Training and inference speed of several models in one run, on random input (no data loading),
so they are compared on the same machine at the same moment.

    python scripts/benchmark.py --models cycle_gan,crossnet --size 64 --ngf 16 --ndf 16 --gpu_ids -1
    python scripts/benchmark.py --models crossnet --variants "fp32:;bf16:--precision bf16;all:--precision bf16 --channels_last --compile"

Prints a markdown table: training iterations/s, the FLOPs of one training step and the FLOP/s
achieved, as a fraction of the device's peak for the step's precision (scripts/roofline.py, measured
in the same run), inference images/s (A->B), peak memory, and each speed relative to the first row
(the reference configuration). Each model runs once per variant (name:train.py options,
training/speed.py), so speed options are compared in one run. --profile adds where each step's time goes.
"""
import argparse
import os
import resource

import torch
from torch.profiler import ProfilerActivity, profile

from models import create_model
from options.train_options import TrainOptions
from scripts import roofline
from training import speed
from util.errors import run_cli


def peak_memory_mb(device):
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated(device) / 2 ** 20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # whole process, kB on Linux


def load_average():
    return ' '.join(f'{x:.2f}' for x in os.getloadavg())


def random_batch(args):
    """A batch of random A and B images: the speed of a step does not depend on the pixels."""
    shape = (args.batch_size, 3, args.size, args.size)
    return {'A': torch.randn(shape), 'B': torch.randn(shape), 'A_paths': ['a'] * args.batch_size,
            'B_paths': ['b'] * args.batch_size}


# Where a step's time goes: (category, test on an op's name), first match wins; ops inside the
# optimizer's step are its own category, whatever their name.
CATEGORIES = [('convolution', lambda n: 'conv' in n), ('normalisation', lambda n: 'norm' in n),
              ('padding', lambda n: 'pad' in n), ('casts and copies', lambda n: 'copy' in n or n == 'aten::to')]


def category(name):
    return next((c for c, test in CATEGORIES if test(name)), None)


def profiled(step, device, calls):
    """Milliseconds per step() by category (CPU time of the ops, torch.profiler), over `calls` steps."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(calls):
            step()
        roofline.sync(device)
    events = prof.key_averages()
    spent = {c: sum(e.self_cpu_time_total for e in events if category(e.key) == c) / 1e3 / calls for c, _ in CATEGORIES}
    spent['optimizer step'] = sum(e.cpu_time_total for e in events if e.key.startswith('Optimizer.step')) / 1e3 / calls
    total = sum(e.self_cpu_time_total for e in events) / 1e3 / calls
    spent['everything else'] = total - sum(spent.values())
    spent['total'] = total
    return spent


def measure(name, variant, args, tmp):
    opt = TrainOptions().parse(['--dataroot', tmp, '--checkpoints_dir', tmp, '--name', name, '--model', name,
                                '--display_id', '0', '--load_size', str(args.size), '--crop_size', str(args.size),
                                '--ngf', str(args.ngf), '--ndf', str(args.ndf), '--gpu_ids', args.gpu_ids,
                                '--batch_size', str(args.batch_size)] + args.extra.split() + variant[1].split())
    model = create_model(opt)
    model.setup(opt)
    device = model.device
    plain = random_batch(args)
    flops = roofline.count_flops(lambda: one_step(model, opt, plain))  # before compiling: the same FLOPs
    speed.apply(model, opt)
    batch = speed.layout(opt, random_batch(args))
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)

    def train_step():
        one_step(model, opt, batch)

    def test_step():
        model.set_input(batch)
        with speed.precision(opt, device):
            model.test()

    train_its = 1 / roofline.seconds_per_call(train_step, device, args.iters, args.warmup)
    row = {'model': name if not variant[0] else f'{name} ({variant[0]})', 'train_it_s': train_its,
           'step_flops': flops, 'flop_s': flops * train_its, 'precision': opt.precision}
    if args.profile:
        row['profile'] = profiled(train_step, device, args.iters)
    model.eval()
    row['infer_img_s'] = args.batch_size / roofline.seconds_per_call(test_step, device, args.iters, args.warmup)
    row['peak_mb'] = peak_memory_mb(device)
    return row


def one_step(model, opt, batch):
    model.set_input(batch)
    with speed.precision(opt, model.device):
        model.optimize_parameters()


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
    parser.add_argument('--peak_side', type=int, default=0,
                        help='side of the square matrix product that measures the peak (default 8192 on a GPU, 1024 on the CPU)')
    parser.add_argument('--profile', action='store_true', help='also print where one training step spends its time')
    parser.add_argument('--tmp', default='/tmp/benchmark_checkpoints')
    args = parser.parse_args(argv)
    variants = [tuple(v.split(':', 1)) if ':' in v else (v, v) for v in args.variants.split(';')] if args.variants else [('', '')]
    rows = [measure(name, variant, args, args.tmp) for name in args.models.split(',') for variant in variants]
    device = torch.device('cpu' if args.gpu_ids == '-1' or not torch.cuda.is_available() else f'cuda:{args.gpu_ids.split(",")[0]}')
    side = args.peak_side or (8192 if device.type == 'cuda' else 1024)
    peak = roofline.peaks(device, side, (args.batch_size, 4 * args.ngf, args.size // 4))
    text = report(rows, peak, args, device, side)
    print(text)
    return rows, peak, text


def report(rows, peak, args, device, side):
    """The markdown tables: speeds against the first row and against the peak of each row's precision."""
    ref = rows[0]
    lines = [f'\n{args.size}x{args.size}, ngf {args.ngf}, ndf {args.ndf}, batch {args.batch_size}, '
             f'{torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"}, torch {torch.__version__}, '
             f'{torch.get_num_threads()} CPU threads, load average {load_average()}\n',
             f'Peak measured in this run (matmul {side}x{side}; conv 3x3 of the residual blocks, '
             f'{args.batch_size}x{4 * args.ngf}x{args.size // 4}x{args.size // 4}): '
             + ', '.join(f'{k} {v / 1e9:.1f} GFLOP/s' for k, v in peak.items()) + '\n',
             '| model | train it/s | vs ref | GFLOP/step | GFLOP/s | of peak | inference img/s | vs ref | peak memory MB |',
             '|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        limit = roofline.peak_for(peak, r['precision'])
        lines.append(f"| {r['model']} | {r['train_it_s']:.2f} | {r['train_it_s'] / ref['train_it_s']:.2f}x | "
                     f"{r['step_flops'] / 1e9:.2f} | {r['flop_s'] / 1e9:.1f} | {r['flop_s'] / limit:.0%} | "
                     f"{r['infer_img_s']:.1f} | {r['infer_img_s'] / ref['infer_img_s']:.2f}x | {r['peak_mb']:.0f} |")
    if 'profile' in ref:
        names = list(ref['profile'])
        lines += ['\nms of one training step by where it goes (torch.profiler, CPU time of the ops):\n',
                  '| model | ' + ' | '.join(names) + ' |', '|---|' + '---|' * len(names)]
        lines += [f"| {r['model']} | " + ' | '.join(f"{r['profile'][n]:.0f}" for n in names) + ' |' for r in rows]
    return '\n'.join(lines)


if __name__ == '__main__':
    run_cli(main)
