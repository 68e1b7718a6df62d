"""notebooks/quickstart.ipynb runs top to bottom in a headless kernel, offline, and shows its
pictures (the data, the loss curves, the translations) inline."""
import os

import pytest

from conftest import ROOT

nbformat = pytest.importorskip('nbformat')
nbclient = pytest.importorskip('nbclient')


@pytest.mark.slow
def test_quickstart_notebook_runs_and_shows_its_figures(tmp_path, monkeypatch):
    monkeypatch.setenv('QUICKSTART_DIR', str(tmp_path / 'work'))
    monkeypatch.setenv('QUICKSTART_IMAGES', '6')
    monkeypatch.setenv('QUICKSTART_EPOCHS', '2')
    monkeypatch.setenv('PYTHONPATH', ROOT)  # the kernel is a new process; an editable install needs no such line
    notebook = nbformat.read(os.path.join(ROOT, 'notebooks', 'quickstart.ipynb'), as_version=4)
    nbclient.NotebookClient(notebook, timeout=900, kernel_name='python3',
                            resources={'metadata': {'path': str(tmp_path)}}).execute()
    outputs = [out for cell in notebook.cells if cell.cell_type == 'code' for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == 'error']
    figures = [out for out in outputs if 'image/png' in out.get('data', {})]
    assert len(figures) == 3  # the data, the loss curves, the translations
    printed = ''.join(out.get('text', '') for out in outputs if out.output_type == 'stream')
    assert 'real (no translation)' in printed and 'nb_crossnet' in printed and 'PSNR' in printed
    assert (tmp_path / 'work' / 'checkpoints' / 'nb_crossnet' / 'run_record.jsonl').is_file()
