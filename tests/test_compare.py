"""scripts/compare.py on two tiny trained models: the page (rows and columns), the table, the
files, one-line errors, and (slow) FID / KID with the real baseline."""
import json
import math
import os
import re
import shutil

import numpy as np
import pytest
from PIL import Image

import train
from scripts import compare
from tests.conftest import TINY, load_tool
from util.errors import UserError

MODELS = {'tiny_cyclegan': 'cycle_gan', 'tiny_crossnet': 'crossnet'}


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """Synthetic data (3 test images, testA/testB of the same names) and two models trained on it."""
    root = tmp_path_factory.mktemp('compare')
    data = str(root / 'synthetic')
    load_tool('make_synthetic').make_synthetic(data, size=32, num_train=6, num_test=3)
    checkpoints = str(root / 'checkpoints')
    for name, model in MODELS.items():
        train.main(TINY + ['--dataroot', data, '--name', name, '--model', model, '--checkpoints_dir', checkpoints])
    return {'data': data, 'checkpoints': checkpoints, 'results': str(root / 'results')}


def run(trained, *extra, names='tiny_cyclegan,tiny_crossnet'):
    compare.main(['--names', names, '--dataroot', trained['data'], '--checkpoints_dir', trained['checkpoints'],
                  '--results_dir', trained['results'], '--gpu_ids', '-1', '--no_progress', *extra])


def image_rows(page):
    """The src of every image, per table row of images."""
    rows = re.findall(r'<tr>(.*?)</tr>', page, flags=re.S)
    return [re.findall(r'<img [^>]*src="([^"]+)"', row) for row in rows if '<img ' in row]


def metric_rows(page):
    return [re.findall(r'<td>([^<]*)</td>', row) for row in re.findall(r'<tr>(.*?)</tr>', page, flags=re.S)
            if '<img ' not in row and '<td>' in row]


def test_page_rows_columns_and_table(trained, capsys):
    before = {name: sorted(os.listdir(os.path.join(trained['checkpoints'], name))) for name in MODELS}
    run(trained, '--metrics', 'l1,psnr,ssim', '--include_real_baseline', '--tag', 'paired')
    out_dir = os.path.join(trained['results'], 'compare_paired')
    with open(os.path.join(out_dir, 'index.html')) as f:
        page = f.read()
    rows = image_rows(page)
    assert len(rows) == 3  # one per test image
    for key, row in zip(['0000', '0001', '0002'], rows):
        assert row == [f'images/{key}_input.png', f'images/{key}_truth.png', f'images/{key}_m1.png', f'images/{key}_m2.png']
        for src in row:
            assert Image.open(os.path.join(out_dir, src)).size == (32, 32)
    table = metric_rows(page)
    assert [row[0] for row in table] == ['real (no translation)', 'tiny_cyclegan', 'tiny_crossnet']
    for row in table:
        assert row[1] == '3 vs 3'
        assert all(math.isfinite(float(cell)) for cell in row[2:5])
    # the two models differ, so their columns do
    first = [np.asarray(Image.open(os.path.join(out_dir, src))) for src in rows[0][2:]]
    assert not np.array_equal(*first)
    with open(os.path.join(out_dir, 'metrics.json')) as f:
        saved = json.load(f)
    assert [r['name'] for r in saved] == [row[0] for row in table]
    assert all(set(r['scores']) == {'l1', 'psnr', 'ssim'} for r in saved)
    assert len(saved[1]['per_image']) == 3
    assert os.path.exists(os.path.join(out_dir, 'metrics.csv'))
    printed = capsys.readouterr().out
    assert 'tiny_crossnet' in printed and 'evaluation took' in printed
    # evaluating writes nothing into the experiments' folders
    assert before == {name: sorted(os.listdir(os.path.join(trained['checkpoints'], name))) for name in MODELS}


def test_other_direction_translates_b_images(trained):
    run(trained, '--metrics', 'l1', '--direction', 'BtoA', '--tag', 'btoa', names='tiny_cyclegan')
    out_dir = os.path.join(trained['results'], 'compare_btoa', 'images')
    shown = np.asarray(Image.open(os.path.join(out_dir, '0001_input.png')))
    assert np.array_equal(shown, np.asarray(Image.open(os.path.join(trained['data'], 'testB', '0001.png')).convert('RGB')))
    truth = np.asarray(Image.open(os.path.join(out_dir, '0001_truth.png')))  # the ground-truth column
    assert np.array_equal(truth, np.asarray(Image.open(os.path.join(trained['data'], 'testA', '0001.png')).convert('RGB')))


def test_names_escaped_and_model_given_explicitly(trained, tmp_path):
    """name:model pairs; a name with HTML characters reaches the page escaped."""
    odd = '<b>&odd'
    os.symlink(os.path.join(trained['checkpoints'], 'tiny_cyclegan'), os.path.join(trained['checkpoints'], odd))
    try:
        run(trained, '--metrics', 'l1', '--tag', 'odd', names=f'{odd}:cycle_gan')
    finally:
        os.remove(os.path.join(trained['checkpoints'], odd))
    with open(os.path.join(trained['results'], 'compare_odd', 'index.html')) as f:
        page = f.read()
    assert '&lt;b&gt;&amp;odd' in page and '<b>&odd' not in page


@pytest.mark.parametrize('names, message', [
    ('tiny_cyclegan,missing', 'no experiment missing'),
    ('tiny_crossnet:pix2pix', 'latest_net_G.pth not found'),
])
def test_one_line_errors(trained, names, message):
    with pytest.raises(UserError, match=message):
        run(trained, '--metrics', 'l1', names=names)


def test_run_folder_without_saved_options(trained):
    os.makedirs(os.path.join(trained['checkpoints'], 'bare'), exist_ok=True)
    with pytest.raises(UserError, match=r'bare/train_opt.json not found \(train.py writes it\): give the model as bare:<model>'):
        run(trained, '--metrics', 'l1', names='bare')


def test_missing_checkpoint(trained):
    with pytest.raises(UserError, match=r'7_net_G_A.pth not found; available --epoch values: 1, latest'):
        run(trained, '--metrics', 'l1', '--epoch', '7', names='tiny_cyclegan')


@pytest.mark.slow
def test_fid_kid_with_real_baseline(trained, tmp_path):
    run(trained, '--metrics', 'fid,kid,l1', '--include_real_baseline', '--tag', 'fid', '--cache_dir', str(tmp_path))
    with open(os.path.join(trained['results'], 'compare_fid', 'metrics.json')) as f:
        saved = json.load(f)
    assert [r['name'] for r in saved] == ['real (no translation)', *MODELS]
    for row in saved:
        assert all(math.isfinite(row['scores'][k]) for k in ('fid', 'kid', 'l1'))
        assert 'kid_std' not in row['scores'], 'both sets whole in every subset: no spread to report'
        assert row['scores']['fid'] > 0
    assert os.listdir(tmp_path)  # the target set's features were cached


@pytest.mark.slow
def test_domain_score_and_at_size_columns(trained, tmp_path, capsys):
    run(trained, '--metrics', 'fid,kid,domain', '--at_size', '--include_real_baseline', '--tag', 'domain',
        '--cache_dir', str(tmp_path))
    with open(os.path.join(trained['results'], 'compare_domain', 'metrics.json')) as f:
        saved = json.load(f)
    assert [r['name'] for r in saved] == ['real (no translation)', *MODELS]
    for row in saved:
        scores = row['scores']
        assert 0 <= scores['domain'] <= 1 and 0 <= scores['domain_real'] <= 1
        assert math.isfinite(scores['fid_at_size']) and math.isfinite(scores['kid_at_size'])
    # the synthetic test images are stored at the models' size, so the two references agree
    assert saved[1]['scores']['fid_at_size'] == pytest.approx(saved[1]['scores']['fid'], rel=1e-4)
    # the probe judges the real targets and the untranslated inputs on the same scale: they differ
    assert saved[0]['scores']['domain'] < saved[0]['scores']['domain_real']
    header = capsys.readouterr().out
    assert 'DOMAIN' in header and 'FID_AT_SIZE' in header


def test_no_ground_truth_column_without_ground_truth(trained, tmp_path):
    data = tmp_path / 'unpaired'
    shutil.copytree(trained['data'], data)
    for path in (data / 'testB').iterdir():
        path.rename(path.with_name('other_' + path.name))
    compare.main(['--names', 'tiny_cyclegan', '--dataroot', str(data), '--checkpoints_dir', trained['checkpoints'],
                  '--results_dir', str(tmp_path), '--gpu_ids', '-1', '--no_progress', '--metrics', 'l1', '--tag', 'u'])
    rows = image_rows((tmp_path / 'compare_u' / 'index.html').read_text())
    assert rows[0] == ['images/0000_input.png', 'images/0000_m1.png']
