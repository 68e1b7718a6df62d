"""scripts/evaluate.py: results-folder detection, outputs, and one-line errors for bad input."""
import csv
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from util.errors import UserError

SCRIPT = os.path.join(os.path.dirname(__file__), '..', 'scripts', 'evaluate.py')
_spec = importlib.util.spec_from_file_location('evaluate', SCRIPT)
evaluate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(evaluate)


def save(path, value, size=16):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((size, size, 3), value, dtype=np.uint8)).save(path)


@pytest.fixture
def results(tmp_path):
    """A results/<name>/test_latest folder as test.py writes it for an aligned data set."""
    images = tmp_path / 'test_latest' / 'images'
    for name, offset in (('img_1', 0), ('img_2', 30)):
        save(images / f'{name}_real_A.png', 0)
        save(images / f'{name}_fake_B.png', 100 + offset)
        save(images / f'{name}_real_B.png', 110)
        save(images / f'{name}_rec_A.png', 5)
    return tmp_path / 'test_latest'


def test_visual_suffixes_are_detected(results):
    assert evaluate.visual_suffixes(str(results / 'images')) == {'real_A', 'fake_B', 'real_B', 'rec_A'}


def test_results_folder_gives_fake_b_against_real_b_with_outputs(results, capsys):
    evaluate.main(['--results', str(results), '--metrics', 'l1,psnr,ssim', '--no_progress'])
    table = capsys.readouterr().out
    assert 'fake_B vs real_B' in table and 'psnr' in table
    (row,) = json.loads((results / 'metrics.json').read_text())
    assert row['n_fake'] == 2 and row['scores']['l1'] == pytest.approx(15 / 255)
    assert row['per_image']['img_1']['l1'] == pytest.approx(10 / 255)
    with open(results / 'metrics.csv') as f:
        assert next(csv.reader(f)) == ['comparison', 'fake', 'real', 'n_fake', 'n_real', 'l1', 'psnr', 'ssim']
    with open(results / 'metrics_per_image.csv') as f:
        assert [line[1] for line in csv.reader(f)] == ['image', 'img_1', 'img_2']


def test_results_with_real_folder_matches_by_image_name(results, tmp_path):
    save(tmp_path / 'gt' / 'img_1.png', 100)
    save(tmp_path / 'gt' / 'img_2.png', 100)
    evaluate.main(['--results', str(results), '--real', str(tmp_path / 'gt'), '--metrics', 'l1',
                   '--out', str(tmp_path / 'out' / 'm'), '--no_progress'])
    (row,) = json.loads((tmp_path / 'out' / 'm.json').read_text())
    assert row['name'] == 'fake_B vs gt' and row['scores']['l1'] == pytest.approx(15 / 255)


def test_identical_images_write_null_psnr_to_json(tmp_path):
    save(tmp_path / 'fake' / 'a.png', 7)
    save(tmp_path / 'real' / 'a.png', 7)
    evaluate.main(['--fake', str(tmp_path / 'fake'), '--real', str(tmp_path / 'real'), '--metrics', 'psnr',
                   '--out', str(tmp_path / 'm')])
    assert json.loads((tmp_path / 'm.json').read_text())[0]['scores'] == {'psnr': None}


@pytest.mark.parametrize('problem, message', [
    ('missing', 'folder not found'),
    ('empty', 'no images'),
    ('unreadable', 'cannot read image'),
    ('no_pairs', 'pass --real'),
])
def test_bad_input_is_a_user_error(tmp_path, problem, message):
    folder = tmp_path / 'results'
    if problem != 'missing':
        folder.mkdir()
    if problem == 'unreadable':
        (folder / 'x_fake_B.png').write_bytes(b'not a png')
        save(folder / 'x_real_B.png', 0)
    if problem == 'no_pairs':
        save(folder / 'x_fake_B.png', 0)
    with pytest.raises(UserError, match=message):
        evaluate.main(['--results', str(folder), '--metrics', 'l1', '--out', str(tmp_path / 'm')])


def test_command_line_error_is_one_line_and_non_zero(tmp_path):
    done = subprocess.run([sys.executable, SCRIPT, '--fake', str(tmp_path / 'nope'), '--real', str(tmp_path)],
                          capture_output=True, text=True)
    assert done.returncode != 0
    assert done.stderr.strip() == f'error: {tmp_path / "nope"}: folder not found'


def test_cuda_on_a_machine_without_it_is_a_user_error(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    save(tmp_path / 'a' / 'x.png', 0)
    with pytest.raises(UserError, match='CUDA is not available'):
        evaluate.main(['--fake', str(tmp_path / 'a'), '--real', str(tmp_path / 'a'), '--device', 'cuda',
                       '--no_cache', '--out', str(tmp_path / 'm')])


def test_a_shorter_retest_is_measured_alone(unaligned_root, tmp_path):
    from test_train import run_test, run_train
    run_train(unaligned_root, tmp_path)
    for count in ('3', '2'):
        results = run_test(unaligned_root, tmp_path, '--model', 'cycle_gan', '--num_test', count)
    folder = results / 'test_latest'
    evaluate.main(['--results', str(folder), '--metrics', 'l1', '--no_progress'])
    rows = json.loads((folder / 'metrics.json').read_text())
    assert {row['n_fake'] for row in rows} == {2}
    assert sorted(os.listdir(folder / 'images'))[:2] == ['0000_fake_A.png', '0000_fake_B.png']
    assert not any(f.startswith('0002') for f in os.listdir(folder / 'images'))
