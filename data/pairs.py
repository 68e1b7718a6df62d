"""Implicit, pseudo and explicit pairs for unpaired training (Ginger, Danon, Averbuch-Elor, Cohen-Or,
"Implicit Pairs for Boosting Unpaired Image-to-Image Translation", 2019).

Implicit: K corresponding pairs (x_i, y_i) are added to the unpaired sets, x_i to A and y_i to B; the
sets are still sampled independently, so the model is never told which images correspond. Pseudo: y_i
is made from x_i by a one-way operator (data/pseudo_ops.py). Explicit: the same K pairs are kept out
of the unpaired sets and served beside them as 'pair_A'/'pair_B', for a paired loss in the model.

Which K of the available pairs are used depends only on --seed, through a generator of its own, and
the choice is a prefix of one fixed order, so a larger K adds pairs to a smaller K's. The chosen files
are listed in <checkpoints_dir>/<name>/implicit_pairs.json; halves cut from A|B images and pseudo
counterparts are written beside it, in implicit_pairs/A and implicit_pairs/B.

A half whose file already is in its set (same bytes: make_unpaired's pairsA/pairsB hold the training
halves too) is not added twice, so injecting never duplicates an image.
"""
import hashlib
import json
import math
import os
import random
import shutil

from data import pseudo_ops
from data.base_dataset import get_params, get_transform
from data.image_folder import load_image
from util import distributed
from util.errors import UserError
from util.image_files import list_images, split_ab
from util.util import atomic_write_text

MANIFEST = 'implicit_pairs.json'
SIDES = 'AB'


def add_options(parser, is_train):
    """The pair options exist only for training with the unaligned data set."""
    if not is_train:
        return parser
    parser.add_argument('--implicit_pairs', type=str, default=None,
                        help='pairs to inject: a folder of A|B images, or one with A/ and B/ (or make_unpaired\'s '
                             'pairsA/ and pairsB/) holding files of matching names')
    parser.add_argument('--num_implicit_pairs', type=int, default=None, help='K, the number of pairs to inject')
    parser.add_argument('--implicit_pairs_ratio', type=float, default=None,
                        help='K as a fraction r of the unpaired set size N (max of |A|, |B|): K = floor(r*N + 0.5), '
                             'at least 1 when r > 0')
    parser.add_argument('--pseudo_pairs', type=str, default=None,
                        help='make each counterpart with this operator: ' + ', '.join(sorted(pseudo_ops.OPERATORS)))
    parser.add_argument('--pseudo_direction', type=str, default='AtoB', choices=['AtoB', 'BtoA'],
                        help='AtoB: y = op(x) for x of A (from --implicit_pairs, else from trainA), added to B')
    parser.add_argument('--pseudo_edges_threshold', type=float, default=0.25, help='edges: Sobel magnitude (0..~1.4) that makes a line')
    parser.add_argument('--pseudo_blur_radius', type=float, default=2.0, help='blur: Gaussian radius in pixels')
    parser.add_argument('--pseudo_downscale_factor', type=float, default=4.0, help='downscale: down by this factor, then back up')
    parser.add_argument('--explicit_pairs', action='store_true',
                        help='keep the K pairs out of the unpaired sets; each item also carries a pair (pair_A, pair_B) '
                             'for a paired loss in the model (its --lambda_pair)')
    return parser


def pair_count(ratio, unpaired_size):
    """K for --implicit_pairs_ratio: r*N rounded half up (not to even), and at least 1 pair when r > 0."""
    if ratio <= 0:
        return 0
    return max(1, math.floor(ratio * unpaired_size + 0.5))


def inject(opt, A_paths, B_paths):
    """(A paths, B paths, explicit pairs) after applying the pair options; unchanged lists and no
    pairs when none is given (and always at test time)."""
    if not opt.isTrain:
        return A_paths, B_paths, []
    if not (opt.implicit_pairs or opt.pseudo_pairs):
        if opt.num_implicit_pairs is not None or opt.implicit_pairs_ratio is not None or opt.explicit_pairs:
            raise UserError('--num_implicit_pairs/--implicit_pairs_ratio/--explicit_pairs need --implicit_pairs PATH '
                            'or --pseudo_pairs OP')
        return A_paths, B_paths, []
    op = pseudo_ops.get(opt.pseudo_pairs) if opt.pseudo_pairs else None
    candidates = source_pairs(opt, A_paths, B_paths)
    unpaired_size = max(len(A_paths), len(B_paths))
    k = _count(opt, unpaired_size, len(candidates))
    seed = 0 if opt.seed is None else opt.seed
    order = list(range(len(candidates)))
    random.Random(f'implicit_pairs/{seed}').shuffle(order)
    out = os.path.join(opt.checkpoints_dir, opt.name, 'implicit_pairs')
    with distributed.main_first():  # under torchrun rank 0 writes the files, the others then read them
        main = distributed.is_main()
        if main:
            shutil.rmtree(out, ignore_errors=True)
        chosen = [realise(opt, op, candidates[i], out, n, write=main) for n, i in enumerate(order[:k])]
    added = {side: [] for side in SIDES}
    if not opt.explicit_pairs:
        A_paths = _append_new(A_paths, [a for a, _ in chosen], added['A'])
        B_paths = _append_new(B_paths, [b for _, b in chosen], added['B'])
    manifest = dict(mode='explicit' if opt.explicit_pairs else 'implicit',
                    source=opt.implicit_pairs or opt.phase + opt.pseudo_direction[0], pseudo_pairs=opt.pseudo_pairs,
                    pseudo_direction=opt.pseudo_direction if op else None, pseudo_params=_op_params(opt) if op else None,
                    seed=seed, num_pairs=k, unpaired_size=unpaired_size, available=len(candidates),
                    pairs=[dict(A=a, B=b) for a, b in chosen], added=added, A_size=len(A_paths), B_size=len(B_paths))
    if distributed.is_main():
        os.makedirs(os.path.dirname(out), exist_ok=True)
        atomic_write_text(os.path.join(os.path.dirname(out), MANIFEST), json.dumps(manifest, indent=1) + '\n')
    print(f'{manifest["mode"]} pairs: {k} of {len(candidates)} from {manifest["source"]}'
          f'{f" with pseudo operator {opt.pseudo_pairs}" if op else ""}; sets now |A| {len(A_paths)}, |B| {len(B_paths)}')
    return A_paths, B_paths, (chosen if opt.explicit_pairs else [])


def _count(opt, unpaired_size, available):
    """K from --num_implicit_pairs or --implicit_pairs_ratio, checked against the pairs there are."""
    if (opt.num_implicit_pairs is None) == (opt.implicit_pairs_ratio is None):
        raise UserError('give exactly one of --num_implicit_pairs K and --implicit_pairs_ratio r')
    if opt.num_implicit_pairs is not None:
        k, asked = opt.num_implicit_pairs, f'--num_implicit_pairs {opt.num_implicit_pairs}'
    else:
        k = pair_count(opt.implicit_pairs_ratio, unpaired_size)
        asked = f'--implicit_pairs_ratio {opt.implicit_pairs_ratio} (K = {k} of N = {unpaired_size})'
    if k < 0:
        raise UserError(f'{asked}: must be >= 0')
    if k > available:
        raise UserError(f'{asked}: only {available} pairs available in {opt.implicit_pairs or "the training set"}')
    return k


def source_pairs(opt, A_paths, B_paths):
    """Candidate pairs: (A path, B path) for two folders, an A|B file path for an aligned folder, and
    for pseudo pairs without --implicit_pairs, the training images of the operator's source side."""
    path = opt.implicit_pairs
    if not path:
        return [(a, None) for a in A_paths] if opt.pseudo_direction == 'AtoB' else [(None, b) for b in B_paths]
    if not os.path.isdir(path):
        raise UserError(f'--implicit_pairs {path}: folder not found')
    for sub_A, sub_B in (('pairsA', 'pairsB'), ('A', 'B')):
        if os.path.isdir(os.path.join(path, sub_A)) and os.path.isdir(os.path.join(path, sub_B)):
            return _matched(os.path.join(path, sub_A), os.path.join(path, sub_B))
    files = list_images(path)
    if not files:
        raise UserError(f'--implicit_pairs {path}: no images; expected A|B images, A/ and B/, or pairsA/ and pairsB/')
    return [os.path.join(path, f) for f in files]


def _matched(dir_A, dir_B):
    """Pairs of files with the same name up to the extension; every file must have its counterpart."""
    stems_A = {os.path.splitext(n)[0]: n for n in list_images(dir_A)}
    stems_B = {os.path.splitext(n)[0]: n for n in list_images(dir_B)}
    lone = sorted(set(stems_A) ^ set(stems_B))
    if lone:
        first = os.path.join(dir_A, stems_A[lone[0]]) if lone[0] in stems_A else os.path.join(dir_B, stems_B[lone[0]])
        raise UserError(f'--implicit_pairs: {len(lone)} images have no counterpart of the same name (first: {first})')
    if not stems_A:
        raise UserError(f'--implicit_pairs: {dir_A} and {dir_B} hold no images')
    return [(os.path.join(dir_A, stems_A[s]), os.path.join(dir_B, stems_B[s])) for s in sorted(stems_A)]


def _op_params(opt):
    """Keyword parameters of the chosen operator, from the options --pseudo_<op>_<param>."""
    prefix = f'pseudo_{opt.pseudo_pairs}_'
    return {k[len(prefix):]: v for k, v in vars(opt).items() if k.startswith(prefix)}


def realise(opt, op, source, out, number, write=True):
    """(A path, B path) of one chosen pair as files: halves of an A|B image and pseudo counterparts
    are written under `out` as <number>_<name>.png (only their paths with write=False)."""
    split = isinstance(source, str)
    paths = [None, None] if split else list(source)
    origin = source if split else next(p for p in source if p)
    name = f'{number:04d}_{os.path.splitext(os.path.basename(origin))[0]}.png'
    src, dst = (0, 1) if opt.pseudo_direction == 'AtoB' else (1, 0)
    images = dict(enumerate(split_ab(load_image(source), source))) if write and split else {}
    if write and op:
        images[dst] = op(images[src] if split else load_image(paths[src]), **_op_params(opt))
    written = ({0, 1} if split else set()) | ({dst} if op else set())  # a given file is used where it is
    for side in written:
        os.makedirs(os.path.join(out, SIDES[side]), exist_ok=True)
        paths[side] = os.path.join(out, SIDES[side], name)
        if write:
            images[side].save(paths[side])
    return tuple(paths)


def _digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha1(f.read()).hexdigest()


def _append_new(paths, extra, added):
    """`paths` plus the files of `extra` whose bytes are not there yet; `added` collects them."""
    seen = {_digest(p) for p in paths}
    result = list(paths)
    for path in extra:
        digest = _digest(path)
        if digest not in seen:
            seen.add(digest)
            result.append(path)
            added.append(path)
    return result


def paired_item(opt, pairs, input_nc, output_nc):
    """One of the explicit pairs at random, both halves with the same crop and flip."""
    path_A, path_B = pairs[random.randint(0, len(pairs) - 1)]
    A, B = load_image(path_A, input_nc), load_image(path_B, output_nc)
    params = get_params(opt, A.size)
    return {'pair_A': get_transform(opt, params, grayscale=(input_nc == 1))(A),
            'pair_B': get_transform(opt, params, grayscale=(output_nc == 1))(B)}
