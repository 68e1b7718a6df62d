"""Upstream's image-folder names (make_dataset, IMG_EXTENSIONS, is_image_file, ImageFolder), kept
for model and data set files written for upstream; finding and reading is util/image_files.py's."""
import os

import torch.utils.data as data

from util.errors import UserError
from util.image_files import IMAGE_SUFFIXES, is_image_name, list_images, load_image

# upstream's name and form (each suffix in both cases); a name matches in any case
IMG_EXTENSIONS = [e for ext in IMAGE_SUFFIXES for e in (ext, ext.upper())]
is_image_file = is_image_name
default_loader = load_image


def make_dataset(dir, max_dataset_size=float("inf")):
    """Sorted image paths under `dir` (recursively, see list_images for links); a UserError if
    the folder is missing or holds no images."""
    if not os.path.isdir(dir):
        raise UserError(f'{dir} is not a folder (check --dataroot and --phase)')
    images = [os.path.join(dir, name) for name in list_images(dir, recursive=True)]
    if not images:
        raise UserError(f'{dir} holds no images (looked for {", ".join(IMAGE_SUFFIXES)})')
    return images[:min(max_dataset_size, len(images))]


class ImageFolder(data.Dataset):
    """All images of one folder, optionally transformed; returns (image, path) with return_paths."""

    def __init__(self, root, transform=None, return_paths=False, loader=default_loader):
        self.imgs = make_dataset(root)
        self.root = root
        self.transform = transform
        self.return_paths = return_paths
        self.loader = loader

    def __getitem__(self, index):
        path = self.imgs[index]
        img = self.loader(path)
        if self.transform is not None:
            img = self.transform(img)
        return (img, path) if self.return_paths else img

    def __len__(self):
        return len(self.imgs)
