"""scripts/ablation.py: the Figure 5 runs as option sets, resumable, tabulated with FID/KID and losses."""
import csv
import math
import os
import subprocess
import sys

import pytest
from PIL import Image

from conftest import ROOT
from scripts import ablation, experiment
from util.errors import UserError

TINY_BUDGET = ['--load_size', '32', '--crop_size', '32', '--ngf', '4', '--ndf', '4', '--n_epochs', '1',
               '--n_epochs_decay', '0', '--gpu_ids', '-1', '--num_threads', '0', '--print_freq', '2']


def test_budget_is_shared_and_test_set_is_whole(unaligned_root, tmp_path):
    opt = ablation.parse_args(['--dataroot', unaligned_root, '--max_dataset_size', '7', '--ngf', '8',
                               '--results_dir', str(tmp_path)])
    planned = ablation.ablation(opt)
    assert planned.runs == ablation.RUNS
    for run in planned.runs:
        train, test = experiment.commands(planned, run, force=False)
        assert train[train.index('--ngf') + 1] == '8' and test[test.index('--ngf') + 1] == '8'
        assert train[train.index('--max_dataset_size') + 1] == '7' and '--max_dataset_size' not in test
        assert test[test.index('--model') + 1] == run.model
        assert test[test.index('--results_dir') + 1] == opt.out and test[-1] == experiment.WHOLE_TEST_SET
    assert planned.record('full') == os.path.join(opt.checkpoints, 'full', 'provenance.json')
    assert planned.measure(ablation.RUNS[0])['commit'] not in ('', 'unknown')


def test_only_runs_in_its_order_and_an_unknown_name_is_one_line_error(unaligned_root, tmp_path):
    args = ['--dataroot', unaligned_root, '--results_dir', str(tmp_path)]
    picked = ablation.ablation(ablation.parse_args(args + ['--only', 'cycle_gan,gan_id'])).runs
    assert [run.name for run in picked] == ['cycle_gan', 'gan_id']
    with pytest.raises(UserError, match='--only: unknown run nope; choose from gan_id, ctc'):
        ablation.ablation(ablation.parse_args(args + ['--only', 'gan_id,nope']))


def test_grid_has_rows_of_both_directions_an_input_column_and_one_column_per_run(unaligned_root, tmp_path):
    opt = ablation.parse_args(['--dataroot', unaligned_root, '--results_dir', str(tmp_path), '--grid_rows', '2'])
    runs = [ablation.RUNS[0], ablation.RUNS[-1]]
    for d, direction in enumerate(ablation.DIRECTIONS):
        images = os.path.join(opt.out, f'compare_{direction}', 'images')
        os.makedirs(images)
        for key in ('a', 'b', 'c', 'd'):
            Image.new('RGB', (64, 64), (9, 9, 9 + d)).save(os.path.join(images, f'{key}_input.png'))
            for k in (1, 2):
                Image.new('RGB', (16, 16), (100 * k, 50 * d, 0)).save(os.path.join(images, f'{key}_m{k}.png'))
    with Image.open(ablation.write_grid(opt, runs)) as grid:
        assert grid.size == (3 * 32, 14 + 4 * 32)  # cells at twice the translations' 16 px
        assert grid.getpixel((10, 30)) == (9, 9, 9) and grid.getpixel((40, 30)) == (100, 0, 0)
        assert grid.getpixel((70, 14 + 3 * 32 + 5)) == (200, 50, 0)  # last row: BtoA, second run


@pytest.mark.slow
def test_two_presets_end_to_end_then_resume(tmp_path, capsys):
    data = tmp_path / 'synthetic'
    subprocess.run([sys.executable, os.path.join(ROOT, 'datasets', 'make_synthetic.py'), '--out', str(data),
                    '--size', '32', '--num_train', '6', '--num_test', '3'], check=True, capture_output=True)
    args = ['--dataroot', str(data), '--only', 'full,gan_id', '--tag', 't', '--parallel', '2',
            '--checkpoints_dir', str(tmp_path / 'ck'), '--results_dir', str(tmp_path / 'res'), '--grid_rows', '2'] + TINY_BUDGET
    ablation.main(args)
    out = tmp_path / 'res' / 'ablation_t'
    table = (out / 'ablation.md').read_text()
    assert table.index('| gan_id | GAN+Id | AtoB |') < table.index('| full | all three (CrossNet) | BtoA |')
    assert '(grid.png)' in table
    with Image.open(out / 'grid.png') as grid:  # 2 inputs of each direction at 2x of 32 px, input + 2 runs
        assert grid.size == (3 * 64, 14 + 2 * 2 * 64)
    assert (out / 'gan_id' / 'test_latest' / 'index.html').is_file()
    assert (out / 'compare_AtoB' / 'index.html').is_file() and (out / 'compare_BtoA' / 'index.html').is_file()
    with open(out / 'ablation.csv') as f:
        rows = {(row['run'], row['direction']): row for row in csv.DictReader(f)}
    assert set(rows) == {(run, d) for run in ('gan_id', 'full') for d in ('AtoB', 'BtoA')}
    for row in rows.values():
        assert int(row['n_fake']) == 3 and int(row['iterations']) > 0 and float(row['wall_s']) >= 0
        assert all(math.isfinite(float(row[k])) for k in ('fid', 'kid', 'fid_at_size', 'kid_at_size', 'loss_GAN'))
        assert 0 <= float(row['domain_score']) <= 1 and 0 <= float(row['domain_input']) <= 1
        assert row['commit'] and row['commit'] != 'unknown'
    assert rows['full', 'AtoB']['loss_ZCyc'] and not rows['gan_id', 'AtoB']['loss_ZCyc']  # the preset removed the term
    capsys.readouterr()
    ablation.main(args)
    assert capsys.readouterr().out.count('trained, tested and measured (--force to redo)') == 2
