"""The commands `pip install -e .` puts on the PATH (pyproject.toml): each runs one of the toolkit's
tools exactly as `python <tool>.py` from the checkout would, from any folder."""
import os
import runpy
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(tool):
    path = os.path.join(ROOT, tool)
    sys.argv[0] = path
    runpy.run_path(path, run_name='__main__')


def train():
    _run('train.py')


def test():
    _run('test.py')


def evaluate():
    _run(os.path.join('scripts', 'evaluate.py'))


def compare():
    _run(os.path.join('scripts', 'compare.py'))


def make_synthetic():
    _run(os.path.join('datasets', 'make_synthetic.py'))
