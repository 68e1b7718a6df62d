"""The commands `pip install -e .` puts on the PATH (pyproject.toml): each runs one of the toolkit's
tools exactly as `python <tool>.py` from the checkout would, from any folder."""
import os
import runpy
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _tool(path):
    """The command that runs the tool at `path` (relative to the checkout) as `python <path>`."""
    def run():
        sys.argv[0] = os.path.join(ROOT, path)
        runpy.run_path(sys.argv[0], run_name='__main__')
    return run


train = _tool('train.py')
test = _tool('test.py')
evaluate = _tool(os.path.join('scripts', 'evaluate.py'))
compare = _tool(os.path.join('scripts', 'compare.py'))
make_synthetic = _tool(os.path.join('datasets', 'make_synthetic.py'))
