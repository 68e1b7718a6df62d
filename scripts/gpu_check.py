"""The GPU check in one command (about eight minutes): speed and MFU of cycle_gan and crossnet at
256 px, batch 1 and 4, in fp32 / bf16 / bf16 + channels_last / + compile; whether the data loader
keeps up with the fastest setting (workers, pinned memory); then a few minutes of horse2zebra
training with it. Everything goes into one markdown file in docs/BENCHMARKS.md's format.

    python scripts/gpu_check.py --dataroot ./datasets/horse2zebra --out gpu_check.md
    python scripts/gpu_check.py --smoke --out /tmp/smoke.md      # the same steps, tiny, on the CPU

A stage that would overrun --budget_minutes is left out, and the file says so.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import torch

import train
from data import create_dataset
from options.train_options import TrainOptions
from scripts import benchmark, roofline
from scripts.experiment import ROOT
from util.errors import UserError, run_cli

VARIANTS = 'fp32:;bf16:--precision bf16;bf16+cl:--precision bf16 --channels_last;bf16+cl+compile:--precision bf16 --channels_last --compile {backend}'


def settings(args):
    """Sizes of the run: the real check, or a tiny one that runs anywhere in seconds."""
    if args.smoke:
        return dict(size=32, ngf=4, ndf=4, batches=[1, 2], iters=1, warmup=1, gpu_ids='-1', backend='aot_eager',
                    loader_batches=3, workers=[0, 1], train_seconds=0, train_iters=3, peak_side=64)
    if not torch.cuda.is_available():
        raise UserError('no CUDA device: run on a GPU machine, or pass --smoke for the CPU self-test')
    return dict(size=256, ngf=64, ndf=64, batches=[1, 4], iters=20, warmup=5, gpu_ids='0', backend='inductor',
                loader_batches=50, workers=[0, 2, 4, 8], train_seconds=args.train_minutes * 60, train_iters=0,
                peak_side=8192)


class Budget:
    """Seconds left of --budget_minutes; a stage runs only if its estimate fits."""

    def __init__(self, minutes):
        self.minutes = minutes
        self.end = time.time() + minutes * 60

    def left(self):
        return self.end - time.time()


def speed_table(s, tmp, budget):
    """benchmark.py's rows (it/s, FLOPs, MFU, memory) for each batch size, and its tables. Compiling
    takes most of the time: a batch size that starts with less than half the budget left runs
    without the compiled variant, and the table says so."""
    rows, texts = [], []
    for batch in s['batches']:
        variants = VARIANTS.format(backend=s['backend'])
        if budget.left() < budget.minutes * 30:
            variants = variants.rsplit(';', 1)[0]
            texts.append(f'\nBatch {batch}: the compiled variant was left out ({budget.left():.0f} s of the budget left).')
        found, peak, text = benchmark.main(['--models', 'cycle_gan,crossnet', '--size', str(s['size']), '--ngf', str(s['ngf']),
                                         '--ndf', str(s['ndf']), '--batch_size', str(batch), '--iters', str(s['iters']),
                                         '--warmup', str(s['warmup']), '--gpu_ids', s['gpu_ids'], '--tmp', tmp,
                                         '--peak_side', str(s['peak_side']), '--variants', variants])
        rows += [dict(r, batch=batch, mfu=r['flop_s'] / roofline.peak_for(peak, r['precision'])) for r in found]
        texts.append(text)
    return rows, '\n'.join(texts)


def variant_options(row, backend):
    name = row['model'].split('(')[1].rstrip(')')
    options = dict(v.split(':', 1) for v in VARIANTS.split(';'))[name].format(backend=backend)
    return options.split() + ['--batch_size', str(row['batch'])]


def loader_check(s, dataroot, batch, needed, tmp):
    """Images/s the data loader delivers with each worker count (pinned memory on a GPU), against the
    images/s the fastest setting trains at."""
    lines = ['| loader workers | pinned memory | images/s | keeps up with training |', '|---|---|---|---|']
    for workers in s['workers']:
        opt = TrainOptions().parse(['--dataroot', dataroot, '--checkpoints_dir', tmp, '--name', 'loader',
                                    '--gpu_ids', s['gpu_ids'], '--display_id', '0', '--batch_size', str(batch),
                                    '--load_size', str(s['size'] * 286 // 256), '--crop_size', str(s['size']),
                                    '--num_threads', str(workers)])
        dataset = create_dataset(opt)
        pinned = dataset.dataloader.pin_memory
        batches = iter(dataset)
        next(batches)  # workers started
        start, images = time.perf_counter(), 0
        for _, data in zip(range(s['loader_batches']), batches):
            images += len(data['A'])
        rate = images / (time.perf_counter() - start)
        lines.append(f'| {workers} | {pinned} | {rate:.0f} | {"yes" if rate >= needed else "no"} ({needed:.0f} needed) |')
    return '\n'.join(lines)


def training(s, dataroot, row, tmp):
    """A horse2zebra run with the fastest setting, about --train_minutes long; its wall time and it/s."""
    model = row['model'].split(' ')[0]
    iters = s['train_iters'] or max(1, int(s['train_seconds'] * row['train_it_s']))
    images = len(os.listdir(os.path.join(dataroot, 'trainA')))
    samples = iters * row['batch']
    epochs = -(-samples // images)
    per_epoch = -(-samples // epochs)
    options = ['--dataroot', dataroot, '--name', f'gpu_check_{model}', '--model', model, '--checkpoints_dir', tmp,
               '--gpu_ids', s['gpu_ids'], '--display_id', '0', '--ngf', str(s['ngf']), '--ndf', str(s['ndf']),
               '--load_size', str(s['size'] * 286 // 256), '--crop_size', str(s['size']), '--n_epochs', str(epochs),
               '--n_epochs_decay', '0', '--max_dataset_size', str(per_epoch), '--no_progress',
               '--print_freq', str(max(1, samples // 10)), '--save_epoch_freq', str(epochs)] + variant_options(row, s['backend'])
    start = time.perf_counter()
    train.main(options)
    wall = time.perf_counter() - start
    saved = os.path.exists(os.path.join(tmp, f'gpu_check_{model}', 'latest_net_G_A.pth'))
    command = 'python train.py ' + ' '.join(options)
    return (f'    {command}\n\n{iters} iterations ({epochs} epochs of {per_epoch} images) in {wall:.0f} s '
            f'including start-up and compilation: {iters / wall:.2f} it/s against {row["train_it_s"]:.2f} in the '
            f'benchmark; checkpoint written: {saved}')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dataroot', default='./datasets/horse2zebra', help='horse2zebra (trainA/trainB)')
    parser.add_argument('--out', default='gpu_check.md', help='the markdown file written')
    parser.add_argument('--budget_minutes', type=float, default=8.0)
    parser.add_argument('--train_minutes', type=float, default=2.0)
    parser.add_argument('--train_model', default='crossnet', choices=['cycle_gan', 'crossnet'])
    parser.add_argument('--smoke', action='store_true', help='tiny sizes on the CPU with made-up data: checks the script')
    args = parser.parse_args(argv)
    s = settings(args)
    budget = Budget(float('inf') if args.smoke else args.budget_minutes)  # the smoke test runs every stage
    tmp = tempfile.mkdtemp(prefix='gpu_check_')
    dataroot = args.dataroot
    if args.smoke:
        dataroot = os.path.join(tmp, 'data')
        subprocess.run([sys.executable, os.path.join(ROOT, 'datasets', 'make_synthetic.py'), '--out', dataroot,
                        '--size', '32', '--num_train', '4', '--num_test', '2'], check=True)
    elif not os.path.isdir(os.path.join(dataroot, 'trainA')):
        raise UserError(f'--dataroot {dataroot}: no trainA folder (get it with datasets/download_cyclegan_dataset.sh horse2zebra)')
    device = 'CPU (smoke test)' if args.smoke else torch.cuda.get_device_name(0)
    sections = [f'## {device}, {s["size"]} px (gpu_check.py, {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())})\n',
                f'Machine: {device}, {os.cpu_count()} CPU cores, torch {torch.__version__}; load average at start '
                f'{benchmark.load_average()}. Command: `python scripts/gpu_check.py '
                f'{" ".join(argv if argv is not None else sys.argv[1:])}`.\n',
                '### Speed, FLOPs and MFU (of the peak of the row\'s precision, measured in the same run)\n']
    rows, text = speed_table(s, tmp, budget)
    sections.append(text)
    mine = [r for r in rows if r['model'].startswith(args.train_model + ' ')]
    fastest = max(mine, key=lambda r: r['train_it_s'] * r['batch'])
    sections.append(f'\nFastest {args.train_model} setting: {fastest["model"]}, batch {fastest["batch"]}, '
                    f'{fastest["train_it_s"] * fastest["batch"]:.1f} images/s, '
                    f'{fastest["mfu"]:.0%} MFU.\n')
    sections.append('### Data loader against the fastest setting\n')
    if budget.left() > 60:
        sections.append(loader_check(s, dataroot, fastest['batch'], fastest['train_it_s'] * fastest['batch'], tmp))
    else:
        sections.append(f'Left out: {budget.left():.0f} s of the budget were left.')
    sections.append('\n### Training horse2zebra with the fastest setting\n')
    if budget.left() > s['train_seconds'] + 60:
        sections.append(training(s, dataroot, fastest, tmp))
    else:
        sections.append(f'Left out: {budget.left():.0f} s of the budget were left, too few for {s["train_seconds"]:.0f} s of training.')
    sections.append(f'\nLoad average at the end {benchmark.load_average()}.\n')
    text = '\n'.join(sections)
    with open(args.out, 'w') as f:
        f.write(text)
    print(f'\nwritten to {args.out}')
    return text


if __name__ == '__main__':
    run_cli(main)
