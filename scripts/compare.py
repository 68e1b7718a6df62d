"""Compare trained models side by side on one test set, in one command.

    python scripts/compare.py --names h2z_cyclegan,h2z_crossnet --dataroot ./datasets/horse2zebra --num_test 120
    python scripts/compare.py --names mine:crossnet,theirs:cycle_gan --dataroot ... --include_real_baseline

Each experiment's --model and architecture (--netG, --ngf, --norm, --crop_size, the model's own
options, ...) are read from <checkpoints_dir>/<name>/train_opt.json; `name:model` names the model
where that file is missing or says otherwise. The first --num_test inputs of the source domain of
--direction are translated by every model (in eval mode, as test.py --eval) and measured: FID and KID
against the real target test set (the field's protocol: horse2zebra's 120 testA translations against
all 140 testB images; its Inception features cached on disk), the domain score (metrics/domain.py: the
share of translations that a linear probe fitted on the two training sets assigns to the target
domain) and, where ground truth exists (aligned A|B data, or a target file of the same name for every
input), L1 / PSNR / SSIM against it, preprocessed like the inputs.

Writes <results_dir>/compare_<tag>/index.html (the table, then per input: input | ground truth, where
it exists | model 1 | model 2 | ...) with metrics.json, metrics.csv and metrics_per_image.csv beside it.
"""
import argparse
import contextlib
import io
import json
import os
import re
import time

import numpy as np

import models
from metrics import ImageSource, compute_metrics
from metrics.image_source import to_uint8
from metrics.outputs import print_table, write_outputs
from metrics.test_set import TestSet
from metrics.translate import input_transform, translate
from options.base_options import options_file, parse_gpu_ids
from options.test_options import TestOptions
from util import html, util
from util.errors import UserError, run_cli

SET_METRICS = ('fid', 'kid', 'domain')
PAIRED_METRICS = ('l1', 'psnr', 'ssim')
# What a test run takes from the training options besides the model's own: the architecture and
# the image size. Data and run settings (dataroot, batch size, load_size, flips) are the test's.
CARRIED = ('input_nc', 'output_nc', 'ngf', 'ndf', 'netG', 'netD', 'n_layers_D', 'norm', 'init_type',
           'init_gain', 'no_dropout', 'crop_size', 'preprocess', 'direction')
BASELINE = 'real (no translation)'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--names', required=True, help='comma-separated experiments: name or name:model')
    parser.add_argument('--dataroot', required=True, help='data set with <phase>A/<phase>B, or <phase>/ of A|B images')
    parser.add_argument('--checkpoints_dir', default='./checkpoints')
    parser.add_argument('--results_dir', default='./results/')
    parser.add_argument('--tag', help='the page goes to <results_dir>/compare_<tag> (default: the names joined by _vs_)')
    parser.add_argument('--phase', default='test')
    parser.add_argument('--num_test', type=int, default=50, help='how many input images to translate')
    parser.add_argument('--direction', default='AtoB', choices=['AtoB', 'BtoA'], help='translate A images to B, or B to A')
    parser.add_argument('--epoch', default='latest', help='which checkpoint of every experiment')
    parser.add_argument('--metrics', default=','.join(('fid', 'kid') + PAIRED_METRICS),
                        help='comma-separated, from fid, kid, domain, l1, psnr, ssim; paired ones (l1, psnr, ssim) only where ground truth exists')
    parser.add_argument('--include_real_baseline', action='store_true', help='add the untranslated inputs as a row')
    parser.add_argument('--at_size', action='store_true',
                        help="also FID / KID against the targets downscaled to the translations' size")
    parser.add_argument('--gpu_ids', default='0', help='e.g. 0; -1 for the CPU')
    parser.add_argument('--batch_size', type=int, default=50, help='images per Inception batch')
    parser.add_argument('--cache_dir', help='feature cache of real image sets (default ~/.cache/crossnet/metrics)')
    parser.add_argument('--display_winsize', type=int, default=256, help='image width on the page')
    parser.add_argument('--no_progress', action='store_true')
    opt = parser.parse_args(argv)
    opt.metrics = [m.strip() for m in opt.metrics.split(',') if m.strip()]
    unknown = [m for m in opt.metrics if m not in SET_METRICS + PAIRED_METRICS]
    if unknown:
        raise UserError(f'--metrics: unknown {", ".join(unknown)}; choose from {", ".join(SET_METRICS + PAIRED_METRICS)}')
    if opt.num_test < 1:
        raise UserError(f'--num_test must be positive, got {opt.num_test}')
    opt.experiments = [tuple(item.strip().split(':', 1)) if ':' in item else (item.strip(), None)
                       for item in opt.names.split(',') if item.strip()]
    if not opt.experiments:
        raise UserError('--names: no experiment given')
    names = [name for name, _ in opt.experiments]
    if len(set(names)) < len(names):
        raise UserError(f'--names: an experiment is named twice ({opt.names})')
    return opt


def test_arguments(name, model, opt):
    """The test-option list that rebuilds experiment `name` as it was trained."""
    run_dir = os.path.join(opt.checkpoints_dir, name)
    if not os.path.isdir(run_dir):
        raise UserError(f'--names: no experiment {name} in {opt.checkpoints_dir} (check --checkpoints_dir)')
    path = options_file(run_dir)
    trained = {}
    if os.path.isfile(path):
        with open(path) as f:
            trained = json.load(f)
    model = model or trained.get('model')
    if not model:
        raise UserError(f'{path} not found (train.py writes it): give the model as {name}:<model> in --names')
    own = models.get_option_setter(model)(argparse.ArgumentParser(add_help=False), False)._actions
    carried = set(CARRIED) | {a.dest for a in own}
    args = ['--model', model, '--name', name, '--checkpoints_dir', opt.checkpoints_dir, '--dataroot', opt.dataroot,
            '--epoch', opt.epoch, '--gpu_ids', opt.gpu_ids]
    for key, value in trained.items():
        if key in carried and value is not None:
            if isinstance(value, bool):  # a switch (store_true)
                args += [f'--{key}'] if value else []
            else:
                args += [f'--{key}', str(value)]
    args += ['--load_size', str(trained.get('crop_size', 256))]
    return args, trained.get('direction', 'AtoB')


def load_model(name, args, trained_direction, opt):
    """(model, its options, the visual holding the translation of --direction). TestOptions are
    parsed without parse(), which would print them (compare.py never calls save_options, so the
    experiment's folder gets no test_opt.txt)."""
    parser = TestOptions()
    test_opt = parser.gather_options(args)
    test_opt.isTrain = False
    parser.validate(test_opt)
    test_opt.gpu_ids, test_opt.device = parse_gpu_ids(test_opt.gpu_ids)
    with contextlib.redirect_stdout(io.StringIO()):  # keep the table readable; errors still raise
        model = models.create_model(test_opt)
        model.setup(test_opt)
    visual = 'fake_B' if opt.direction == trained_direction else 'fake_A'
    if visual not in model.visual_names:
        raise UserError(f'{name}: --model {test_opt.model} translates only {trained_direction}, not --direction {opt.direction}')
    return model, test_opt, visual


def measure(label, fakes, test_set, ground_truth, opt, size):
    """One table row: set metrics against the target set (as stored, and at `size`, the
    translations' width and height, where asked), paired ones against `ground_truth`."""
    keys = test_set.keys
    fake = ImageSource(arrays=fakes, keys=keys, label=label)
    kwargs = dict(device=opt.device, batch_size=opt.batch_size, cache_dir=opt.cache_dir, progress=not opt.no_progress)
    scores, per_image = {}, {}
    wanted = [m for m in opt.metrics if m in ('fid', 'kid')]
    if wanted:
        scores.update(compute_metrics(wanted, fake, opt.targets, **kwargs).scores)
    if wanted and opt.at_size:
        small = compute_metrics(wanted, fake.at_size(size), opt.targets.at_size(size), **kwargs).scores
        scores.update({f'{k}_at_size': v for k, v in small.items()})
    if 'domain' in opt.metrics:
        scores.update(compute_metrics('domain', fake.at_size(size), opt.targets, domain_train=test_set.training_sets(),
                                      **kwargs).scores)
    wanted = [m for m in opt.metrics if m in PAIRED_METRICS]
    if wanted and ground_truth is not None:
        report = compute_metrics(wanted, fake, ImageSource(arrays=ground_truth, keys=keys, label='ground truth'), **kwargs)
        scores.update(report.scores)
        per_image = report.per_image
    return {'name': label, 'fake': label, 'real': opt.targets.label, 'n_fake': len(fakes),
            'n_real': len(opt.targets), 'scores': scores, 'per_image': per_image}


COLUMNS = ('fid', 'kid', 'kid_std', 'fid_at_size', 'kid_at_size', 'domain', 'domain_real') + PAIRED_METRICS
HEADERS = {'kid_std': 'KID sd over subsets'}


def table(rows):
    """Header and text cells: FID, KID, the spread of KID over random subsets where there is one
    (not an interval: see metrics/kid.py), then the others that were measured."""
    present = [m for m in COLUMNS if any(m in r['scores'] for r in rows)]
    header = ['model', 'images'] + [HEADERS.get(m, m.upper()) for m in present]
    cells = []
    for row in rows:
        s = row['scores']
        line = [row['name'], f'{row["n_fake"]} vs {row["n_real"]}']
        for m in present:
            line.append('-' if m not in s else f'{s[m]:.2f}' if m.startswith('fid') else f'{s[m]:.4f}')
        cells.append(line)
    return header, cells


def main(argv=None):
    start = time.time()
    opt = parse_args(argv)
    ids, device = parse_gpu_ids(opt.gpu_ids)
    opt.gpu_ids, opt.device = ','.join(map(str, ids)) or '-1', str(device)
    specs = {name: test_arguments(name, model, opt) for name, model in opt.experiments}  # fail before any work
    test_set = TestSet(opt.dataroot, opt.phase, opt.direction, max_inputs=opt.num_test)
    opt.targets = test_set.targets()
    skipped = [m for m in opt.metrics if m in PAIRED_METRICS and not test_set.has_ground_truth]
    if skipped:
        print(f'no ground truth in {opt.dataroot} (not aligned, and not every input has a target of its name): '
              f'{", ".join(skipped)} skipped')
    tag = opt.tag or '_vs_'.join(name for name, _ in opt.experiments)
    web_dir = os.path.join(opt.results_dir, 'compare_' + re.sub(r'[^A-Za-z0-9._+-]', '_', tag))
    page = html.HTML(web_dir, f'Comparison: {", ".join(name for name, _ in opt.experiments)}')
    inputs = [test_set.input_image(i) for i in range(len(test_set))]
    columns, rows, size = [], [], None
    for k, (name, spec) in enumerate(specs.items(), 1):
        model, test_opt, visual = load_model(name, *spec, opt)
        to_tensor = input_transform(test_opt)
        fakes = translate(model, [to_tensor(image) for image in inputs], visual)
        truth = None
        if test_set.has_ground_truth:
            to_truth = input_transform(test_opt, channels=test_opt.output_nc)
            truth = [to_uint8(to_truth(test_set.ground_truth(i)))[0] for i in range(len(test_set))]
        size = size or (fakes[0].shape[1], fakes[0].shape[0])
        rows.append(measure(name, fakes, test_set, truth, opt, size))
        columns.append((name, [f'{key}_m{k}.png' for key in test_set.keys], fakes))
        print(f'{name}: --model {test_opt.model}, {visual} of {len(fakes)} images measured ({time.time() - start:.0f} s so far)')
    if opt.include_real_baseline:
        raw = [np.array(image.convert('RGB')) for image in inputs]  # copies: torch warns on read-only arrays
        truth = [np.array(test_set.ground_truth(i).convert('RGB')) for i in range(len(test_set))] if test_set.has_ground_truth else None
        same_size = truth is not None and all(a.shape == b.shape for a, b in zip(raw, truth))
        rows.insert(0, measure(BASELINE, raw, test_set, truth if same_size else None, opt, size))
    header, cells = table(rows)
    took = f'evaluation took {time.time() - start:.1f} s'
    write_page(page, test_set, inputs, columns, header, cells, took, opt)
    write_outputs(os.path.join(web_dir, 'metrics'), rows)
    print_table(header, cells)
    print(f'page: {os.path.join(web_dir, "index.html")}; numbers: {os.path.join(web_dir, "metrics.json")} and .csv')
    print(took)


def write_page(page, test_set, inputs, columns, header, cells, took, opt):
    """The metrics table, then one row per input image: input | ground truth | model 1 | ..."""
    page.add_header(f'{len(test_set)} {opt.phase} images, {opt.direction}, against {test_set.label}')
    page.add_table(header, cells)
    page.add_text(took)
    for i, key in enumerate(test_set.keys):
        ims, labels = [f'{key}_input.png'], [f'{key} input']
        inputs[i].convert('RGB').save(os.path.join(page.get_image_dir(), ims[0]))
        if test_set.has_ground_truth:
            ims.append(f'{key}_truth.png')
            labels.append('ground truth')
            test_set.ground_truth(i).convert('RGB').save(os.path.join(page.get_image_dir(), ims[-1]))
        for _, files, fakes in columns:
            util.save_image(fakes[i], os.path.join(page.get_image_dir(), files[i]))
            ims.append(files[i])
        page.add_images(ims, labels + [name for name, _, _ in columns], ims, width=opt.display_winsize)
    page.save()


if __name__ == '__main__':
    run_cli(main)
