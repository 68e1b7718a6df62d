"""Turn an aligned A|B data set (facades, maps) into a clean unpaired one with its pairs kept aside.

Splitting every A|B image into trainA and trainB would hide all its pairs in the unpaired baseline,
and scripts/implicit_pairs_experiment.py measures exactly what hidden pairs do. So the training pairs
are shuffled (--seed) and cut in two: trainA gets the A halves of one half, trainB the B halves of the
other, and no training image has its counterpart on the other side. pairsA/pairsB, testA/testB and
manifest.json are described in datasets/README.md.

    python datasets/make_unpaired.py --dataroot ./datasets/facades --out ./datasets/facades_unpaired \
        --direction BtoA --seed 0
"""
import argparse
import json
import os
import random
import shutil

from data.dataset_files import claim_output, save_image
from util.errors import UserError, run_cli
from util.image_files import list_images, load_image, split_ab, stem

MARKER = 'manifest.json'
FOLDERS = ('trainA', 'trainB', 'testA', 'testB', 'valA', 'valB', 'pairsA', 'pairsB')


def source_names(dataroot, split):
    """Image names of one aligned split, checked to give distinct output names."""
    folder = os.path.join(dataroot, split)
    names = list_images(folder)
    if not names:
        raise UserError(f'{folder}: no images')
    stems = [stem(n) for n in names]
    if len(set(stems)) < len(stems):
        raise UserError(f'{folder}: two images share a name up to the extension')
    return names


def split_halves(names, seed):
    """Shuffle the training pairs with `seed` and cut them into two disjoint sorted halves."""
    order = list(names)
    random.Random(seed).shuffle(order)
    half = (len(order) + 1) // 2
    return sorted(order[:half]), sorted(order[half:])


def read_pair(dataroot, split, name, direction):
    """(A, B) of one A|B file, swapped for BtoA so that A is always the source domain."""
    path = os.path.join(dataroot, split, name)
    left, right = split_ab(load_image(path), path)
    return (left, right) if direction == 'AtoB' else (right, left)


def write(img, out, folder, name, ext, manifest, source):
    """Save one half, note in the manifest which source file it came from, return its path in `out`."""
    out_name = stem(name) + '.' + ext
    save_image(img, os.path.join(out, folder, out_name))
    manifest['folders'].setdefault(folder, {})[out_name] = source
    return os.path.join(folder, out_name)


def save_manifest(out, manifest):
    with open(os.path.join(out, MARKER), 'w') as f:
        json.dump(manifest, f, indent=1)


def make_unpaired(dataroot, out, seed=0, direction='AtoB', ext='png'):
    """Write the unpaired set into `out`; return the manifest."""
    if not os.path.isdir(dataroot):
        raise UserError(f'--dataroot {dataroot}: folder not found')
    if not os.path.isdir(os.path.join(dataroot, 'train')):
        raise UserError(f'--dataroot {dataroot}: no train/ folder (make_unpaired needs the aligned '
                        'A|B layout: train/ and test/ or val/ of side-by-side images)')
    evals = {split: split for split in ('test', 'val') if os.path.isdir(os.path.join(dataroot, split))}
    if 'test' not in evals:
        if 'val' not in evals:
            raise UserError(f'--dataroot {dataroot}: no test/ or val/ folder for the paired test set')
        evals = {'test': 'val'}
    train_names = source_names(dataroot, 'train')
    if len(train_names) < 2:
        raise UserError(f'{dataroot}/train: at least 2 pairs are needed to make two disjoint halves')
    names_A, names_B = split_halves(train_names, seed)
    os.makedirs(out, exist_ok=True)
    claim_output(out, FOLDERS, MARKER)
    manifest = dict(dataroot=os.path.abspath(dataroot), seed=seed, direction=direction,
                    A_half='left' if direction == 'AtoB' else 'right', complete=False, folders={})
    save_manifest(out, manifest)  # marks `out` as ours at once, so a failed run can be re-run
    for folder in ('trainA', 'trainB', 'pairsA', 'pairsB') + tuple(p + s for p in evals for s in 'AB'):
        os.makedirs(os.path.join(out, folder))
    in_A = set(names_A)
    for name in train_names:
        img_A, img_B = read_pair(dataroot, 'train', name, direction)
        source = f'train/{name}'
        saved_A = write(img_A, out, 'pairsA', name, ext, manifest, source)
        saved_B = write(img_B, out, 'pairsB', name, ext, manifest, source)
        folder, saved = ('trainA', saved_A) if name in in_A else ('trainB', saved_B)
        shutil.copyfile(os.path.join(out, saved), os.path.join(out, folder, os.path.basename(saved)))
        manifest['folders'].setdefault(folder, {})[os.path.basename(saved)] = source
    for phase, split in evals.items():
        for name in source_names(dataroot, split):
            img_A, img_B = read_pair(dataroot, split, name, direction)
            write(img_A, out, phase + 'A', name, ext, manifest, f'{split}/{name}')
            write(img_B, out, phase + 'B', name, ext, manifest, f'{split}/{name}')
    manifest['complete'] = True
    save_manifest(out, manifest)
    return manifest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--dataroot', required=True, help='aligned data set with train/ and test/ or val/')
    parser.add_argument('--out', help='output folder (default: <dataroot>_unpaired)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the split into two halves')
    parser.add_argument('--direction', choices=('AtoB', 'BtoA'), default='AtoB',
                        help='AtoB: the left half is A; BtoA: the right half is A')
    parser.add_argument('--ext', choices=('png', 'jpg'), default='png',
                        help='png keeps the decoded pixels exactly (ground truth); jpg (quality 95) '
                             'is several times smaller for large sets such as maps')
    opt = parser.parse_args(argv)
    out = opt.out or os.path.normpath(opt.dataroot) + '_unpaired'
    manifest = make_unpaired(opt.dataroot, out, opt.seed, opt.direction, opt.ext)
    counts = ', '.join(f'{k} {len(v)}' for k, v in manifest['folders'].items())
    print(f'unpaired data set written to {os.path.abspath(out)} ({counts})')


if __name__ == '__main__':
    run_cli(main)
