"""scripts/experiment.py: runs as data, each trained and tested in its own processes, skipped when
done, continued when stopped, redone with --force; the train/test commands are stand-ins here."""
import argparse
import json
import os
import sys

import pytest

from scripts import experiment
from scripts.experiment import Experiment, Run
from util.errors import UserError

RUNS = [Run('a', 'cycle_gan', ['--lambda_A', '5'], {'row': 1}), Run('b', 'crossnet'), Run('c', 'pix2pix')]
# Stands in for train.py then test.py: a checkpoint, then a page holding the thread count it was given.
FAKE = ("import os, sys; name, ck, res, fail = sys.argv[1:]\n"
        "assert fail != name, 'this run fails'\n"
        "os.makedirs(os.path.join(ck, name), exist_ok=True); open(os.path.join(ck, name, 'latest_net_G.pth'), 'w').close()\n"
        "page = os.path.join(res, name, 'test_latest'); os.makedirs(page, exist_ok=True)\n"
        "open(os.path.join(page, 'index.html'), 'w').write(os.environ['OMP_NUM_THREADS'])\n")


def options(*args):
    parser = argparse.ArgumentParser()
    experiment.add_arguments(parser)
    return parser.parse_args(list(args))


def planned(tmp_path, measured, runs=RUNS):
    def measure(run):
        measured.append(run.name)
        return {'name': run.name, 'row': run.info.get('row')}
    return Experiment(runs, ['--n_epochs', '1'], ['--ngf', '8'], str(tmp_path / 'ck'), str(tmp_path / 'res'),
                      str(tmp_path / 'logs'), lambda name: str(tmp_path / 'rows' / f'{name}.json'), measure)


@pytest.fixture
def fake_runs(monkeypatch):
    """Each run's commands become FAKE; returns the list of the run names set to fail."""
    failing = []
    monkeypatch.setattr(experiment, 'commands', lambda exp, run, force: [
        [sys.executable, '-c', FAKE, run.name, exp.checkpoints, exp.results, ','.join(failing) or '-']])
    return failing


def test_only_picks_runs_in_its_order_once_and_names_an_unknown_one():
    assert experiment.select(RUNS, None) == RUNS and experiment.select(RUNS, '') == RUNS
    assert [r.name for r in experiment.select(RUNS, 'c, a,c')] == ['c', 'a']
    with pytest.raises(UserError, match='--only: unknown run x, y; choose from a, b, c'):
        experiment.select(RUNS, 'a,x,y')


def test_commands_continue_a_stopped_run_or_start_over_with_force(tmp_path):
    exp = planned(tmp_path, [])
    train, test = experiment.commands(exp, RUNS[0], force=False)
    assert train[1].endswith('train.py') and test[1].endswith('test.py')
    where = ['--name', 'a', '--model', 'cycle_gan', '--checkpoints_dir', exp.checkpoints]
    assert train[2:] == where + ['--lambda_A', '5', '--n_epochs', '1', '--display_id', '0', '--continue_train', 'auto']
    assert test[2:] == where + ['--ngf', '8', '--results_dir', exp.results, '--num_test', experiment.WHOLE_TEST_SET]
    assert experiment.commands(exp, RUNS[0], force=True)[0][-1] == '--start_over'


def test_budget_passes_only_the_options_given():
    opt = argparse.Namespace(ngf=8, seed=None, dataroot='d')
    assert experiment.budget(opt, ('dataroot', 'seed', 'ngf')) == ['--dataroot', 'd', '--ngf', '8']


def test_runs_are_measured_once_then_skipped_and_redone_with_force(tmp_path, fake_runs, capsys):
    measured = []
    exp = planned(tmp_path, measured)
    experiment.launch(exp, options('--parallel', '2', '--threads', '3'))
    assert sorted(measured) == ['a', 'b', 'c']
    assert json.loads((tmp_path / 'rows' / 'a.json').read_text()) == {'name': 'a', 'row': 1}
    assert (tmp_path / 'res' / 'b' / 'test_latest' / 'index.html').read_text() == '3'  # the threads of each run
    assert (tmp_path / 'logs' / 'c.log').read_text().startswith('$ ')
    os.remove(tmp_path / 'res' / 'b' / 'test_latest' / 'index.html')  # b stopped before its test
    capsys.readouterr()
    experiment.launch(exp, options())
    assert measured[3:] == ['b'] and capsys.readouterr().out.count('(--force to redo)') == 2
    experiment.launch(exp, options('--force'))
    assert measured[4:] == ['a', 'b', 'c']


def test_a_failed_run_is_named_and_left_without_a_record(tmp_path, fake_runs):
    measured = []
    exp = planned(tmp_path, measured)
    experiment.launch(exp, options())
    fake_runs.append('b')
    with pytest.raises(UserError, match=r'run\(s\) b failed; see .*logs/<run>.log'):
        experiment.launch(exp, options('--force'))
    assert not (tmp_path / 'rows' / 'b.json').exists() and (tmp_path / 'rows' / 'c.json').exists()
    assert 'AssertionError: this run fails' in (tmp_path / 'logs' / 'b.log').read_text()


def test_parallel_and_threads_below_one_are_one_line_errors():
    for args in (('--parallel', '0'), ('--threads', '0')):
        with pytest.raises(UserError, match='--parallel and --threads must be at least 1'):
            experiment.threads(options(*args))
    assert experiment.threads(options('--parallel', '64')) == 1
