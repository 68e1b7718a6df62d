"""Does injecting pairs help unpaired translation? (Ginger et al. 2019)

On an unpaired set made from a paired one by datasets/make_unpaired.py, trains every run of the grid
  K in --ratios (fraction of the unpaired set) x --models x --modes x --sources (real pairs, pseudo
  pairs made by --pseudo_op from the same x_i); the modes are the ways of using the same K pairs:
  implicit (hidden in the unpaired sets), explicit (paired L1 term), explicit_adv (pair discriminator
  only) and explicit_full (L1 0.5 + pair discriminator 1, --pair_supervision full),
with one budget and one seed (K = 0, the baseline, once per model), translates testA and scores
fake_B against testB (L1, PSNR, SSIM against the ground truth; FID, KID against the real testB set),
then writes <out>/results.md, <out>/results.csv and <out>/implicit_pairs.png.

    python datasets/make_unpaired.py --dataroot ./datasets/facades --out ./datasets/facades_unpaired --direction BtoA
    python scripts/implicit_pairs_experiment.py --dataroot ./datasets/facades_unpaired --out ./experiments/facades \
        --pseudo_op edges --pseudo_direction BtoA --load_size 64 --crop_size 64 --ngf 16 --ndf 16 --n_epochs 20

The runs are an experiment of scripts/experiment.py under <out>/checkpoints/, <out>/results/ and
<out>/logs/; each run's row is <out>/rows/<name>.json. Every run sees the same number of iterations:
--max_dataset_size caps each epoch (default: the unpaired set size before injection), so injected
images replace samples rather than add steps. FID/KID on a test set of a few hundred images are noisy
and biased: compare them within one table only.
"""
import argparse
import csv
import json
import os
from pathlib import Path

import torch

from metrics import ImageSource, compute_metrics
from models import available_models
from options.base_options import parse_gpu_ids
from scripts import experiment
from scripts.experiment import Run, budget
from util import run_record
from util.errors import UserError, run_cli
from util.image_files import list_images, stem

BUDGET = ('load_size', 'crop_size', 'ngf', 'ndf', 'n_epochs', 'n_epochs_decay', 'max_dataset_size')
METRICS = ('L1', 'PSNR', 'SSIM', 'FID', 'KID')
COLUMNS = ('name', 'model', 'seed', 'ratio', 'K', 'mode', 'source') + METRICS + ('note',)
# mode -> (train options given the script's options, the loss a model logs when it uses them)
MODES = {
    'implicit': (lambda opt: [], None),
    'explicit': (lambda opt: ['--explicit_pairs', '--lambda_pair', str(opt.lambda_pair)], 'pair'),
    'explicit_adv': (lambda opt: ['--explicit_pairs', '--lambda_pair', '0', '--lambda_pair_gan', str(opt.lambda_pair_gan)],
                     'pair_GAN'),
    'explicit_full': (lambda opt: ['--pair_supervision', 'full'], 'pair_GAN'),
}


def baseline(model, seed, name):
    """A K = 0 run: the model with no pairs, the noise floor of every comparison."""
    return Run(name, model, ['--seed', str(seed)], dict(seed=seed, ratio=0.0, mode='-', source='-'))


def experiments(opt):
    """The grid as a list of named option sets: K = 0 once per model, then every (ratio, mode,
    source) for each model, then the baseline again for each --baseline_seeds."""
    runs = []
    for model in opt.models:
        runs.append(baseline(model, opt.seed, f'{model}_baseline'))
        for ratio in (r for r in opt.ratios if r > 0):
            for mode in opt.modes:
                for source in opt.sources:
                    options = ['--seed', str(opt.seed), '--implicit_pairs', opt.dataroot, '--implicit_pairs_ratio', str(ratio)]
                    if source == 'pseudo':
                        options += ['--pseudo_pairs', opt.pseudo_op, '--pseudo_direction', opt.pseudo_direction]
                    runs.append(Run(f'{model}_r{ratio:g}_{mode}_{source}', model, options + MODES[mode][0](opt),
                                    dict(seed=opt.seed, ratio=ratio, mode=mode, source=source)))
    for seed in opt.baseline_seeds:
        runs += [baseline(model, seed, f'{model}_baseline_seed{seed}') for model in opt.models]
    return runs


def pairs_experiment(opt, runs):
    """`runs` with the shared budget, under <out>/, each recorded as its row in <out>/rows/."""
    train = budget(opt, ('dataroot', 'gpu_ids') + BUDGET + ('print_freq',)) + ['--num_threads', '0', '--no_html']
    test = budget(opt, ('dataroot', 'gpu_ids', 'ngf')) + ['--load_size', str(opt.crop_size), '--crop_size',
                                                          str(opt.crop_size), '--phase', 'test']
    return experiment.Experiment(
        runs=runs, train=train, test=test, checkpoints=os.path.join(opt.out, 'checkpoints'),
        results=os.path.join(opt.out, 'results'), logs=os.path.join(opt.out, 'logs'),
        record=lambda name: os.path.join(opt.out, 'rows', name + '.json'), measure=lambda run: score(opt, run))


def evaluate(opt, images):
    """L1/PSNR/SSIM of each fake_B against the real_B test.py saved beside it (its testB ground truth,
    resized as the input was; same name as testA), FID/KID of the fake_B set against the real testB."""
    fake = ImageSource.from_folder(images, 'fake_B')
    settings = dict(device=opt.device, cache_dir=os.path.join(opt.out, 'feature_cache'), progress=False)
    scores = compute_metrics(['l1', 'psnr', 'ssim'], fake, ImageSource.from_folder(images, 'real_B'), **settings).scores
    scores.update(compute_metrics(['fid', 'kid'], fake, os.path.join(opt.dataroot, 'testB'), **settings).scores)
    return {column: scores[column.lower()] for column in METRICS}


def score(opt, run):
    """One tested run's row: its scores, K from its pairs manifest, and whether the pairs were used."""
    print(f'=== {run.name}: {" ".join(run.options)}', flush=True)
    scores = evaluate(opt, os.path.join(opt.out, 'results', run.name, 'test_latest', 'images'))
    folder = Path(opt.out, 'checkpoints', run.name)
    k = json.loads((folder / 'implicit_pairs.json').read_text())['num_pairs'] if run.info['ratio'] else 0
    note = '' if pair_term_used(folder, run) else 'model has no paired term: pairs ignored'
    return dict(name=run.name, model=run.model, K=k, note=note, **run.info, **scores)


def pair_term_used(folder, run):
    """False when the mode has a paired term and the model did not log it (a model without that term
    ignores the pair keys); True otherwise, baselines and implicit runs included."""
    term = MODES[run.info['mode']][1] if run.info['mode'] in MODES else None
    logged = run_record.read(run_record.path_of(folder))
    return term is None or any(term in e['losses'] for e in logged if e['kind'] == 'losses')


def write_table(rows, out):
    with open(os.path.join(out, 'results.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    lines = ['| ' + ' | '.join(COLUMNS) + ' |', '|' + '---|' * len(COLUMNS)]
    for row in rows:
        lines.append('| ' + ' | '.join(f'{row[c]:.4f}' if isinstance(row[c], float) else str(row[c]) for c in COLUMNS) + ' |')
    Path(out, 'results.md').write_text('\n'.join(lines) + '\n')


PANELS = (('L1', 'L1 (lower is better)'), ('PSNR', 'PSNR (dB, higher is better)'),
          ('SSIM', 'SSIM (higher is better)'), ('FID', 'FID (lower is better)'))


def plot(rows, out):
    """Each metric against K (% of the set): one line per model x mode x source, from its baseline;
    baselines with other seeds as grey crosses at K = 0 (the seed-to-seed noise)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(PANELS), figsize=(4 * len(PANELS), 3.6))
    first = {}
    for r in rows:
        first.setdefault((r['model'], r['ratio'] == 0), r['seed'])
    baselines = {r['model']: r for r in rows if r['ratio'] == 0 and r['seed'] == first[(r['model'], True)]}
    repeats = [r for r in rows if r['ratio'] == 0 and r['seed'] != first[(r['model'], True)]]
    for key in sorted({(r['model'], r['mode'], r['source']) for r in rows if r['ratio'] > 0}):
        start = [baselines[key[0]]] if key[0] in baselines else []  # --only may leave the baseline out
        line = start + sorted((r for r in rows if (r['model'], r['mode'], r['source']) == key),
                                            key=lambda r: r['ratio'])
        for ax, (metric, _) in zip(axes, PANELS):
            ax.plot([100 * r['ratio'] for r in line], [r[metric] for r in line], marker='o', label=' '.join(key))
    for ax, (metric, label) in zip(axes, PANELS):
        if repeats:
            ax.scatter([0] * len(repeats), [r[metric] for r in repeats], marker='x', color='grey',
                       label='baseline, other seed')
        ax.set_xlabel('injected pairs K (% of the unpaired set)')
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, 'implicit_pairs.png'), dpi=100)
    plt.close(fig)


def unpaired_size(dataroot):
    """N = max(|trainA|, |trainB|), after checking the layout make_unpaired writes."""
    for sub in ('trainA', 'trainB', 'testA', 'testB', 'pairsA', 'pairsB'):
        if not os.path.isdir(os.path.join(dataroot, sub)):
            raise UserError(f'--dataroot {dataroot}: no {sub}/; make it with datasets/make_unpaired.py')
    stems = [[stem(n) for n in list_images(os.path.join(dataroot, s))] for s in ('testA', 'testB')]
    if stems[0] != stems[1]:
        raise UserError(f'--dataroot {dataroot}: testA and testB must hold the same names (the test pairs)')
    return max(len(list_images(os.path.join(dataroot, s))) for s in ('trainA', 'trainB'))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], allow_abbrev=False)
    parser.add_argument('--dataroot', required=True, help="make_unpaired's output (trainA/B, testA/B, pairsA/B)")
    parser.add_argument('--out', required=True, help='folder for checkpoints, test images, table and plot')
    parser.add_argument('--models', type=lambda s: s.split(','), default=['cycle_gan', 'crossnet'])
    parser.add_argument('--ratios', type=lambda s: [float(r) for r in s.split(',')], default=[0, 0.02, 0.05, 0.1, 0.2],
                        help='K as fractions of the unpaired set; 0 is the baseline')
    parser.add_argument('--modes', type=lambda s: s.split(','), default=['implicit', 'explicit'],
                        help='comma-separated, of: ' + ', '.join(MODES))
    parser.add_argument('--sources', type=lambda s: s.split(','), default=['real', 'pseudo'])
    parser.add_argument('--pseudo_op', default='edges', help='operator of the pseudo pairs (data/pseudo_ops.py)')
    parser.add_argument('--pseudo_direction', default='AtoB', choices=['AtoB', 'BtoA'])
    parser.add_argument('--lambda_pair', type=float, default=10.0, help='weight of the explicit paired L1 term')
    parser.add_argument('--lambda_pair_gan', type=float, default=1.0, help='weight of the pair discriminator (explicit_adv)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--baseline_seeds', type=lambda s: [int(x) for x in s.split(',')], default=[],
                        help='also run the K = 0 baselines with these seeds, to see the noise between seeds')
    experiment.add_arguments(parser)  # --only, --parallel, --threads, --force
    parser.add_argument('--no_table', action='store_true', help='train and measure only: the rows in <out>/rows/, no table')
    parser.add_argument('--report_only', action='store_true',
                        help='train nothing: table and plot from the <out>/rows/ of the selected runs that finished')
    parser.add_argument('--gpu_ids', default='-1')
    for name, default in zip(BUDGET, (64, 64, 16, 16, 10, 0, None)):
        parser.add_argument(f'--{name}', type=int, default=default)
    opt = parser.parse_args(argv)
    torch.set_num_threads(experiment.threads(opt))  # this process measures each run beside the ones training
    opt.device = parse_gpu_ids(opt.gpu_ids)[1]
    opt.dataroot = os.path.abspath(opt.dataroot)
    unknown = sorted(set(opt.modes) - set(MODES)) + sorted(set(opt.sources) - {'real', 'pseudo'})
    if unknown:
        raise UserError(f'--modes/--sources: unknown {unknown[0]!r} (modes: {", ".join(MODES)}; sources: real, pseudo)')
    size = unpaired_size(opt.dataroot)
    if opt.max_dataset_size is None:
        opt.max_dataset_size = size
    opt.print_freq = min(100, size, opt.max_dataset_size)  # at least one loss line, which pair_term_used reads
    for model in [m for m in opt.models if m not in available_models()]:
        print(f'skipping {model}: models/{model}_model.py is not in this checkout yet')
    opt.models = [m for m in opt.models if m in available_models()]
    os.makedirs(opt.out, exist_ok=True)
    planned = pairs_experiment(opt, experiment.select(experiments(opt), opt.only))
    if not opt.report_only:
        experiment.launch(planned, opt)
    if opt.no_table:
        return
    rows = [json.loads(f.read_text()) for f in (Path(planned.record(r.name)) for r in planned.runs) if f.exists()]
    if not rows:
        raise UserError(f'no finished run of the selection in {opt.out}/rows/')
    write_table(rows, opt.out)
    plot(rows, opt.out)
    print(f'table: {os.path.join(opt.out, "results.md")}, plot: {os.path.join(opt.out, "implicit_pairs.png")}')


if __name__ == '__main__':
    run_cli(main)
