"""The installer's table stays in step with the files visdom's own build step would download,
so a visdom upgrade that adds an asset fails here instead of at a user's first offline start."""
import ast

import pytest

from scripts import install_visdom_assets as installer


def build_step_files():
    """static/-relative names visdom/server/build.py downloads, read from its source."""
    static_dir, _ = installer.visdom_static_dir()
    tree = ast.parse((static_dir.parent / 'server' / 'build.py').read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            target = node.targets[0].id
            if target == 'ext_files':
                for value in node.value.values:
                    name = value.value
                    sub = ('js' if name.endswith(('.js', '.js.map'))
                           else 'css' if name.endswith('.css') else 'fonts')
                    names.add(f'{sub}/{name}')
            elif target == 'mathjax_path':
                names |= {f'js/mathjax/2.7.5/{elt.value.split("?")[0]}' for elt in node.value.elts}
    return names


def test_table_covers_build_step():
    pytest.importorskip('visdom')
    wanted = build_step_files()
    assert len(wanted) > 20
    ours = {rel for pairs in installer.ASSETS.values() for _, rel in pairs}
    assert wanted <= ours, sorted(wanted - ours)


def test_check_lists_everything_in_an_empty_folder(tmp_path):
    missing = installer.missing_files(tmp_path, '0.2.4')
    assert len(missing) == sum(map(len, installer.ASSETS.values())) + 1
    assert missing[-1] == 'version.built'
