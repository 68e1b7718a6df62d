"""Combine two folders of corresponding images into A|B pairs (upstream's tool, same options).

fold_A and fold_B hold the same split subfolders (train/, val/, test/); an image in A/<split>
and the image of the same name in B/<split> become one side-by-side image in AB/<split>, the
layout the `aligned` data set (pix2pix) reads. With --use_AB, names are 0001_A.jpg / 0001_B.jpg
and the pair is written as 0001.jpg. Images without a counterpart are skipped and counted.

    python datasets/combine_A_and_B.py --fold_A /path/A --fold_B /path/B --fold_AB /path/AB
"""
import argparse
import os
from multiprocessing import Pool

from data.dataset_files import write_side_by_side
from util.errors import UserError, run_cli
from util.image_files import list_images


def plan_split(fold_A, fold_B, fold_AB, split, num_imgs, use_AB):
    """(path_A, path_B, path_AB) for the first `num_imgs` images of one split that have a
    counterpart in B, and how many were skipped for lack of one."""
    names = list_images(os.path.join(fold_A, split))
    if not os.path.isdir(os.path.join(fold_B, split)):
        raise UserError(f'{fold_B}/{split}: folder not found (fold_A has a {split} split)')
    if use_AB:
        names = [n for n in names if '_A.' in n]
    jobs, skipped = [], 0
    for name_A in names[:num_imgs]:
        name_B = name_A.replace('_A.', '_B.') if use_AB else name_A
        path_B = os.path.join(fold_B, split, name_B)
        if not os.path.isfile(path_B):
            skipped += 1
            continue
        name_AB = name_A.replace('_A.', '.') if use_AB else name_A
        jobs.append((os.path.join(fold_A, split, name_A), path_B, os.path.join(fold_AB, split, name_AB)))
    return jobs, skipped


def combine(fold_A, fold_B, fold_AB, num_imgs=1000000, use_AB=False, multiprocessing=True):
    """Combine every split folder of `fold_A`; return the number of A|B images written."""
    for folder, option in ((fold_A, '--fold_A'), (fold_B, '--fold_B')):
        if not os.path.isdir(folder):
            raise UserError(f'{option} {folder}: folder not found')
    splits = sorted(d for d in os.listdir(fold_A) if os.path.isdir(os.path.join(fold_A, d)))
    if not splits:
        raise UserError(f'--fold_A {fold_A}: no split subfolders (expected e.g. {fold_A}/train)')
    jobs = []
    for split in splits:
        split_jobs, skipped = plan_split(fold_A, fold_B, fold_AB, split, num_imgs, use_AB)
        print(f'split = {split}: {len(split_jobs)} pairs'
              + (f', {skipped} images without a counterpart in {fold_B}/{split} skipped' if skipped else ''))
        os.makedirs(os.path.join(fold_AB, split), exist_ok=True)
        jobs += split_jobs
    if not jobs:
        raise UserError(f'no pairs: no image in {fold_A}/<split> has a file of the same name in {fold_B}/<split>')
    if multiprocessing and len(jobs) > 1:
        with Pool(min(os.cpu_count() or 1, 8)) as pool:
            pool.starmap(write_side_by_side, jobs)
    else:
        for job in jobs:
            write_side_by_side(*job)
    return len(jobs)


def main(argv=None):
    parser = argparse.ArgumentParser(description='create image pairs')
    parser.add_argument('--fold_A', help='input directory for image A', default='../dataset/50kshoes_edges')
    parser.add_argument('--fold_B', help='input directory for image B', default='../dataset/50kshoes_jpg')
    parser.add_argument('--fold_AB', help='output directory', default='../dataset/test_AB')
    parser.add_argument('--num_imgs', help='number of images', type=int, default=1000000)
    parser.add_argument('--use_AB', help='if true: (0001_A, 0001_B) to (0001_AB)', action='store_true')
    parser.add_argument('--no_multiprocessing', action='store_true',
                        help='If used, chooses single CPU execution instead of parallel execution')
    args = parser.parse_args(argv)
    for arg in vars(args):
        print(f'[{arg}] = ', getattr(args, arg))
    count = combine(args.fold_A, args.fold_B, args.fold_AB, args.num_imgs, args.use_AB,
                    not args.no_multiprocessing)
    print(f'wrote {count} A|B images to {os.path.abspath(args.fold_AB)}')


if __name__ == '__main__':
    run_cli(main)
