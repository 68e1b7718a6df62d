"""scripts/implicit_pairs_experiment.py: the grid as data, and a 2-entry run end to end on a tiny
synthetic set (train, test, metrics, table, plot)."""
import csv
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


experiment = load(ROOT / 'scripts' / 'implicit_pairs_experiment.py')
runner = experiment.experiment


class Opt:
    dataroot = '/data/u'
    models = ['cycle_gan', 'crossnet']
    ratios = [0, 0.05, 0.2]
    modes = ['implicit', 'explicit']
    sources = ['real', 'pseudo']
    pseudo_op = 'edges'
    pseudo_direction = 'BtoA'
    lambda_pair = 5.0
    lambda_pair_gan = 2.0
    seed = 0
    baseline_seeds = []


class Repeated(Opt):
    models = ['cycle_gan']
    seed = 3
    baseline_seeds = [1, 2]


def test_grid_has_one_baseline_per_model_and_every_combination():
    runs = experiment.experiments(Opt)
    names = [r.name for r in runs]
    assert len(runs) == 2 * (1 + 2 * 2 * 2) and len(set(names)) == len(names)
    assert [r.name for r in runs if r.info['ratio'] == 0] == ['cycle_gan_baseline', 'crossnet_baseline']
    pseudo_explicit = next(r for r in runs if r.name == 'crossnet_r0.05_explicit_pseudo')
    assert pseudo_explicit.model == 'crossnet'
    assert pseudo_explicit.options == ['--seed', '0', '--implicit_pairs', '/data/u', '--implicit_pairs_ratio', '0.05',
                                       '--pseudo_pairs', 'edges', '--pseudo_direction', 'BtoA',
                                       '--explicit_pairs', '--lambda_pair', '5.0']
    assert next(r for r in runs if r.name == 'cycle_gan_baseline').options == ['--seed', '0']


def test_baseline_seeds_repeat_only_the_baseline_with_their_seed():
    runs = experiment.experiments(Repeated)
    assert [(r.name, r.options) for r in runs if r.info['ratio'] == 0] == [
        ('cycle_gan_baseline', ['--seed', '3']), ('cycle_gan_baseline_seed1', ['--seed', '1']),
        ('cycle_gan_baseline_seed2', ['--seed', '2'])]
    assert {r.info['seed'] for r in runs if r.info['ratio'] > 0} == {3}


def test_runs_share_the_budget_and_record_their_row_in_rows(tmp_path):
    class Budget(Opt):
        out, gpu_ids, load_size, crop_size, ngf, ndf = str(tmp_path), '-1', 48, 32, 8, 8
        n_epochs, n_epochs_decay, max_dataset_size, print_freq = 2, 0, 20, 10
    planned = experiment.pairs_experiment(Budget, experiment.experiments(Budget)[:2])
    train, test = runner.commands(planned, planned.runs[1], force=False)
    assert train[train.index('--max_dataset_size') + 1] == '20' and train[train.index('--print_freq') + 1] == '10'
    assert train[train.index('--implicit_pairs_ratio') + 1] == '0.05' and '--no_html' in train
    assert test[test.index('--load_size') + 1] == '32' and test[test.index('--crop_size') + 1] == '32'
    assert test[test.index('--results_dir') + 1] == str(tmp_path / 'results')
    assert planned.record('a') == str(tmp_path / 'rows' / 'a.json') and planned.logs == str(tmp_path / 'logs')


def test_adversarial_modes_use_the_same_pairs():
    """explicit_adv: the pair discriminator alone (no L1); explicit_full: the --pair_supervision full preset."""
    class Adv(Opt):
        modes = ['explicit', 'explicit_adv', 'explicit_full']
        sources = ['real']
    runs = {r.info['mode']: r.options for r in experiment.experiments(Adv) if r.model == 'crossnet' and r.info['ratio'] == 0.2}
    same_pairs = ['--seed', '0', '--implicit_pairs', '/data/u', '--implicit_pairs_ratio', '0.2']
    assert runs == {'explicit': same_pairs + ['--explicit_pairs', '--lambda_pair', '5.0'],
                    'explicit_adv': same_pairs + ['--explicit_pairs', '--lambda_pair', '0', '--lambda_pair_gan', '2.0'],
                    'explicit_full': same_pairs + ['--pair_supervision', 'full']}


@pytest.mark.slow
def test_two_entry_grid_end_to_end(tmp_path, capsys):
    synthetic = load(ROOT / 'datasets' / 'make_synthetic.py')
    unpaired = load(ROOT / 'datasets' / 'make_unpaired.py')
    aligned = synthetic.make_synthetic(str(tmp_path / 'aligned'), size=32, num_train=10, num_test=3, aligned=True)
    unpaired.make_unpaired(aligned, str(tmp_path / 'unpaired'))
    out = tmp_path / 'exp'
    args = ['--dataroot', str(tmp_path / 'unpaired'), '--out', str(out), '--models', 'cycle_gan,no_such_model',
            '--ratios', '0,0.4', '--modes', 'implicit,explicit_adv', '--sources', 'real', '--load_size', '32',
            '--crop_size', '32', '--ngf', '4', '--ndf', '4', '--n_epochs', '1', '--parallel', '2']
    experiment.main(args)
    assert 'skipping no_such_model: models/no_such_model_model.py is not in this checkout yet' in capsys.readouterr().out
    assert (out / 'logs' / 'cycle_gan_baseline.log').read_text().count('$ ') == 2  # train.py, test.py
    rows = list(csv.DictReader(open(out / 'results.csv')))
    assert [(r['name'], r['K'], r['note']) for r in rows] == [
        ('cycle_gan_baseline', '0', ''), ('cycle_gan_r0.4_implicit_real', '2', ''), ('cycle_gan_r0.4_explicit_adv_real', '2', '')]
    for row in rows:
        assert 0 < float(row['L1']) < 1 and 0 < float(row['PSNR']) < 60 and -1 <= float(row['SSIM']) <= 1
        assert float(row['FID']) > 0 and row['KID'] != ''
    assert (out / 'results.md').read_text().count('| cycle_gan_') == 3
    assert (out / 'implicit_pairs.png').stat().st_size > 1000
    assert len(list((out / 'results' / 'cycle_gan_baseline' / 'test_latest' / 'images').glob('*_fake_B.png'))) == 3
    experiment.main(args)  # done: nothing trained again, the same table
    assert capsys.readouterr().out.count('trained, tested and measured (--force to redo)') == 3
    assert list(csv.DictReader(open(out / 'results.csv'))) == rows


def test_report_only_tables_and_plots_the_finished_rows(tmp_path):
    for sub in ('trainA', 'trainB', 'testA', 'testB', 'pairsA', 'pairsB'):
        (tmp_path / 'u' / sub).mkdir(parents=True)
    rows = tmp_path / 'exp' / 'rows'
    rows.mkdir(parents=True)
    for name, seed, ratio, l1 in (('cycle_gan_baseline', 0, 0.0, 0.30), ('cycle_gan_baseline_seed1', 1, 0.0, 0.32),
                                  ('cycle_gan_r0.2_implicit_real', 0, 0.2, 0.25)):
        row = dict(name=name, model='cycle_gan', seed=seed, ratio=ratio, K=int(ratio * 200), mode='implicit' if ratio else '-',
                   source='real' if ratio else '-', L1=l1, PSNR=12.0, SSIM=0.2, FID=200.0, KID=0.1, note='')
        (rows / f'{name}.json').write_text(experiment.json.dumps(row))
    experiment.main(['--dataroot', str(tmp_path / 'u'), '--out', str(tmp_path / 'exp'), '--models', 'cycle_gan',
                     '--ratios', '0,0.1,0.2', '--modes', 'implicit', '--sources', 'real', '--baseline_seeds', '1',
                     '--report_only'])
    table = [r['name'] for r in csv.DictReader(open(tmp_path / 'exp' / 'results.csv'))]
    assert table == ['cycle_gan_baseline', 'cycle_gan_r0.2_implicit_real', 'cycle_gan_baseline_seed1']
    assert (tmp_path / 'exp' / 'implicit_pairs.png').stat().st_size > 1000
    with pytest.raises(experiment.UserError, match='no finished run of the selection'):
        experiment.main(['--dataroot', str(tmp_path / 'u'), '--out', str(tmp_path / 'exp'), '--models', 'crossnet',
                         '--report_only'])
    experiment.main(['--dataroot', str(tmp_path / 'u'), '--out', str(tmp_path / 'exp'), '--models', 'cycle_gan',
                     '--ratios', '0.2', '--modes', 'implicit', '--sources', 'real', '--report_only',
                     '--only', 'cycle_gan_r0.2_implicit_real'])  # no baseline in the selection: plotted alone
    assert [r['name'] for r in csv.DictReader(open(tmp_path / 'exp' / 'results.csv'))] == ['cycle_gan_r0.2_implicit_real']
