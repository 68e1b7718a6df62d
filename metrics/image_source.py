"""Images to measure, from a folder, a list of files or a tensor, behind one small interface, so
a results folder and translations still in memory (the training loop) are measured alike."""
import hashlib
import os

import numpy as np
import torch
from PIL import Image

from util.errors import UserError
from util.image_files import IMAGE_SUFFIXES, list_images, load_image, stem
from util.util import to_uint8


def image_paths(folder):
    """Sorted image files directly inside `folder`; a missing or image-less folder is a user error."""
    paths = [os.path.join(folder, name) for name in list_images(folder)]
    if not paths:
        raise UserError(f'{folder}: no images ({", ".join(IMAGE_SUFFIXES)})')
    return paths


class ImageSource:
    """A sequence of RGB uint8 images with a name per image.

    `keys` pair images across two sources (paired metrics): the file name with its visual suffix
    removed, so `x_fake_B.png` and `x_real_B.png` share the key `x`.
    """

    def __init__(self, paths=None, arrays=None, keys=None, label='', size=None):
        self.paths = paths
        self.arrays = arrays
        self.keys = keys
        self.label = label
        self.size = size  # (width, height) every image is resized to on loading; None: as stored

    @classmethod
    def from_folder(cls, folder, suffix=''):
        """Images in `folder`; with `suffix` (e.g. 'fake_B') only files whose name ends in `_<suffix>`."""
        paths = image_paths(folder)
        if suffix:
            paths = [p for p in paths if stem(p).endswith('_' + suffix)]
            if not paths:
                raise UserError(f'{folder}: no images named *_{suffix}.*')
        label = os.path.join(folder, f'*_{suffix}') if suffix else folder
        return cls.from_paths(paths, suffix=suffix, label=label)

    @classmethod
    def from_paths(cls, paths, suffix='', label=''):
        """Image files in the given order; keys are the file stems without `_<suffix>`."""
        paths = [os.fspath(p) for p in paths]
        if not paths:
            raise UserError(f'{label or "image list"}: no images')
        keys = [stem(p).removesuffix('_' + suffix) if suffix else stem(p) for p in paths]
        return cls(paths=paths, keys=keys, label=label or os.path.dirname(paths[0]))

    @classmethod
    def from_tensor(cls, images, label='tensor'):
        """An N x 3 x H x W tensor (or a list of such batches); keys are the indices."""
        if isinstance(images, (list, tuple)):
            images = torch.cat(list(images))
        arrays = to_uint8(images)
        return cls(arrays=arrays, keys=[str(i) for i in range(len(arrays))], label=label)

    @classmethod
    def of(cls, source):
        """Wrap whatever the caller passed: an ImageSource, a folder, a list of files or a tensor."""
        if isinstance(source, cls):
            return source
        if isinstance(source, (str, os.PathLike)):
            return cls.from_folder(os.fspath(source))
        if isinstance(source, torch.Tensor) or (isinstance(source, (list, tuple)) and source
                                                and isinstance(source[0], torch.Tensor)):
            return cls.from_tensor(source)
        if isinstance(source, (list, tuple)):
            return cls.from_paths(source)
        raise TypeError(f'cannot measure images given as {type(source).__name__}')

    def at_size(self, size):
        """The same images resized (PIL bicubic) to `size` = (width, height), so translations at a
        small size are compared with real images at that size, not with their resolution."""
        size = tuple(size)
        return ImageSource(self.paths, self.arrays, self.keys, f'{self.label} at {size[0]}x{size[1]}', size)

    def __len__(self):
        return len(self.keys)

    def load(self, i):
        """Image `i` as an H x W x 3 uint8 array."""
        image = self.arrays[i] if self.arrays is not None else np.array(load_image(self.paths[i]), dtype=np.uint8)
        if self.size is None or (image.shape[1], image.shape[0]) == self.size:
            return image
        return np.array(Image.fromarray(image).resize(self.size, Image.BICUBIC))

    def content_key(self):
        """Hex digest of the file names and bytes (None in memory: never cached), so a copied data set
        hits the cache and an edited file misses it, whatever paths and mtimes say."""
        if self.paths is None:
            return None
        digest = hashlib.sha256()
        for path in self.paths:
            digest.update(os.path.basename(path).encode() + b'\0')
            try:
                with open(path, 'rb') as f:
                    digest.update(hashlib.sha256(f.read()).digest())
            except OSError as exc:
                raise UserError(f'{path}: cannot read file ({exc.strerror})') from exc
        if self.size is not None:
            digest.update(f'resized to {self.size[0]}x{self.size[1]} bicubic'.encode())
        return digest.hexdigest()

