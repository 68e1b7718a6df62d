"""Measure translations: FID / KID against real target images, L1 / PSNR / SSIM against ground truth.

    python scripts/evaluate.py --results results/h2z_crossnet/test_latest --real datasets/horse2zebra/testB
    python scripts/evaluate.py --results results/facades_pix2pix/test_latest --metrics fid,kid,l1,psnr,ssim
    python scripts/evaluate.py --fake path/to/translations --real path/to/targets

--results reads the folder test.py writes (<image>_real_A.png, <image>_fake_B.png, ...). With
--real, the <image>_<fake_suffix> images are measured against that folder: the field's FID
protocol compares with the whole real test set of the target domain (horse2zebra: 120 fakes
against the 140 images of testB), not with the real_B images test.py saved beside the fakes.
Without --real, every fake_X is measured against the real_X images of the same folder, which is
the right reference for aligned data. Paired metrics match images by name.
Prints a table and writes <out>.json and <out>.csv (<out>_per_image.csv for paired metrics).
"""
import argparse
import os
import re

from metrics import ImageSource, compute_metrics, list_metrics
from metrics.image_source import image_paths
from metrics.outputs import print_table, write_outputs
from util.errors import UserError, run_cli
from util.image_files import stem

# The visual names upstream models save: real_A, fake_B, rec_A, idt_B, ... and test_model's real / fake.
VISUAL_SUFFIX = re.compile(r'_((?:real|fake|rec|idt)(?:_[A-Za-z0-9]+)?)$')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--results', help='results/<name>/test_<epoch> (or its images/ folder) from test.py')
    source.add_argument('--fake', help='folder of translated images')
    parser.add_argument('--real', help='folder of real target images (required with --fake)')
    parser.add_argument('--fake_suffix', default='',
                        help='with --results and --real: which saved visual to measure (default fake_B, else fake)')
    parser.add_argument('--metrics', default='fid,kid', help=f'comma-separated, from {",".join(list_metrics())}')
    parser.add_argument('--domain_train', help='SOURCE,TARGET: training image folders the domain metric fits its probe on')
    parser.add_argument('--out', help='prefix of the JSON / CSV files (default <results>/metrics, or ./metrics)')
    parser.add_argument('--device', default='cpu', help='cpu, cuda, cuda:1, ...')
    parser.add_argument('--batch_size', type=int, default=50)
    parser.add_argument('--cache_dir', help='feature cache of real image sets (default ~/.cache/crossnet/metrics)')
    parser.add_argument('--no_cache', action='store_true', help='recompute reference features, do not store them')
    parser.add_argument('--no_progress', action='store_true', help='no progress bars')
    opt = parser.parse_args(argv)
    if opt.fake and not opt.real:
        parser.error('--fake needs --real')
    if opt.batch_size < 1:
        parser.error('--batch_size must be at least 1')
    if opt.domain_train:
        folders = [f.strip() for f in opt.domain_train.split(',')]
        if len(folders) != 2 or not all(folders):
            parser.error(f'--domain_train takes two folders, source and target: {opt.domain_train}')
        opt.domain_train = tuple(ImageSource.from_folder(f) for f in folders)
    return opt


def visual_suffixes(folder):
    """Visual names present in a results image folder, e.g. {'real_A', 'fake_B', 'rec_A'}."""
    stems = (stem(p) for p in image_paths(folder))
    return {m.group(1) for m in map(VISUAL_SUFFIX.search, stems) if m}


def comparisons(opt):
    """[(name, fake ImageSource, real ImageSource)] that the options ask for."""
    if opt.fake:
        return [('fake vs real', ImageSource.from_folder(opt.fake), ImageSource.from_folder(opt.real))]
    folder = os.path.join(opt.results, 'images')
    folder = folder if os.path.isdir(folder) else opt.results
    found = visual_suffixes(folder)
    if opt.real:
        suffix = opt.fake_suffix or next((s for s in ('fake_B', 'fake') if s in found), '')
        if suffix not in found:
            raise UserError(f'{folder}: no *_{suffix or "fake_B"} images; saved visuals: {", ".join(sorted(found))}')
        return [(f'{suffix} vs {os.path.basename(os.path.normpath(opt.real))}',
                 ImageSource.from_folder(folder, suffix), ImageSource.from_folder(opt.real))]
    pairs = sorted(s for s in found if s.startswith('fake_') and 'real_' + s[5:] in found)
    if not pairs:
        raise UserError(f'{folder}: no *_fake_X images with matching *_real_X; pass --real DIR')
    return [(f'{s} vs real_{s[5:]}', ImageSource.from_folder(folder, s), ImageSource.from_folder(folder, 'real_' + s[5:]))
            for s in pairs]


def table(rows):
    """Header and text cells: one line per comparison, a column per score that any of them has."""
    score_names = list(dict.fromkeys(k for row in rows for k in row['scores']))
    header = ['comparison', 'n_fake', 'n_real'] + score_names
    return header, [[row['name'], str(row['n_fake']), str(row['n_real'])]
                    + [f'{row["scores"][k]:.5g}' if k in row['scores'] else '-' for k in score_names] for row in rows]


def main(argv=None):
    opt = parse_args(argv)
    names = [name.strip() for name in opt.metrics.split(',') if name.strip()]
    rows = []
    for name, fake, real in comparisons(opt):
        report = compute_metrics(names, fake, real, device=opt.device, batch_size=opt.batch_size,
                                 cache_dir=opt.cache_dir, use_cache=not opt.no_cache, progress=not opt.no_progress,
                                 domain_train=opt.domain_train)
        rows.append({'name': name, 'fake': fake.label, 'real': real.label, 'n_fake': len(fake),
                     'n_real': len(real), 'scores': report.scores, 'per_image': report.per_image})
    print_table(*table(rows))
    prefix = opt.out or (os.path.join(opt.results, 'metrics') if opt.results else 'metrics')
    write_outputs(prefix, rows)
    print(f'wrote {prefix}.json, {prefix}.csv')


if __name__ == '__main__':
    run_cli(main)
