"""The floors of the toolkit (README, "Layout"): every product module imports only its own floor and
the ones below it, so no arrow runs back up (util knows no model, data knows no model, nothing but a
script knows scripts)."""
import ast
import glob
import os

from conftest import ROOT

# folder: the first-party packages its modules may import
MAY_IMPORT = {
    'util': {'util'},
    'training': {'util', 'training'},
    'data': {'util', 'training', 'data'},
    'models': {'util', 'training', 'data', 'models'},
    'metrics': {'util', 'training', 'data', 'models', 'metrics'},
    'options': {'util', 'training', 'data', 'models', 'metrics', 'options'},
}
ENTRIES = {'util', 'training', 'data', 'models', 'metrics', 'options', 'train'}  # train.py, test.py, datasets/*.py
FIRST_PARTY = set(MAY_IMPORT) | {'scripts', 'train'}


def imported(path, package):
    """The first-party top-level names that the module at `path` imports, anywhere in it."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split('.')[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(package if node.level else node.module.split('.')[0])
    return names & FIRST_PARTY


def back_arrows():
    found = []
    for folder, allowed in MAY_IMPORT.items():
        for path in glob.glob(os.path.join(ROOT, folder, '*.py')):
            found += [(path, name) for name in imported(path, folder) - allowed]
    for path in [os.path.join(ROOT, 'train.py'), os.path.join(ROOT, 'test.py')] + glob.glob(os.path.join(ROOT, 'datasets', '*.py')):
        found += [(path, name) for name in imported(path, None) - ENTRIES]
    return [f'{os.path.relpath(path, ROOT)} imports {name}' for path, name in sorted(found)]


def test_no_module_imports_a_floor_above_its_own():
    assert back_arrows() == []


def test_the_check_sees_imports_inside_functions(tmp_path):
    module = tmp_path / 'm.py'
    module.write_text('import os\n\ndef f():\n    from models import networks\n    from . import html\n')
    assert imported(str(module), 'util') == {'models', 'util'}
