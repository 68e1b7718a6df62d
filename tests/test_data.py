import os

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import write_images
from data import create_dataset
from data.image_folder import make_dataset
from options.train_options import TrainOptions
from util.errors import UserError


def make_opt(root, tmp_path, *args):
    return TrainOptions().parse(['--dataroot', root, '--checkpoints_dir', str(tmp_path / 'ck'), '--gpu_ids', '-1',
                                 '--num_threads', '0', *args])


def first(dataset):
    return next(iter(create_dataset(dataset)))


def test_unaligned_batch(unaligned_root, tmp_path):
    opt = make_opt(unaligned_root, tmp_path, '--load_size', '40', '--crop_size', '32', '--batch_size', '2')
    batch = first(opt)
    assert batch['A'].shape == batch['B'].shape == (2, 3, 32, 32)
    assert -1 <= batch['A'].min() and batch['A'].max() <= 1
    assert all('trainA' in p for p in batch['A_paths']) and all('trainB' in p for p in batch['B_paths'])


def test_unaligned_serial_pairs_by_index(unaligned_root, tmp_path):
    opt = make_opt(unaligned_root, tmp_path, '--serial_batches', '--load_size', '32', '--crop_size', '32')
    names = [(os.path.basename(b['A_paths'][0]), os.path.basename(b['B_paths'][0])) for b in create_dataset(opt)]
    assert names == [('0000.png', '0000.png'), ('0001.png', '0001.png'), ('0002.png', '0002.png')]


def test_max_dataset_size_caps_an_epoch(unaligned_root, tmp_path):
    opt = make_opt(unaligned_root, tmp_path, '--max_dataset_size', '2', '--load_size', '32', '--crop_size', '32')
    dataset = create_dataset(opt)
    assert len(dataset) == 2 and len(list(dataset)) == 2


def test_aligned_splits_and_direction(tmp_path):
    folder = tmp_path / 'ab' / 'train'
    folder.mkdir(parents=True)
    pixels = np.zeros((32, 64, 3), np.uint8)
    pixels[:, 32:] = 255
    Image.fromarray(pixels).save(folder / 'x.png')
    for direction, left in (('AtoB', -1.0), ('BtoA', 1.0)):
        opt = make_opt(str(tmp_path / 'ab'), tmp_path, '--dataset_mode', 'aligned', '--direction', direction,
                       '--model', 'pix2pix', '--netG', 'resnet_6blocks', '--load_size', '32', '--crop_size', '32')
        batch = first(opt)
        assert batch['A'].shape == (1, 3, 32, 32) and batch['A'].mean() == pytest.approx(-1.0)
        assert batch['B'].mean() == pytest.approx(1.0)
        model_input = batch['A' if direction == 'AtoB' else 'B']
        assert model_input.mean() == pytest.approx(left)


def test_aligned_rejects_odd_width(tmp_path):
    write_images(str(tmp_path / 'ab' / 'train'), 1, size=(33, 32))
    opt = make_opt(str(tmp_path / 'ab'), tmp_path, '--dataset_mode', 'aligned', '--load_size', '32', '--crop_size', '32')
    with pytest.raises(UserError, match='side by side'):
        first(opt)


@pytest.mark.parametrize('preprocess, size, expected', [
    ('resize_and_crop', (36, 40), (32, 32)),
    ('crop', (36, 40), (32, 32)),
    ('scale_width', (36, 40), (44, 40)),
    ('scale_width_and_crop', (36, 40), (32, 32)),
    ('none', (36, 40), (40, 36)),
    ('none', (38, 42), (40, 40)),
])
def test_preprocess_sizes(tmp_path, preprocess, size, expected):
    root = tmp_path / 'd'
    for sub in ('trainA', 'trainB'):
        write_images(str(root / sub), 1, size=size)
    load = '40' if preprocess.startswith('scale_width') else '36'
    opt = make_opt(str(root), tmp_path, '--preprocess', preprocess, '--load_size', load, '--crop_size', '32')
    assert tuple(first(opt)['A'].shape[-2:]) == expected


def test_grayscale_channels(unaligned_root, tmp_path):
    opt = make_opt(unaligned_root, tmp_path, '--input_nc', '1', '--load_size', '32', '--crop_size', '32')
    batch = first(opt)
    assert batch['A'].shape[1] == 1 and batch['B'].shape[1] == 3


def test_channels_the_loader_cannot_give_are_refused_at_start(unaligned_root, tmp_path):
    opt = make_opt(unaligned_root, tmp_path, '--load_size', '32', '--crop_size', '32', '--input_nc', '4')
    with pytest.raises(UserError, match=r'--input_nc 4: the data set gives 3-channel images .*trainA'):
        create_dataset(opt)
    opt = make_opt(unaligned_root, tmp_path, '--load_size', '32', '--crop_size', '32', '--output_nc', '2',
                   '--direction', 'BtoA')
    with pytest.raises(UserError, match=r'--output_nc 2: .*trainA'):
        create_dataset(opt)


def test_mixed_sizes_without_resizing_in_batches_are_refused_at_start(tmp_path):
    for sub, sizes in (('trainA', [(32, 32), (33, 31), (40, 32)]), ('trainB', [(32, 32)])):
        for i, size in enumerate(sizes):
            write_images(str(tmp_path / 'mixed' / sub), 1, size=size, seed=i)
            os.rename(tmp_path / 'mixed' / sub / '0000.png', tmp_path / 'mixed' / sub / f'{i}.png')
    root = str(tmp_path / 'mixed')
    with pytest.raises(UserError, match=r'--preprocess none with --batch_size 2: .*0.png is 32x32 but .*2.png is 40x32'):
        create_dataset(make_opt(root, tmp_path, '--preprocess', 'none', '--batch_size', '2'))
    create_dataset(make_opt(root, tmp_path, '--preprocess', 'none'))  # one at a time: fine


def test_corrupt_image_in_a_worker_reaches_the_user(unaligned_root, tmp_path):
    with open(os.path.join(unaligned_root, 'trainA', '0001.png'), 'wb') as f:
        f.write(b'garbage')
    opt = make_opt(unaligned_root, tmp_path, '--load_size', '32', '--crop_size', '32', '--serial_batches', '--num_threads', '1')
    dataset = create_dataset(opt)
    assert dataset.dataloader.num_workers == 1, 'given on the command line, so used as given'
    with pytest.raises(UserError, match='0001.png'):
        list(dataset)


def test_missing_and_empty_folders(tmp_path):
    with pytest.raises(UserError, match='is not a folder'):
        make_dataset(str(tmp_path / 'nope'))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(UserError, match='holds no images'):
        make_dataset(str(tmp_path / 'empty'))


def test_seeded_loading_repeats(unaligned_root, tmp_path):
    def draw():
        opt = make_opt(unaligned_root, tmp_path, '--seed', '3', '--load_size', '40', '--crop_size', '32')
        return torch.cat([b['A'] for b in create_dataset(opt)])
    assert torch.equal(draw(), draw())
