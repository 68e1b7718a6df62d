"""util/image_files.py: one way to list and read images, so training, testing and metrics see the
same pixels: every PIL mode converted to 8 bits or refused in one line, EXIF orientation applied,
folder walks that stay inside the data set, and the A|B split."""
import os
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

import train
from conftest import TINY, write_images
from data.image_folder import make_dataset
from metrics.image_source import ImageSource
from util.errors import UserError, run_cli
from util.image_files import image_size, join_ab, list_images, load_image, split_ab, stem


def pixels(path, channels=3):
    return np.asarray(load_image(str(path), channels))


# --- listing -------------------------------------------------------------------------------------

def test_listing_is_sorted_any_case_and_images_only(tmp_path):
    for name in ('b.PNG', 'a.jpg', 'c.Jpeg', 'notes.txt'):
        Image.new('RGB', (2, 2)).save(tmp_path / name, format='PNG' if name != 'notes.txt' else 'PPM')
    (tmp_path / 'sub').mkdir()
    Image.new('RGB', (2, 2)).save(tmp_path / 'sub' / 'd.png')
    assert list_images(str(tmp_path)) == ['a.jpg', 'b.PNG', 'c.Jpeg']
    assert list_images(str(tmp_path), recursive=True) == ['a.jpg', 'b.PNG', 'c.Jpeg', os.path.join('sub', 'd.png')]
    with pytest.raises(UserError, match='nope: folder not found'):
        list_images(str(tmp_path / 'nope'))


def test_a_symlink_loop_adds_nothing_and_walks_once(tmp_path, capsys):
    root = tmp_path / 'data'
    write_images(str(root / 'trainA'), 2)
    write_images(str(root / 'trainB'), 5)
    os.symlink('.', root / 'trainA' / 'loop')     # trainA/loop -> trainA
    os.symlink('..', root / 'trainA' / 'up')      # trainA/up -> data/, which holds trainB
    images = make_dataset(str(root / 'trainA'))
    assert [os.path.basename(p) for p in images] == ['0000.png', '0001.png']
    assert all(os.path.dirname(p) == str(root / 'trainA') for p in images)
    out = capsys.readouterr().out
    assert 'loop links to a folder already read' in out and 'up links out of' in out


def test_a_link_out_of_the_folder_is_not_walked(tmp_path, capsys):
    write_images(str(tmp_path / 'trainA'), 1)
    write_images(str(tmp_path / 'trainB'), 3)
    os.symlink(tmp_path / 'trainB', tmp_path / 'trainA' / 'other')
    assert list_images(str(tmp_path / 'trainA'), recursive=True) == ['0000.png']
    assert 'trainA/other links out of' in capsys.readouterr().out


def test_each_real_file_counts_once(tmp_path):
    folder = tmp_path / 'trainA'
    write_images(str(folder / 'real'), 2)
    os.symlink('real', folder / 'alias')                          # a second name for a folder inside
    os.symlink(folder / 'real' / '0000.png', folder / 'x.png')    # a second name for a file
    write_images(str(tmp_path / 'store'), 1, seed=5)
    os.symlink(tmp_path / 'store' / '0000.png', folder / 'linked.png')  # a file kept elsewhere: read
    os.symlink(tmp_path / 'missing.png', folder / 'broken.png')
    names = list_images(str(folder), recursive=True)
    reals = [os.path.realpath(folder / n) for n in names]
    assert len(set(reals)) == len(reals) == 3
    assert 'linked.png' in names and 'broken.png' not in names
    assert {os.path.realpath(folder / 'real' / f) for f in ('0000.png', '0001.png')} <= set(reals)


# --- modes ---------------------------------------------------------------------------------------

def test_rgb_and_grey_load_as_stored(tmp_path):
    rgb = write_images(str(tmp_path), 1, size=(6, 4))[0]
    stored = np.asarray(Image.open(rgb))
    assert np.array_equal(pixels(rgb), stored)
    assert np.array_equal(pixels(rgb, 1), np.asarray(Image.open(rgb).convert('L')))
    assert load_image(rgb).mode == 'RGB' and load_image(rgb, 1).mode == 'L'


def test_sixteen_bit_grey_is_scaled_not_clipped(tmp_path):
    ramp = np.linspace(0, 65535, 16, dtype=np.uint16).reshape(2, 8)
    Image.fromarray(ramp).save(tmp_path / 'deep.png')
    assert Image.open(tmp_path / 'deep.png').mode == 'I;16'
    expected = np.rint(ramp / 257).astype(np.uint8)
    assert np.array_equal(pixels(tmp_path / 'deep.png', 1), expected)
    assert np.array_equal(pixels(tmp_path / 'deep.png'), np.repeat(expected[..., None], 3, axis=2))
    Image.fromarray(ramp.astype(np.int32)).save(tmp_path / 'deep.tif')  # mode 'I'
    assert Image.open(tmp_path / 'deep.tif').mode == 'I'
    assert np.array_equal(pixels(tmp_path / 'deep.tif', 1), expected)


def test_integer_and_float_grey_out_of_range_is_refused(tmp_path):
    Image.fromarray(np.full((2, 2), 70000, np.int32)).save(tmp_path / 'wide.tif')
    with pytest.raises(UserError, match=r'wide.tif: PIL mode I image with values 70000\.\.70000, outside the 0\.\.65535'):
        load_image(str(tmp_path / 'wide.tif'))
    Image.fromarray(np.array([[0.0, 0.5], [1.0, 0.25]], np.float32)).save(tmp_path / 'unit.tif')
    assert Image.open(tmp_path / 'unit.tif').mode == 'F'
    assert pixels(tmp_path / 'unit.tif', 1).tolist() == [[0, 128], [255, 64]]
    Image.fromarray(np.array([[0.0, 200.0]], np.float32)).save(tmp_path / 'big.tif')
    with pytest.raises(UserError, match=r'big.tif: PIL mode F image with values 0\.\.200, outside the 0\.\.1'):
        load_image(str(tmp_path / 'big.tif'))


@pytest.mark.parametrize('mode, fmt', [('CMYK', 'TIFF'), ('YCbCr', 'TIFF'), ('LAB', 'TIFF'), ('1', 'PNG'),
                                       ('P', 'PNG')])
def test_colour_modes_convert_as_pil_converts_them(tmp_path, mode, fmt):
    rgb = Image.fromarray((np.random.default_rng(0).random((4, 6, 3)) * 255).astype(np.uint8))
    img = rgb.convert(mode) if mode != 'P' else rgb.quantize(8)
    path = tmp_path / f'x.{fmt.lower()}'
    img.save(path, format=fmt)
    assert Image.open(path).mode == mode
    expected = np.asarray(Image.open(path).convert('RGB'))
    assert np.array_equal(pixels(path), expected)
    assert np.array_equal(pixels(path, 1), np.asarray(Image.fromarray(expected).convert('L')))


def test_transparent_pixels_become_white_in_every_alpha_mode(tmp_path):
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[0, 0] = (10, 20, 30, 255)  # one opaque pixel keeps its colour
    Image.fromarray(rgba, 'RGBA').save(tmp_path / 'clear.png')
    Image.fromarray(rgba, 'RGBA').convert('LA').save(tmp_path / 'grey.png')
    Image.fromarray(rgba, 'RGBA').convert('PA').save(tmp_path / 'pa.tif')
    palette = Image.new('P', (4, 4), 0)
    palette.putpalette([10, 20, 30] + [0] * 765)
    palette.save(tmp_path / 'pal.png', transparency=0)
    for name in ('clear.png', 'grey.png', 'pa.tif'):
        assert Image.open(tmp_path / name).mode in ('RGBA', 'LA', 'PA')
        image = pixels(tmp_path / name)
        assert (image[1:] == 255).all() and (image[0, 0] < 200).all(), name
    assert (pixels(tmp_path / 'pal.png') == 255).all()
    assert load_image(str(tmp_path / 'clear.png'), channels=1).mode == 'L'


def test_metrics_see_the_pixels_training_sees(tmp_path):
    rgba = np.zeros((4, 4, 4), np.uint8)
    Image.fromarray(rgba, 'RGBA').save(tmp_path / 'clear.png')
    Image.fromarray(np.array([[1000, 65535]], np.uint16)).save(tmp_path / 'deep.png')
    source = ImageSource.from_folder(str(tmp_path))
    for i, path in enumerate(source.paths):
        assert np.array_equal(source.load(i), pixels(path))
    assert (source.load(0) == 255).all()  # transparent black is scored as the white it trains on


def test_a_mode_pil_cannot_convert_is_one_line(tmp_path, monkeypatch):
    Image.new('LAB', (2, 2)).save(tmp_path / 'lab.tif')
    convert = Image.Image.convert

    def without_lab(self, mode=None, *args, **kwargs):  # as a Pillow without LAB conversions
        if self.mode == 'LAB':
            raise ValueError('conversion from LAB to RGB not supported')
        return convert(self, mode, *args, **kwargs)
    monkeypatch.setattr(Image.Image, 'convert', without_lab)
    with pytest.raises(UserError, match=r'lab.tif: images of PIL mode LAB cannot be converted to RGB'):
        load_image(str(tmp_path / 'lab.tif'))


# --- orientation, unreadable files ---------------------------------------------------------------

def test_exif_orientation_is_applied(tmp_path):
    stored = (np.random.default_rng(1).random((2, 4, 3)) * 255).astype(np.uint8)  # 4 wide, 2 high
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    Image.fromarray(stored).save(tmp_path / 'turned.png', exif=exif)
    assert Image.open(tmp_path / 'turned.png').getexif()[0x0112] == 6
    assert np.array_equal(pixels(tmp_path / 'turned.png'), np.rot90(stored, k=-1))
    assert image_size(str(tmp_path / 'turned.png')) == (2, 4)
    block = np.zeros((16, 32, 3), np.uint8)
    block[:, :16] = 255  # left half white: after the turn, the top half
    Image.fromarray(block).save(tmp_path / 'photo.jpg', exif=exif, quality=95)
    photo = pixels(tmp_path / 'photo.jpg')
    assert photo.shape == (32, 16, 3)
    assert photo[:14].mean() > 240 and photo[18:].mean() < 15


def test_corrupt_image_names_the_file(tmp_path):
    bad = tmp_path / 'bad.png'
    bad.write_bytes(b'\x89PNG\r\n\x1a\n not really')
    with pytest.raises(UserError, match=r'cannot read image .*bad.png: '):
        load_image(str(bad))
    with pytest.raises(UserError, match=r'cannot read image .*bad.png: '):
        image_size(str(bad))


def bomb(path, side=20000):
    """A PNG whose header claims side x side pixels (over PIL's limit), a few bytes on disk."""
    Image.new('L', (1, 1)).save(path)
    data = bytearray(path.read_bytes())
    header = b'IHDR' + struct.pack('>II', side, side) + bytes(data[24:29])
    data[12:29] = header
    data[29:33] = struct.pack('>I', zlib.crc32(header))
    path.write_bytes(bytes(data))


def test_decompression_bomb_is_one_line(tmp_path, capsys):
    bomb(tmp_path / 'huge.png')
    with pytest.raises(UserError, match=r'cannot read image .*huge.png: too large to read safely .*MAX_IMAGE_PIXELS'):
        load_image(str(tmp_path / 'huge.png'))
    root = tmp_path / 'data'
    for sub in ('trainA', 'trainB'):
        write_images(str(root / sub), 2)
    bomb(root / 'trainA' / '0000.png')
    args = ['--dataroot', str(root), '--name', 'b', '--checkpoints_dir', str(tmp_path / 'ck'), '--model', 'cycle_gan', *TINY]
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        run_cli(lambda: train.main(args))
    lines = capsys.readouterr().err.strip().splitlines()
    assert stopped.value.code == 2
    assert len(lines) == 1 and lines[0].startswith('error: cannot read image ') and 'trainA/0000.png: too large' in lines[0]


# --- A|B pairs and names -------------------------------------------------------------------------

def test_split_ab_gives_the_halves_and_join_ab_undoes_it(tmp_path):
    left = Image.fromarray(np.full((4, 3, 3), 10, np.uint8))
    right = Image.fromarray(np.full((4, 3, 3), 200, np.uint8))
    pair = join_ab(left, right)
    assert pair.size == (6, 4)
    a, b = split_ab(pair, 'p.png')
    assert np.array_equal(np.asarray(a), np.asarray(left)) and np.array_equal(np.asarray(b), np.asarray(right))
    with pytest.raises(UserError, match=r'odd.png is 5x4: an A\|B image holds A and B side by side'):
        split_ab(Image.new('RGB', (5, 4)), 'odd.png')
    with pytest.raises(UserError, match=r'a and b: A is 3x4 but B is 2x4'):
        join_ab(left, Image.new('RGB', (2, 4)), where='a and b')


def test_stem():
    assert stem(os.path.join('a', 'b', 'img.v2.png')) == 'img.v2'
