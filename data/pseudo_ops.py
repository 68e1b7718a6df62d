"""Pseudo-pair operators: a known map that exists in one direction only (photo -> edges, colour ->
grey, sharp -> blurred), so that y = op(x) is a correct counterpart of x (Ginger et al. 2019, pseudo pairs).

An operator is a function PIL RGB image -> PIL RGB image of the same size, registered by name:

    @pseudo_op('sepia')
    def sepia(img, strength=1.0):
        ...

Keyword parameters are filled from the options named `--pseudo_<op>_<param>` (data/pairs.py), so an
operator with a parameter needs that option there too. Every operator is deterministic.
"""
import numpy as np
from PIL import Image, ImageFilter

from util.errors import UserError

OPERATORS = {}


def pseudo_op(name):
    """Register the decorated function as the pseudo-pair operator `name`."""
    def register(fn):
        OPERATORS[name] = fn
        return fn
    return register


def get(name):
    """The operator `name`, or a one-line UserError listing the registered ones."""
    if name not in OPERATORS:
        raise UserError(f'--pseudo_pairs {name!r}: unknown operator; available: {", ".join(sorted(OPERATORS))}')
    return OPERATORS[name]


def _grey(img):
    return np.asarray(img.convert('L'), dtype=np.float64) / 255.0


@pseudo_op('edges')
def edges(img, threshold=0.25):
    """Sobel gradient magnitude of the luminance, thresholded, as dark lines on white (the look of
    edges2shoes). The kernels are scaled so that a unit step gives magnitude 1; borders are
    replicated, so the image frame itself is not an edge."""
    g = np.pad(_grey(img), 1, mode='edge')
    dx = g[:, 2:] - g[:, :-2]
    dy = g[2:, :] - g[:-2, :]
    gx = (dx[:-2] + 2 * dx[1:-1] + dx[2:]) / 4
    gy = (dy[:, :-2] + 2 * dy[:, 1:-1] + dy[:, 2:]) / 4
    lines = np.hypot(gx, gy) > threshold
    out = np.where(lines, 0, 255).astype(np.uint8)
    return Image.fromarray(out, 'L').convert('RGB')


@pseudo_op('gray')
def gray(img):
    """Luminance (ITU-R 601: 0.299 R + 0.587 G + 0.114 B) replicated to three channels."""
    return img.convert('L').convert('RGB')


@pseudo_op('blur')
def blur(img, radius=2.0):
    """Gaussian blur of `radius` pixels (standard deviation)."""
    return img.filter(ImageFilter.GaussianBlur(radius))


@pseudo_op('downscale')
def downscale(img, factor=4):
    """Area-average down by `factor`, then bicubic back to the original size: detail is lost for good."""
    w, h = img.size
    small = img.resize((max(1, round(w / factor)), max(1, round(h / factor))), Image.BOX)
    return small.resize((w, h), Image.BICUBIC)
