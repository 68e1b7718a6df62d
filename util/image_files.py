"""Image files, the one way every reader in the toolkit lists and loads them, so training, testing
and FID see the same pixels: transparency is laid on white, EXIF orientation applied, 16-bit and
float images scaled to 8 bits (not clipped), and an unreadable file is a one-line UserError."""
import os
from contextlib import contextmanager

import numpy as np
from PIL import Image, ImageOps

from util.errors import UserError

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.tif', '.tiff', '.webp')

_ALPHA_MODES = ('RGBA', 'LA', 'PA', 'RGBa', 'La')
_DIRECT_MODES = ('RGB', 'L', '1', 'P')  # PIL converts these straight to RGB and to L
_ORIENTATION = 0x0112  # the EXIF tag; 1 means "as stored"
_SIXTEEN_BITS = 65535


def is_image_name(name):
    """True for a file name with an image suffix, in any case (x.JPG, x.Png)."""
    return name.lower().endswith(IMAGE_SUFFIXES)


def list_images(folder, recursive=False):
    """Sorted names (relative to `folder`: 'sub/x.png' when recursive) of its image files; a missing
    folder is a UserError, an empty one gives [] for the caller to judge. A linked file is read
    wherever it points (a folder of links builds a subset), but each real file counts once, under
    its first name. A linked folder is walked only if it lies inside `folder` and was not walked
    yet, so a link out of the data set or a loop adds nothing but a warning line."""
    if not os.path.isdir(folder):
        raise UserError(f'{folder}: folder not found')
    if recursive:
        names = _walk(folder)
    else:
        names = [n for n in os.listdir(folder) if is_image_name(n) and os.path.isfile(os.path.join(folder, n))]
    seen, unique = set(), []
    for name in sorted(names):
        real = os.path.realpath(os.path.join(folder, name))
        if real not in seen:
            seen.add(real)
            unique.append(name)
    return unique


def _walk(folder):
    """Image names under `folder`, following links to folders inside it, each folder once."""
    top = os.path.realpath(folder)
    visited = {top}
    names = []
    for root, dirs, files in os.walk(folder, followlinks=True):
        keep = []
        for d in sorted(dirs):
            real = os.path.realpath(os.path.join(root, d))
            if os.path.commonpath([top, real]) != top:
                print(f'warning: {os.path.join(root, d)} links out of {folder} (to {real}); not read')
            elif real in visited:
                if os.path.islink(os.path.join(root, d)):
                    print(f'warning: {os.path.join(root, d)} links to a folder already read ({real}); not read again')
            else:
                visited.add(real)
                keep.append(d)
        dirs[:] = keep
        rel = os.path.relpath(root, folder)
        names += [f if rel == '.' else os.path.join(rel, f) for f in files
                  if is_image_name(f) and os.path.isfile(os.path.join(root, f))]
    return names


def load_image(path, channels=3):
    """The image at `path` as a PIL image in mode 'RGB' (channels=3) or 'L' (channels=1)."""
    with _opened(path) as img:
        img.load()
    if img.getexif().get(_ORIENTATION, 1) != 1:
        img = ImageOps.exif_transpose(img)
    mode = 'L' if channels == 1 else 'RGB'
    try:
        return _convert(img, path, mode)
    except ValueError:  # PIL has no conversion from this mode
        raise UserError(f'{path}: images of PIL mode {img.mode} cannot be converted to {mode}; '
                        'save it as 8-bit RGB or grey') from None


def image_size(path):
    """(width, height) as load_image gives it (EXIF rotation included), from the header alone."""
    with _opened(path) as img:
        width, height = img.size
        turned = img.getexif().get(_ORIENTATION, 1) in (5, 6, 7, 8)
    return (height, width) if turned else (width, height)


@contextmanager
def _opened(path):
    """The image file, opened; a failure to read it within the block is a one-line UserError."""
    try:
        with Image.open(path) as img:
            yield img
    except Exception as exc:  # noqa: BLE001  PIL's decoders raise many kinds; every one means the same
        if isinstance(exc, Image.DecompressionBombError):
            raise UserError(f'cannot read image {path}: too large to read safely ({exc}); shrink the image, or '
                            'raise PIL.Image.MAX_IMAGE_PIXELS if you trust the file') from None
        why = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise UserError(f'cannot read image {path}: {why}') from None


def _convert(img, path, mode):
    """`img` in `mode`, transparency laid on white; other colour modes (CMYK, LAB...) pass through RGB."""
    if img.mode in _ALPHA_MODES or (img.mode == 'P' and 'transparency' in img.info):
        rgba = img.convert('RGBA')
        img = Image.new('RGBA', rgba.size, (255, 255, 255, 255))
        img.alpha_composite(rgba)
    elif img.mode.startswith('I') or img.mode == 'F':
        img = _scaled_grey(img, path)
    elif img.mode not in _DIRECT_MODES:
        img = img.convert('RGB')
    return img.convert(mode)


def _scaled_grey(img, path):
    """Integer grey ('I', 'I;16'...) as 16 bits, float grey ('F') as 0..1, scaled to 0..255;
    values outside that range are refused, not clipped."""
    pixels = np.asarray(img, dtype=np.float64)
    top = 1.0 if img.mode == 'F' else _SIXTEEN_BITS
    low, high = (float(pixels.min()), float(pixels.max())) if pixels.size else (0.0, 0.0)
    if not np.isfinite(pixels).all() or low < 0 or high > top:
        raise UserError(f'{path}: PIL mode {img.mode} image with values {low:g}..{high:g}, outside the '
                        f'0..{top:g} this mode is read in; save it as 8- or 16-bit grey or RGB')
    return Image.fromarray(np.rint(pixels * (255 / top)).astype(np.uint8), 'L')


def split_ab(img, path=''):
    """(A, B): the left and right halves of an A|B side-by-side image; an odd width means the file
    is not an A|B pair."""
    if img.width % 2:
        raise UserError(f'{path} is {img.width}x{img.height}: an A|B image holds A and B side by side (even width)')
    half = img.width // 2
    return img.crop((0, 0, half, img.height)), img.crop((half, 0, img.width, img.height))


def join_ab(img_a, img_b, where=''):
    """A|B: A on the left, B on the right, the layout of upstream's aligned data sets."""
    if img_a.size != img_b.size:
        raise UserError(f'{where}: A is {img_a.size[0]}x{img_a.size[1]} but B is '
                        f'{img_b.size[0]}x{img_b.size[1]}; A|B needs both the same size')
    pair = Image.new('RGB', (img_a.width * 2, img_a.height))
    pair.paste(img_a, (0, 0))
    pair.paste(img_b, (img_a.width, 0))
    return pair


def stem(path):
    """The file name without folder and suffix: what outputs of an input are named after."""
    return os.path.splitext(os.path.basename(path))[0]
