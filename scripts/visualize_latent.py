"""Latent-space figure of the CrossNet paper (Figure 3): input | PCA of the latent code to RGB |
per-position L2 magnitude of the code | translation, one row per image, as a grid and an HTML page.

Takes test.py's options (model options must match training):

    python scripts/visualize_latent.py --dataroot datasets/horse2zebra/testA --name h2z_crossnet --num_test 8
    python scripts/visualize_latent.py --dataroot datasets/horse2zebra/testA --name h2z_cyclegan --model cycle_gan

writes <results_dir>/<name>/latent_<epoch>/{grid.png,index.html,images/}. --direction BtoA shows E_ba / Dec_a.
For CycleGAN the code is the ResNet generator's output after its last residual block (G_A, or G_B
with --direction BtoA), the same place as CrossNet's z, so the two figures compare directly.
"""
import os
import sys

import numpy as np
import torch
from PIL import Image

from data import create_dataset
from models import create_model, networks
from options.test_options import TestOptions
from util import html
from util.errors import UserError, run_cli
from util.image_files import stem
from util.util import tensor2im

COLUMNS = ('input', 'latent PCA', 'latent magnitude', 'output')


def _to_unit(x, axis=None):
    """Min-max scale to [0, 1] (per channel when axis is given); a constant map becomes 0."""
    lo, hi = x.min(axis=axis, keepdims=True), x.max(axis=axis, keepdims=True)
    return (x - lo) / np.maximum(hi - lo, 1e-12)


def pca_rgb(z):
    """(C, h, w) code -> (h, w, 3) in [0, 1]: its positions projected on their top 3 principal axes."""
    c, h, w = z.shape
    x = z.reshape(c, h * w).T.astype(np.float64)
    x -= x.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    axes = np.zeros((c, 3))
    axes[:, :min(3, vt.shape[0])] = vt[:3].T
    for k in range(3):  # SVD signs are arbitrary: make the largest loading positive so colours are stable
        if axes[np.argmax(np.abs(axes[:, k])), k] < 0:
            axes[:, k] *= -1
    return _to_unit(x @ axes, axis=0).reshape(h, w, 3)


def magnitude_map(z):
    """(C, h, w) code -> (h, w) in [0, 1]: the L2 norm of each position's feature vector."""
    return _to_unit(np.sqrt((z.astype(np.float64) ** 2).sum(axis=0)))


def upsample(image, size):
    """Nearest-neighbour resize of an (h, w[, 3]) float map in [0, 1] to an RGB uint8 image of `size` (W, H)."""
    rgb = np.round(image * 255).astype(np.uint8)
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[:, :, None], 3, axis=2)
    return np.asarray(Image.fromarray(rgb).resize(size, Image.NEAREST))


def figure_row(x_image, z, y_image):
    """The four panels of one Figure 3 row, each an (H, W, 3) uint8 image."""
    size = (x_image.shape[1], x_image.shape[0])
    return [x_image, upsample(pca_rgb(z), size), upsample(magnitude_map(z), size), y_image]


def write_figure(rows, names, out_dir, title):
    """Save each panel, a grid.png of all rows and an index.html with one row per image."""
    page = html.HTML(out_dir, title)
    page.add_header(' | '.join(COLUMNS))
    for name, panels in zip(names, rows):
        files = ['%s_%s.png' % (name, column.replace(' ', '_')) for column in COLUMNS]
        for panel, file in zip(panels, files):
            Image.fromarray(panel).save(os.path.join(page.get_image_dir(), file))
        page.add_images(files, list(COLUMNS), files, width=256)
    page.save()
    grid = np.concatenate([np.concatenate(panels, axis=1) for panels in rows], axis=0)
    Image.fromarray(grid).save(os.path.join(out_dir, 'grid.png'))
    return os.path.join(out_dir, 'grid.png')


def encoder_decoder(model, AtoB):
    """The two halves of the translation of `model` for one direction: CrossNet's E and Dec, or a
    ResNet generator split after its last residual block."""
    if hasattr(model, 'netE_ab'):
        return (model.netE_ab, model.netDec_b) if AtoB else (model.netE_ba, model.netDec_a)
    net = getattr(model, 'netG_A' if AtoB else 'netG_B', None)
    layers = getattr(getattr(net, 'module', net), 'model', None)
    blocks = [i for i, layer in enumerate(layers or []) if isinstance(layer, networks.ResnetBlock)]
    if not blocks:
        raise UserError(f'--model {model.opt.model}: no CrossNet encoder or ResNet generator to take a latent code from')
    return layers[:blocks[-1] + 1], layers[blocks[-1] + 1:]


def main(args=None):
    args = sys.argv[1:] if args is None else args
    opt = TestOptions().parse(['--model', 'crossnet', '--dataset_mode', 'single', *args])
    opt.num_threads, opt.batch_size, opt.serial_batches, opt.no_flip = 0, 1, True, True
    model = create_model(opt)
    model.setup(opt)
    model.eval()
    encoder, decoder = encoder_decoder(model, opt.direction == 'AtoB')
    rows, names = [], []
    with torch.no_grad():
        for i, data in enumerate(create_dataset(opt)):
            if i >= opt.num_test:
                break
            x = data['A'].to(model.device)
            z = encoder(x)
            rows.append(figure_row(tensor2im(x), z[0].cpu().numpy(), tensor2im(decoder(z))))
            names.append(stem(data['A_paths'][0]))
    out_dir = os.path.join(opt.results_dir, opt.name, 'latent_%s' % opt.epoch)
    grid = write_figure(rows, names, out_dir, 'Latent codes of %s (%s, epoch %s)' % (opt.name, opt.direction, opt.epoch))
    print('wrote %s and %s' % (grid, os.path.join(out_dir, 'index.html')))
    return out_dir


if __name__ == '__main__':
    run_cli(main)
