"""Regenerate docs/images/visdom.png, report.png and tensorboard.png from a short real training run.

    python -m docs.tools.make_screenshots [--out docs/images] [--work /tmp/screens]

Makes the synthetic data set (datasets/make_synthetic.py), starts a real visdom server on a free
localhost port (docs.tools.browser.visdom_server, offline), trains a small CycleGAN on the CPU with live
previews and --use_tensorboard on, and photographs the visdom page, the HTML report and a TensorBoard
server's page of the run (docs.tools.browser.tensorboard_server) in headless Chromium. The PNGs
are reduced to a 256-colour palette so each stays well under 300 KB.
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

import train
from docs.tools import browser
from util.errors import run_cli

REPO = Path(__file__).resolve().parents[2]

ENV = 'main'
NAME = 'synthetic_cyclegan'


def shrink(png):
    """Palette PNG: screenshots are flat colour and text, so this loses nothing visible."""
    Image.open(png).convert('RGB').quantize(256).save(png, optimize=True)
    return png.stat().st_size


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default=str(REPO / 'docs' / 'images'), help='where the PNGs go')
    parser.add_argument('--work', default=None, help='data, checkpoints and visdom env (default: a temp folder)')
    parser.add_argument('--epochs', type=int, default=3, help='training epochs of the run shown')
    args = parser.parse_args(argv)
    work = Path(args.work or tempfile.mkdtemp(prefix='screens-'))
    out = Path(args.out)
    data = work / 'synthetic'
    subprocess.run([sys.executable, str(REPO / 'datasets' / 'make_synthetic.py'), '--out', str(data),
                    '--size', '64', '--num_train', '16', '--num_test', '4'], check=True)
    with browser.visdom_server(work / 'visdom') as server:
        train.main(['--dataroot', str(data), '--name', NAME, '--checkpoints_dir', str(work / 'checkpoints'),
                    '--gpu_ids', '-1', '--seed', '0', '--num_threads', '0', '--load_size', '64', '--crop_size', '64',
                    '--netG', 'resnet_6blocks', '--ngf', '8', '--ndf', '8', '--max_dataset_size', '8',
                    '--n_epochs', str(args.epochs), '--n_epochs_decay', '0', '--save_epoch_freq', '1',
                    '--display_id', '1', '--display_server', 'http://127.0.0.1', '--display_port', str(server.port),
                    '--display_env', ENV, '--display_freq', '2', '--print_freq', '2', '--display_winsize', '128',
                    '--no_progress', '--use_tensorboard'])
        visdom_png = browser.screenshot(f'{server.url}/env/{ENV}', out / 'visdom.png', size=(1280, 860))
    report_png = browser.screenshot(work / 'checkpoints' / NAME / 'web' / 'index.html', out / 'report.png',
                                    size=(1100, 1250))
    with browser.tensorboard_server(work / 'checkpoints' / NAME / 'tensorboard') as server:
        # the loss curves, unsmoothed; the page fetches them after it loads: 20 s of virtual time
        tensorboard_png = browser.screenshot(f'{server.url}/#scalars&tagFilter=loss&_smoothingWeight=0',
                                             out / 'tensorboard.png',
                                             size=(1280, 900), budget_ms=20000, timeout=180)
    for png in (visdom_png, report_png, tensorboard_png):
        print(f'{png}: {shrink(png) // 1024} KB')


if __name__ == '__main__':
    run_cli(main)
