"""End-to-end: train.py and test.py in-process on tiny data, checking the files a user relies on."""
import os
import re

import pytest
import torch
from PIL import Image

import test as test_script
import train
from conftest import TINY, fill_disk, make_read_only, shared_dataset, slice_of
from training import train_state
from util import html
from util.errors import UserError, run_cli
from util.visualizer import Visualizer


def run_train(root, tmp_path, *args, name='run'):
    train.main(['--dataroot', root, '--name', name, '--checkpoints_dir', str(tmp_path / 'ck'), *TINY, *args])
    return tmp_path / 'ck' / name


def run_test(root, tmp_path, *args, name='run'):
    test_script.main(['--dataroot', root, '--name', name, '--checkpoints_dir', str(tmp_path / 'ck'),
                      '--results_dir', str(tmp_path / 'results'), '--gpu_ids', '-1', '--ngf', '4', '--ndf', '4',
                      '--load_size', '32', '--crop_size', '32', *args])
    return tmp_path / 'results' / name


def assert_images(folder, count):
    files = sorted(os.listdir(folder))
    assert len(files) == count, files
    for f in files:
        with Image.open(os.path.join(folder, f)) as im:
            im.verify()


def test_cycle_gan_train_and_test(unaligned_root, tmp_path):
    ck = run_train(unaligned_root, tmp_path, '--n_epochs_decay', '1', '--save_epoch_freq', '5', '--print_freq', '1')
    files = set(os.listdir(ck))
    nets = ('G_A', 'G_B', 'D_A', 'D_B')
    assert {f'latest_net_{n}.pth' for n in nets} | {f'2_net_{n}.pth' for n in nets} <= files, 'final epoch saved'
    assert not any(f.startswith('1_net') for f in files)
    assert 'D_A:' in (ck / 'loss_log.txt').read_text()
    html = (ck / 'web' / 'index.html').read_text()
    assert 'epoch [2]' in html and 'epoch [1]' in html
    results = run_test(unaligned_root, tmp_path, '--model', 'cycle_gan')
    assert_images(results / 'test_latest' / 'images', 3 * 6)
    assert '0000_fake_B.png' in (results / 'test_latest' / 'index.html').read_text()
    single = run_test(os.path.join(unaligned_root, 'testA'), tmp_path, '--model', 'test', '--model_suffix', '_A',
                      '--no_dropout', '--epoch', '2')
    assert_images(single / 'test_2' / 'images', 3 * 2)


def test_pix2pix_and_template_on_aligned(aligned_root, tmp_path):
    run_train(aligned_root, tmp_path, '--model', 'pix2pix', '--netG', 'resnet_6blocks', name='p2p')
    results = run_test(aligned_root, tmp_path, '--model', 'pix2pix', '--netG', 'resnet_6blocks', name='p2p')
    assert_images(results / 'test_latest' / 'images', 3 * 3)
    ck = run_train(aligned_root, tmp_path, '--model', 'template', '--netG', 'resnet_6blocks', name='tmpl')
    assert (ck / 'latest_net_G.pth').exists()


def test_seed_makes_a_cpu_run_repeatable(unaligned_root, tmp_path):
    weights = []
    for name in ('a', 'b'):
        ck = run_train(unaligned_root, tmp_path, '--seed', '5', name=name)
        weights.append(torch.load(ck / 'latest_net_G_A.pth'))
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])


def test_continue_train_reads_the_epoch(unaligned_root, tmp_path, capsys):
    ck = run_train(unaligned_root, tmp_path, '--n_epochs', '1', '--n_epochs_decay', '1')
    capsys.readouterr()
    run_train(unaligned_root, tmp_path, '--n_epochs', '1', '--n_epochs_decay', '3', '--continue_train')
    out = capsys.readouterr().out
    assert 'End of epoch 3 / 4' in out and 'End of epoch 1 / 4' not in out
    assert 'learning rate 0.0001000 -> 0.0000500' in out  # epoch 3 of linear decay over 3 epochs
    assert torch.load(ck / 'latest_train_state.pth')['epoch'] == 4


def test_single_channel_images_end_to_end(unaligned_root, tmp_path):
    run_train(unaligned_root, tmp_path, '--input_nc', '1', '--output_nc', '1')
    results = run_test(unaligned_root, tmp_path, '--model', 'cycle_gan', '--input_nc', '1', '--output_nc', '1')
    with Image.open(results / 'test_latest' / 'images' / '0000_fake_B.png') as im:
        assert im.size == (32, 32)


def test_non_square_images_with_preprocess_none(unaligned_root, tmp_path):
    run_train(unaligned_root, tmp_path, '--preprocess', 'none')
    results = run_test(unaligned_root, tmp_path, '--model', 'cycle_gan', '--preprocess', 'none')
    with Image.open(results / 'test_latest' / 'images' / '0000_fake_B.png') as im:
        assert im.size == (36, 40)


def test_nan_loss_stops_without_overwriting(monkeypatch):
    class Exploded:
        def get_current_losses(self):
            return {'G_A': 1.0, 'D_A': float('nan')}
    with pytest.raises(UserError, match='loss D_A is nan at epoch 3'):
        train.finite_losses(Exploded(), 'epoch 3, iteration 10')


def test_frequencies_fire_for_any_batch_size():
    fired = [n for n in range(3, 30, 3) if train.crossed(10, n - 3, n)]
    assert fired == [12, 21]


@pytest.mark.slow
def test_readme_smoke_on_real_slices(tmp_path):
    """The issue's must-show commands, on 8 real images each (64 px, ngf 16)."""
    h2z = slice_of(shared_dataset('horse2zebra'), ['trainA', 'trainB', 'testA', 'testB'], str(tmp_path / 'h2z'), 8)
    size = ['--load_size', '64', '--crop_size', '64', '--ngf', '16', '--ndf', '16', '--max_dataset_size', '8']
    run_train(h2z, tmp_path, *size, name='h2z')
    results = run_test(h2z, tmp_path, '--model', 'cycle_gan', *size, name='h2z')
    assert_images(results / 'test_latest' / 'images', 8 * 6)
    facades = slice_of(shared_dataset('facades'), ['train', 'test'], str(tmp_path / 'facades'), 4)
    p2p = ['--model', 'pix2pix', '--netG', 'unet_128', '--load_size', '128', '--crop_size', '128', '--ngf', '8', '--ndf', '8']
    run_train(facades, tmp_path, *p2p, name='facades')
    results = run_test(facades, tmp_path, *p2p, name='facades')
    assert_images(results / 'test_latest' / 'images', 4 * 3)


def folder_snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob('*')) if p.is_file()}


@pytest.mark.parametrize('args', [['--model', 'crossnet', '--continue_train'],  # nets of another model
                                  ['--continue_train', '--epoch', '7'],  # no such checkpoint
                                  ['--eval_freq', '1', '--eval_num_test', '1']])  # refused option
def test_a_failed_command_leaves_the_experiment_folder_as_it_was(unaligned_root, tmp_path, args):
    ck = run_train(unaligned_root, tmp_path)
    before = folder_snapshot(ck)
    assert 'model: cycle_gan' in (ck / 'train_opt.txt').read_text()
    with pytest.raises(UserError):
        run_train(unaligned_root, tmp_path, *args)
    assert folder_snapshot(ck) == before


def test_test_images_of_one_base_name_keep_one_result_each(unaligned_root, tmp_path):
    run_train(unaligned_root, tmp_path)
    single = tmp_path / 'single'
    for i, rel in enumerate(['s1/img.png', 's2/img.png', 'c.png', 'c.jpg']):
        (single / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.open(os.path.join(unaligned_root, 'testA', f'{i % 3:04d}.png')).save(single / rel)
    results = run_test(str(single), tmp_path, '--model', 'test', '--model_suffix', '_A', '--no_dropout')
    files = sorted(os.listdir(results / 'test_latest' / 'images'))
    assert [f for f in files if f.endswith('_fake.png')] == ['c_2_fake.png', 'c_fake.png', 'img_2_fake.png', 'img_fake.png']
    page = (results / 'test_latest' / 'index.html').read_text()
    assert all(f'{n}_fake.png' in page for n in ('c', 'c_2', 'img', 'img_2'))


def files_of(folder):
    """{relative path: bytes} of every file under `folder`."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob('*')) if p.is_file()}


def one_error_line(capsys, call):
    """Run `call` as the entry scripts do; return its one stderr line after exit code 2."""
    with pytest.raises(SystemExit) as exit_:
        run_cli(call)
    assert exit_.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith('error: '), err
    return err[0]


@pytest.mark.parametrize('fault', ['full', 'read-only', 'full at the page'])
def test_a_checkpoint_disk_that_fails_keeps_the_last_checkpoint(unaligned_root, small_disk, monkeypatch, capsys,
                                                                fault):
    """A real full or read-only file system under --checkpoints_dir at the save of epoch 2 (or when
    its page is written), then at the next start: one line naming the file and the cause, and
    epoch 1's files as they were."""
    args = ['--dataroot', unaligned_root, '--name', 'run', '--checkpoints_dir', str(small_disk), *TINY]
    train.main(args)
    folder = small_disk / 'run'
    before = {name: data for name, data in files_of(folder).items() if name.endswith('.pth')}
    assert 'latest_train_state.pth' in before and '1_net_G_A.pth' in before
    break_disk = make_read_only if fault == 'read-only' else fill_disk
    owner, method = (Visualizer, 'display_current_results') if fault == 'full at the page' else (train_state, 'save')
    write = getattr(owner, method)

    def write_on_a_broken_disk(*a, **k):
        break_disk(small_disk)
        write(*a, **k)
    monkeypatch.setattr(owner, method, write_on_a_broken_disk)
    cause = {'full': 'No space left on device|torch could not write the file .* is it full',
             'read-only': 'Read-only file system', 'full at the page': 'No space left on device'}[fault]
    what = r'web/images/epoch002_\w+\.png' if fault == 'full at the page' else r'latest_net_G_A\.pth'
    kept = '' if fault == 'full at the page' else '; the previous file is intact'
    line = one_error_line(capsys, lambda: train.main([*args, '--continue_train', '--n_epochs', '2']))
    assert re.fullmatch(f'error: cannot write {folder}/{what}: ({cause}){kept}', line), line
    monkeypatch.undo()
    after = files_of(folder)
    assert {name: after[name] for name in before} == before, 'the checkpoint of epoch 1, byte for byte'
    assert not [name for name in after if os.path.basename(name).startswith('.')], 'no temporary file left'
    line = one_error_line(capsys, lambda: train.main([*args, '--continue_train', '--n_epochs', '2']))
    cause = 'Read-only file system' if fault == 'read-only' else 'No space left on device'
    assert line == f'error: cannot write {folder}/train_opt.txt: {cause}; the previous file is intact'


@pytest.mark.parametrize('fault', ['full at the images', 'full at the page', 'read-only'])
def test_a_results_disk_that_fails_keeps_the_previous_results(unaligned_root, tmp_path, small_disk, monkeypatch,
                                                              capsys, fault):
    run_train(unaligned_root, tmp_path)
    test_args = ['--model', 'cycle_gan', '--results_dir', str(small_disk)]
    run_test(unaligned_root, tmp_path, *test_args, '--num_test', '2')
    results = small_disk / 'run'
    before = files_of(results)
    assert 'test_latest/index.html' in before
    if fault == 'full at the images':
        fill_disk(small_disk)
        cause = rf'cannot write {results}/\.test_latest\.partial/images/0000_real_A\.png: No space left on device'
    elif fault == 'full at the page':
        page_save = html.HTML.save

        def save_on_a_full_disk(page):
            fill_disk(small_disk)
            page_save(page)
        monkeypatch.setattr(html.HTML, 'save', save_on_a_full_disk)
        cause = rf'cannot write {results}/\.test_latest\.partial/index\.html: No space left on device; nothing was written'
    else:
        make_read_only(small_disk)
        cause = f'cannot write into {results}: Read-only file system'
    line = one_error_line(capsys, lambda: run_test(unaligned_root, tmp_path, *test_args))
    assert re.fullmatch(f'error: {cause}', line), line
    assert files_of(results) == before, 'the previous results, whole'
    assert sorted(os.listdir(results)) == ['test_latest'], 'no hidden staging folder left'


def test_an_output_folder_that_is_a_file_is_one_line(unaligned_root, tmp_path, capsys):
    afile = tmp_path / 'afile'
    afile.write_text('a file where a folder should be')
    line = one_error_line(capsys, lambda: train.main(['--dataroot', unaligned_root, '--name', 'run',
                                                      '--checkpoints_dir', str(afile), *TINY]))
    assert line == f'error: cannot create folder {afile}/run: Not a directory'
    run_train(unaligned_root, tmp_path)
    line = one_error_line(capsys, lambda: run_test(unaligned_root, tmp_path, '--model', 'cycle_gan',
                                                   '--results_dir', str(afile)))
    assert line == f'error: cannot write into {afile}/run: Not a directory'
    assert afile.read_text() == 'a file where a folder should be'
