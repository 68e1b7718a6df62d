"""pip install -e . (pyproject.toml): from any folder, the toolkit imports from the checkout and the
crossnet-* commands run its tools, with no sys.path set by hand."""
import os
import site
import subprocess
import sys
import sysconfig

import pytest

from conftest import ROOT


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """A fresh virtual environment that sees this one's packages and holds the editable toolkit."""
    env = tmp_path_factory.mktemp('venv')
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(env)], check=True)
    python = env / 'bin' / 'python'
    purelib = subprocess.run([str(python), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                             check=True, capture_output=True, text=True).stdout.strip()
    ours = [p for p in site.getsitepackages() + [sysconfig.get_paths()['purelib']] if os.path.isdir(p)]
    with open(os.path.join(purelib, 'outer.pth'), 'w') as f:
        f.write('\n'.join(dict.fromkeys(ours)) + '\n')
    subprocess.run([str(python), '-m', 'pip', 'install', '-q', '--no-deps', '--no-build-isolation', '-e', ROOT],
                   check=True, cwd=str(env), capture_output=True)
    return env


def test_modules_import_from_anywhere_without_sys_path(installed, tmp_path):
    code = ('import models, util.run_record, data, options.train_options, metrics, train; '
            'print(models.__file__); print(train.__file__)')
    out = subprocess.run([str(installed / 'bin' / 'python'), '-c', code], cwd=str(tmp_path), check=True,
                         capture_output=True, text=True, env={**os.environ, 'PYTHONPATH': ''}).stdout.split()
    assert out == [os.path.join(ROOT, 'models', '__init__.py'), os.path.join(ROOT, 'train.py')]


def test_commands_run_the_tools(installed, tmp_path):
    env = {**os.environ, 'PYTHONPATH': ''}
    train = subprocess.run([str(installed / 'bin' / 'crossnet-train'), '--help'], cwd=str(tmp_path),
                           capture_output=True, text=True, env=env)
    assert train.returncode == 0 and '--use_tensorboard' in train.stdout
    test = subprocess.run([str(installed / 'bin' / 'crossnet-test'), '--dataroot', 'absent'], cwd=str(tmp_path),
                          capture_output=True, text=True, env=env)
    assert test.returncode == 2 and test.stderr.splitlines()[-1] == 'error: absent is not a folder (check --dataroot and --phase)'
    made = subprocess.run([str(installed / 'bin' / 'crossnet-make-synthetic'), '--help'], cwd=str(tmp_path),
                          capture_output=True, text=True, env=env)
    assert made.returncode == 0 and '--out' in made.stdout


@pytest.mark.parametrize('tool', ['scripts/compare.py', 'scripts/evaluate.py', 'scripts/visualize_latent.py',
                                  'datasets/make_unpaired.py'])
def test_tools_run_by_path_import_the_installed_toolkit(installed, tmp_path, tool):
    """`python scripts/x.py` from another folder: the tool's own folder is on sys.path, the packages come
    from the editable install, none from a path the tool sets."""
    run = subprocess.run([str(installed / 'bin' / 'python'), os.path.join(ROOT, tool), '--help'], cwd=str(tmp_path),
                         capture_output=True, text=True, env={**os.environ, 'PYTHONPATH': ''})
    assert run.returncode == 0 and '--help' in run.stdout, run.stderr
