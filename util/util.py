"""Small helpers: tensor <-> image, folders, atomic writes, seeding."""
import os
import random
import shutil
from contextlib import contextmanager

import numpy as np
import torch
from PIL import Image

from util.errors import UserError


def tensor2im(input_image, imtype=np.uint8):
    """First image of a [-1, 1] batch tensor -> HxWx3 uint8 array (grey is repeated to 3 channels)."""
    if isinstance(input_image, np.ndarray):
        return input_image.astype(imtype)
    image_tensor = input_image.data if isinstance(input_image, torch.Tensor) else input_image
    image_numpy = image_tensor[0].detach().float().cpu().numpy()
    if image_numpy.shape[0] == 1:
        image_numpy = np.tile(image_numpy, (3, 1, 1))
    image_numpy = (np.transpose(image_numpy, (1, 2, 0)) + 1) / 2.0 * 255.0
    return np.clip(np.rint(image_numpy), 0, 255).astype(imtype)


def save_image(image_numpy, image_path, aspect_ratio=1.0):
    """Save an HxWxC uint8 array, stretching one side when aspect_ratio != 1 (as upstream)."""
    image_pil = Image.fromarray(image_numpy)
    h, w = image_numpy.shape[:2]
    if aspect_ratio > 1.0:
        image_pil = image_pil.resize((w, int(h * aspect_ratio)), Image.BICUBIC)
    if aspect_ratio < 1.0:
        image_pil = image_pil.resize((int(w / aspect_ratio), h), Image.BICUBIC)
    image_pil.save(image_path)


def diagnose_network(net, name='network'):
    """Print the mean absolute gradient of a network (debugging aid)."""
    grads = [p.grad.abs().mean().item() for p in net.parameters() if p.grad is not None]
    print(name)
    print(sum(grads) / len(grads) if grads else 0.0)


def print_numpy(x, val=True, shp=False):
    """Print shape and/or mean, min, max, median, std of an array."""
    x = x.astype(np.float64)
    if shp:
        print('shape,', x.shape)
    if val:
        x = x.flatten()
        print(f'mean = {np.mean(x):3.3f}, min = {np.min(x):3.3f}, max = {np.max(x):3.3f}, '
              f'median = {np.median(x):3.3f}, std={np.std(x):3.3f}')


def mkdirs(paths):
    """Create one folder or a list of folders (parents included)."""
    for path in [paths] if isinstance(paths, str) else paths:
        mkdir(path)


def mkdir(path):
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:  # a file of that name, a read-only parent, ...
        raise UserError(f'cannot create folder {path}: {exc.strerror or exc}') from None


def unique_name(name, is_taken):
    """`name`, or the first of `name_2`, `name_3`, ... that is not taken: files of one base name
    (a/img.jpg and b/img.jpg, or c.jpg and c.png) keep one output each, in the order they come."""
    candidate, n = name, 1
    while is_taken(candidate):
        n += 1
        candidate = f'{name}_{n}'
    return candidate


@contextmanager
def staged_folder(path):
    """Build a folder that replaces `path` whole: the caller writes into the folder yielded (hidden,
    beside `path`), which takes the place of `path` only when the block ends without an error. So
    `path` holds the files of one complete run, never a mix with an older one, and a failed run
    leaves the old `path` as it was. Leftovers of a killed run are removed on the next start."""
    parent, base = os.path.split(os.path.abspath(path))
    stage, old = os.path.join(parent, f'.{base}.partial'), os.path.join(parent, f'.{base}.old')
    if os.path.isdir(old) and not os.path.exists(path):  # killed between the two renames below
        os.rename(old, path)
    shutil.rmtree(stage, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    try:
        os.makedirs(stage)
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if os.path.exists(path):
        os.rename(path, old)
    os.rename(stage, path)
    shutil.rmtree(old, ignore_errors=True)


TEMPORARY = '.{}.tmp'  # beside its file; one name per file, so a kill leaves at most one


def remove_temporaries(folder):
    """Delete the temporary files that writes killed in `folder` left (only this naming)."""
    if os.path.isdir(folder):
        for name in os.listdir(folder):
            if name.startswith('.') and name.endswith('.tmp') and os.path.isfile(os.path.join(folder, name)):
                os.remove(os.path.join(folder, name))


def atomic_write(path, write):
    """Call write(f) on a temporary file in the same folder, fsync it and rename it into place, so
    a kill in the middle of saving leaves the previous file intact (and at most one temporary file,
    removed by the next write of `path` or by remove_temporaries). The file gets the usual mode
    (0666 less the umask), as open() would give it. A full disk or a folder that cannot be written
    is a one-line error."""
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, TEMPORARY.format(os.path.basename(path)))
    try:
        if os.path.exists(tmp):  # left by a killed write
            os.remove(tmp)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
        with os.fdopen(fd, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.remove(tmp)
        kept = 'the previous file is intact' if os.path.exists(path) else 'nothing was written'
        if isinstance(exc, OSError):
            raise UserError(f'cannot write {path}: {exc.strerror or exc}; {kept}') from None
        if isinstance(exc, RuntimeError) and ('PytorchStreamWriter' in str(exc) or 'inline_container' in str(exc)):
            free = shutil.disk_usage(folder).free
            raise UserError(f'cannot write {path}: torch could not write the file ({free} bytes free on that '
                            f'disk: is it full?); {kept}') from None
        raise


def atomic_torch_save(obj, path):
    atomic_write(path, lambda f: torch.save(obj, f))


def atomic_write_text(path, text):
    atomic_write(path, lambda f: f.write(text.encode('utf-8')))


def seed_everything(seed):
    """Seed Python, NumPy and torch (CPU and CUDA) and ask cuDNN for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
