"""Small helpers: tensor <-> image, folders, atomic writes, seeding."""
import os
import random
import shutil
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # not POSIX (Windows): no folder locks, no folder fsync
    fcntl = None

import numpy as np
import torch
from PIL import Image

from util.errors import UserError


def to_uint8(images):
    """N x C x H x W tensor -> N x H x W x 3 uint8 array. Float tensors are taken in [-1, 1], the
    range the generators produce, and rounded to the nearest level, so an in-memory measurement
    sees the pixels of the PNG files test.py writes; grey repeats to 3 channels."""
    images = images.detach()
    if images.shape[1] == 1:
        images = images.expand(-1, 3, -1, -1)
    if images.dtype != torch.uint8:
        images = ((images.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return images.permute(0, 2, 3, 1).cpu().numpy()


def tensor2im(input_image, imtype=np.uint8):
    """First image of a [-1, 1] batch tensor -> HxWx3 uint8 array (grey is repeated to 3 channels)."""
    if isinstance(input_image, np.ndarray):
        return input_image.astype(imtype)
    return to_uint8(input_image[:1])[0].astype(imtype)


def save_image(image_numpy, image_path, aspect_ratio=1.0):
    """Save an HxWxC uint8 array, stretching one side when aspect_ratio != 1 (as upstream)."""
    image_pil = Image.fromarray(image_numpy)
    h, w = image_numpy.shape[:2]
    if aspect_ratio > 1.0:
        image_pil = image_pil.resize((w, int(h * aspect_ratio)), Image.BICUBIC)
    if aspect_ratio < 1.0:
        image_pil = image_pil.resize((int(w / aspect_ratio), h), Image.BICUBIC)
    try:
        image_pil.save(image_path)
    except OSError as exc:  # PIL's error names no file: a full disk would be a bare 'No space left'
        raise UserError(f'cannot write {image_path}: {exc.strerror or exc}') from None


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
    """`name`, or the first of `name_2`, `name_3`, ... not taken: files of one base name (a/img.jpg
    and b/img.jpg, c.jpg and c.png) keep one output each."""
    candidate, n = name, 1
    while is_taken(candidate):
        n += 1
        candidate = f'{name}_{n}'
    return candidate


@contextmanager
def staged_folder(path):
    """Build a folder that replaces `path` whole: the caller writes into the hidden folder yielded,
    which takes the place of `path` only when the block ends without an error, so `path` never
    mixes two runs and a failed run leaves it as it was. A killed run's leftovers go at the next start."""
    parent, base = os.path.split(os.path.abspath(path))
    stage, old = os.path.join(parent, f'.{base}.partial'), os.path.join(parent, f'.{base}.old')
    if os.path.isdir(old) and not os.path.exists(path):  # killed between the two renames below
        os.rename(old, path)
    shutil.rmtree(stage, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    try:
        try:
            os.makedirs(stage)
        except OSError as exc:
            raise UserError(f'cannot write into {parent}: {exc.strerror or exc}') from None
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if os.path.exists(path):
        os.rename(path, old)
    os.rename(stage, path)
    shutil.rmtree(old, ignore_errors=True)


TEMPORARY = '.{}.tmp'  # beside its file; one name per file, so a kill leaves at most one
JOURNAL = '.saving'  # lists the files of a set whose renames have begun (see together)
_sets = {}  # folder -> {path: temporary} of the open `together` block there


@contextmanager
def locked(folder, shared=False):
    """Hold an advisory flock on `folder` itself: a save holds it exclusively, readers of a set
    share it, so neither sees a set half renamed and remove_temporaries never removes the files
    of a save a live process is writing. A missing folder (or no fcntl) is not locked."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY) if fcntl else None
    except FileNotFoundError:
        fd = None
    if fd is None:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextmanager
def together(folder):
    """Make the atomic writes into `folder` within the block one set (every latest_net_* and
    latest_train_state.pth), so the files of a set never mix two saves. Each file goes to its
    temporary name; when all are written their names are listed in a journal and they are
    renamed into place. A kill while writing leaves the previous set whole; a kill while renaming
    leaves the journal, and remove_temporaries completes the set at the next start. Write the
    file that marks a set as complete last: it is renamed last."""
    folder = os.path.abspath(folder)
    if folder in _sets:  # nested: part of the outer set
        yield
        return
    mkdir(folder)
    with locked(folder):
        pending = _sets[folder] = {}
        journal = os.path.join(folder, JOURNAL)
        try:
            try:
                yield
            finally:
                del _sets[folder]
            if pending:
                atomic_write_text(journal, ''.join(os.path.basename(path) + '\n' for path in pending))
        except BaseException:  # nothing is renamed yet
            for tmp in pending.values():
                _remove(tmp)
            raise
        if pending:
            _sync(folder)
            for path, tmp in pending.items():  # renames in one folder need no space; a kill here is completed later
                os.replace(tmp, path)
            _sync(folder)
            os.remove(journal)


def _sync(folder):
    """fsync the folder, so its renames reach the disk in order."""
    if fcntl is None:
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path):
    if os.path.exists(path):
        os.remove(path)


def remove_temporaries(folder):
    """Tidy what killed writes left in `folder`, after a save in progress elsewhere: a set whose
    renames had begun (its journal is there) is completed, as it was written whole; every other
    temporary file is deleted. Returns the files completed."""
    if not os.path.isdir(folder):
        return []
    with locked(folder):
        journal = os.path.join(folder, JOURNAL)
        completed = []
        if os.path.isfile(journal):
            with open(journal, encoding='utf-8') as f:
                names = f.read().splitlines()
            for name in names:
                tmp = os.path.join(folder, TEMPORARY.format(name))
                if os.path.isfile(tmp):
                    os.replace(tmp, os.path.join(folder, name))
                    completed.append(name)
            os.remove(journal)
            print(f'completed the save that was interrupted while its files were renamed in {folder}: '
                  f'{", ".join(names)} are now from that save')
        for name in os.listdir(folder):
            if name.startswith('.') and name.endswith('.tmp') and os.path.isfile(os.path.join(folder, name)):
                os.remove(os.path.join(folder, name))
        return completed


def atomic_write(path, write):
    """Call write(f) on a temporary file beside `path`, fsync it and rename it into place (at the
    end of an open `together` block for its folder), so a kill while saving leaves the previous
    file intact. The file gets open()'s mode (0666 less the umask); a full disk or a folder that
    cannot be written is a one-line error."""
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, TEMPORARY.format(os.path.basename(path)))
    pending = _sets.get(folder)
    try:
        _remove(tmp)  # left by a killed write
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
        with os.fdopen(fd, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if pending is None:
            os.replace(tmp, path)
        else:
            pending[path] = tmp
    except BaseException as exc:
        _remove(tmp)
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


def unwrap(net):
    """The plain module under DataParallel / DistributedDataParallel / torch.compile wrappers."""
    while True:
        if isinstance(net, (torch.nn.DataParallel, torch.nn.parallel.DistributedDataParallel)):
            net = net.module
        elif hasattr(net, '_orig_mod'):
            net = net._orig_mod
        else:
            return net


def cpu_state_dict(net):
    """The plain module's state as CPU tensors: what a checkpoint file holds."""
    return {k: v.detach().cpu() for k, v in unwrap(net).state_dict().items()}


def seed_everything(seed):
    """Seed Python, NumPy and torch (CPU and CUDA) and ask cuDNN for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
