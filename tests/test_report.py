"""The HTML pages a user opens from the file system: the training report (curves, metrics,
options, checkpoint links, visuals per epoch) and the test page, with awkward file names,
checked in headless Chromium that every image loads."""
import html.parser
import os
import re
import shutil
from types import SimpleNamespace
from urllib.parse import unquote

import numpy as np
import pytest

from conftest import TINY
from docs.tools import browser
from util.report import TrainingReport
from util.run_record import RunRecord

AWKWARD = 'a b#c&d<e'  # space, '#', '&' and '<': each breaks a page that does not escape or quote


class _Links(html.parser.HTMLParser):
    """Collects img src and a href values as the browser will see them (entities decoded)."""

    def __init__(self):
        super().__init__()
        self.srcs, self.hrefs = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'img':
            self.srcs.append(attrs['src'])
        if tag == 'a':
            self.hrefs.append(attrs['href'])


def links_of(page):
    parser = _Links()
    parser.feed(page.read_text())
    return parser


def assert_page_sound(page):
    """No self-refresh, and every image and link names a file that exists."""
    text = page.read_text()
    assert 'http-equiv="refresh"' not in text
    links = links_of(page)
    assert links.srcs
    for ref in links.srcs + links.hrefs:
        assert '#' not in ref and ' ' not in ref and '<' not in ref, ref
        assert (page.parent / unquote(ref)).is_file(), ref
    return links


def assert_images_load(page):
    total, broken = browser.image_check(page)
    assert total == len(links_of(page).srcs) and not broken, (total, broken)


def fake_report(tmp_path, name):
    opt = SimpleNamespace(name=name, checkpoints_dir=str(tmp_path), phase='train',
                          display_winsize=64, display_ncols=2)
    run_dir = tmp_path / name
    run_dir.mkdir()
    (run_dir / 'train_opt.txt').write_text('--- options ---\n  lambda_A: 10.0 <default>\n')
    for label in ['latest', '1', '2', 'best']:
        (run_dir / f'{label}_net_G_A.pth').write_bytes(b'x')
    (run_dir / 'latest_train_state.pth').write_bytes(b'x')
    (run_dir / 'loss_log.txt').write_text('log\n')
    return TrainingReport(opt), run_dir


def test_report_holds_curves_metrics_options_and_links(tmp_path):
    report, run_dir = fake_report(tmp_path, f'run {AWKWARD}')
    rng = np.random.default_rng(0)
    for epoch in (1, 2):
        report.save_visuals(epoch, {label: (rng.random((16, 16, 3)) * 255).astype(np.uint8)
                                    for label in ['real_A', 'fake_B', 'rec_A']})
    record = RunRecord(run_dir)
    for iters, (g, d) in zip([5, 10, 15], [(1.0, 2.0), (0.8, 1.5), (0.6, 1.1)]):
        record.losses(iters // 10 + 1, iters, iters % 10, iters / 10, {'G_A': g, 'D_A': d}, {'G': 2e-4}, 0.1, 0.0)
        if iters % 10 == 0:
            record.metric(iters // 10, iters, 'FID', 91.25)
    record.metric(2, 15, 'FID', 77.5)
    report.write(2)
    page = run_dir / 'web' / 'index.html'
    text = page.read_text()
    links = assert_page_sound(page)
    assert 'images/curves.png' in links.srcs
    assert (run_dir / 'web' / 'images' / 'curves.png').stat().st_size > 5000
    assert '<td>91.25</td>' in text and '<td>77.5</td>' in text
    assert 'lambda_A: 10.0 &lt;default&gt;' in text  # the options, escaped
    assert f'run {AWKWARD}'.replace('&', '&amp;').replace('<', '&lt;') in text
    hrefs = [h for h in links.hrefs if h.endswith('.pth')]
    assert hrefs[:2] == ['../latest_net_G_A.pth', '../latest_train_state.pth']
    assert hrefs[2:] == ['../best_net_G_A.pth', '../2_net_G_A.pth', '../1_net_G_A.pth']
    assert text.index('epoch [2]') < text.index('epoch [1]')
    assert len(re.findall(r'<tr>\s*<td halign', text)) == 2 * 2 + 1  # 3 visuals in rows of 2, + curves


def test_report_images_load_in_chromium(tmp_path, chromium):
    report, run_dir = fake_report(tmp_path, AWKWARD)
    report.save_visuals(1, {f'x {AWKWARD}': np.zeros((8, 8, 3), np.uint8)})
    RunRecord(run_dir).losses(1, 1, 1, 0.5, {'G': 1.0}, {}, 0.1, 0.0)
    report.write(1)
    assert_images_load(run_dir / 'web' / 'index.html')


@pytest.mark.slow
def test_train_and_test_pages_with_awkward_names(tmp_path, unaligned_root, chromium):
    """A real run named with awkward characters, tested on an awkwardly named image."""
    import test
    import train
    first = sorted(os.listdir(os.path.join(unaligned_root, 'testA')))[0]
    shutil.move(os.path.join(unaligned_root, 'testA', first), os.path.join(unaligned_root, 'testA', f'{AWKWARD}.png'))
    name = f'run {AWKWARD}'
    common = ['--dataroot', unaligned_root, '--name', name, '--checkpoints_dir', str(tmp_path / 'ck'),
              '--gpu_ids', '-1', '--crop_size', '32', '--ngf', '4', '--ndf', '4', '--netG', 'resnet_6blocks']
    train.main([*TINY, *common, '--max_dataset_size', '2', '--print_freq', '1', '--no_progress'])
    report = tmp_path / 'ck' / name / 'web' / 'index.html'
    links = assert_page_sound(report)
    assert '../latest_net_G_A.pth' in links.hrefs and 'images/curves.png' in links.srcs
    assert '<pre>' in report.read_text() and 'n_epochs_decay' in report.read_text()

    test.main([*common, '--model', 'cycle_gan', '--results_dir', str(tmp_path / 'res'), '--num_test', '3'])
    page = tmp_path / 'res' / name / 'test_latest' / 'index.html'
    text = page.read_text()
    assert '<h3>a b#c&amp;d&lt;e</h3>' in text
    links = assert_page_sound(page)
    assert f'images/{AWKWARD}_fake_B.png' in [unquote(s) for s in links.srcs]
    assert '<p>fake_B</p>' in text  # a caption under each image
    assert_images_load(page)
    assert_images_load(report)
