"""Write a small synthetic unpaired data set whose correspondence is known exactly.

A fresh clone has no data and tests have no internet, so this is the toolkit's default data.
Each scene is a few random shapes (circles, squares, triangles). Domain A draws them flat and
coloured on a dark background; domain B draws the same scene on a light background with a colour
swap and a dark outline inside each colour region. B is a local, deterministic function of A (the outline is an edge
detector, the colours a lookup), so A->B is learnable by a convolutional generator, and a
translation can be scored against its ground truth pixel by pixel.

trainA and trainB come from different scenes (truly unpaired); testA/testB render the same scenes
under the same file names. With --aligned the same scenes are also written side by side (A|B)
into train/ and test/ for pix2pix. Everything depends only on --seed and the image index.

    python datasets/make_synthetic.py --out ./datasets/synthetic --num_train 200 --num_test 20
"""
import argparse
import json
import os

import numpy as np
from PIL import Image

from data.dataset_files import claim_output
from util.errors import UserError, run_cli
from util.image_files import join_ab

MARKER = 'synthetic.json'
FOLDERS = ('trainA', 'trainB', 'testA', 'testB', 'train', 'test')
KINDS = ('circle', 'square', 'triangle')
BG_A = (18, 18, 28)
BG_B = (238, 234, 222)
OUTLINE_B = (32, 32, 32)
COLOURS_A = ((220, 60, 60), (60, 190, 80), (70, 110, 230), (235, 200, 50))
COLOURS_B = ((40, 150, 160), (200, 90, 170), (240, 150, 40), (110, 70, 180))  # B's swap of A's i-th
OUTLINE_PX = 2
STREAMS = {'trainA': 0, 'trainB': 1, 'test': 2}  # scenes of each stream never coincide


def random_scene(rng, size):
    """A scene: 1-3 shapes, each (kind, centre x, centre y, radius, angle, colour index)."""
    shapes = []
    for _ in range(rng.integers(1, 4)):
        radius = rng.uniform(0.12, 0.28) * size
        shapes.append((KINDS[rng.integers(len(KINDS))], rng.uniform(0.15, 0.85) * size,
                       rng.uniform(0.15, 0.85) * size, radius, rng.uniform(0, 2 * np.pi),
                       int(rng.integers(len(COLOURS_A)))))
    return shapes


def scene_for(seed, stream, index, size):
    """Scene number `index` of a stream; seeding by (seed, stream, index) keeps every image
    the same whatever --num_train/--num_test are."""
    return random_scene(np.random.default_rng([seed, STREAMS[stream], index]), size)


def shape_mask(kind, cx, cy, radius, angle, size):
    """Boolean mask of one shape, sampled at pixel centres (hard edges, so masks are exact)."""
    y, x = np.mgrid[0:size, 0:size] + 0.5
    if kind == 'circle':
        return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2
    corners = 4 if kind == 'square' else 3
    theta = angle + 2 * np.pi * np.arange(corners) / corners
    px, py = cx + radius * np.cos(theta), cy + radius * np.sin(theta)
    inside = np.ones((size, size), bool)
    for i in range(corners):  # convex polygon, counter-clockwise in image coordinates
        j = (i + 1) % corners
        inside &= (px[j] - px[i]) * (y - py[i]) - (py[j] - py[i]) * (x - px[i]) >= 0
    return inside


def erode(mask, steps):
    """Shrink `mask` by `steps` pixels (4-neighbourhood, outside the image counts as empty)."""
    for _ in range(steps):
        padded = np.pad(mask, 1)
        mask = (mask & padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:])
    return mask


def render(scene, size):
    """(A, B) images of one scene. B is computed from A's colour map alone (later shapes cover
    earlier ones), so B is exactly a function of the A image: same colour region, same outline."""
    labels = np.zeros((size, size), np.uint8)  # 0 background, k+1 colour k
    for kind, cx, cy, radius, angle, colour in scene:
        labels[shape_mask(kind, cx, cy, radius, angle, size)] = colour + 1
    interior = np.zeros_like(labels, bool)
    for label in range(1, len(COLOURS_A) + 1):
        interior |= erode(labels == label, OUTLINE_PX)
    img_b = np.array((BG_B,) + COLOURS_B, np.uint8)[labels]
    img_b[(labels > 0) & ~interior] = OUTLINE_B
    img_a = np.array((BG_A,) + COLOURS_A, np.uint8)[labels]
    return Image.fromarray(img_a), Image.fromarray(img_b)


def write_split(out, seed, size, count, aligned, split):
    """Write one split ('train' or 'test') in the unaligned layout and, with `aligned`, as A|B."""
    for i in range(count):
        name = f'{i:04d}.png'
        img_a, img_b = render(scene_for(seed, 'trainA' if split == 'train' else 'test', i, size), size)
        if aligned:
            join_ab(img_a, img_b).save(os.path.join(out, split, name))
        if split == 'train':
            img_a.save(os.path.join(out, 'trainA', f'a_{name}'))
            render(scene_for(seed, 'trainB', i, size), size)[1].save(os.path.join(out, 'trainB', f'b_{name}'))
        else:
            img_a.save(os.path.join(out, 'testA', name))
            img_b.save(os.path.join(out, 'testB', name))


def make_synthetic(out, size=64, num_train=200, num_test=20, seed=0, aligned=False):
    """Write the data set into `out` (replacing an earlier synthetic set there) and return `out`."""
    if size < 16 or size % 4:
        raise UserError(f'--size {size}: must be a multiple of 4 and at least 16')
    if num_train < 1 or num_test < 1:
        raise UserError('--num_train and --num_test must be at least 1')
    os.makedirs(out, exist_ok=True)
    claim_output(out, FOLDERS, MARKER)
    for folder in FOLDERS[:4] + (FOLDERS[4:] if aligned else ()):
        os.makedirs(os.path.join(out, folder))
    settings = dict(size=size, num_train=num_train, num_test=num_test, seed=seed, aligned=aligned)
    with open(os.path.join(out, MARKER), 'w') as f:  # written first: an interrupted run can be re-run
        json.dump(settings, f, indent=1)
    write_split(out, seed, size, num_train, aligned, 'train')
    write_split(out, seed, size, num_test, aligned, 'test')
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', default='./datasets/synthetic', help='output folder')
    parser.add_argument('--size', type=int, default=64, help='image side in pixels')
    parser.add_argument('--num_train', type=int, default=200, help='images in trainA and in trainB')
    parser.add_argument('--num_test', type=int, default=20, help='pairs in testA/testB')
    parser.add_argument('--seed', type=int, default=0, help='same seed, same files')
    parser.add_argument('--aligned', action='store_true',
                        help='also write train/ and test/ as A|B pairs (pix2pix layout)')
    opt = parser.parse_args(argv)
    out = make_synthetic(opt.out, opt.size, opt.num_train, opt.num_test, opt.seed, opt.aligned)
    print(f'synthetic data set ({opt.num_train} train per domain, {opt.num_test} test pairs, '
          f'{opt.size}px, seed {opt.seed}) written to {os.path.abspath(out)}')


if __name__ == '__main__':
    run_cli(main)
