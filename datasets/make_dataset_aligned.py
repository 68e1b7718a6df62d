"""Make an aligned (A|B) data set from trainA/trainB/testA/testB folders of matching names.

Upstream's tool pairs the files by sorted position and renames them 0000.jpg...; here they are
paired by name, so a missing or extra file is reported instead of silently pairing the wrong
images, and each A|B image keeps its name (a translation can be traced back to its source).
Writes <dataset-path>/train and <dataset-path>/test, the layout the `aligned` data set reads.

    python datasets/make_dataset_aligned.py --dataset-path ./datasets/my_pairs
"""
import argparse
import os

from data.dataset_files import write_side_by_side
from util.errors import UserError, run_cli
from util.image_files import list_images


def matching_names(folder_A, folder_B):
    """Names present in both folders; any name in only one of them is an error."""
    names_A, names_B = list_images(folder_A), list_images(folder_B)
    if not names_A:
        raise UserError(f'{folder_A}: no images')
    only = sorted(set(names_A) ^ set(names_B))
    if only:
        side = folder_B if only[0] in names_A else folder_A
        raise UserError(f'{len(only)} images have no counterpart of the same name, '
                        f'e.g. {only[0]} is missing from {side}')
    return names_A


def align_phase(dataset_path, phase):
    """Write <phase>/ from <phase>A and <phase>B; return how many pairs were written."""
    folder_A = os.path.join(dataset_path, phase + 'A')
    folder_B = os.path.join(dataset_path, phase + 'B')
    names = matching_names(folder_A, folder_B)
    target = os.path.join(dataset_path, phase)
    os.makedirs(target, exist_ok=True)
    for name in names:
        write_side_by_side(os.path.join(folder_A, name), os.path.join(folder_B, name),
                           os.path.join(target, name))
    return len(names)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--dataset-path', dest='dataset_path', required=True,
                        help='Which folder to process (it should have subfolders testA, testB, '
                             'trainA and trainB)')
    args = parser.parse_args(argv)
    if not os.path.isdir(args.dataset_path):
        raise UserError(f'--dataset-path {args.dataset_path}: folder not found')
    for phase in ('test', 'train'):
        count = align_phase(args.dataset_path, phase)
        print(f'{phase}: {count} A|B images written to {os.path.join(os.path.abspath(args.dataset_path), phase)}')


if __name__ == '__main__':
    run_cli(main)
