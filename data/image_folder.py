"""Finding and loading images, with one-line errors for empty folders and unreadable files."""
import os

from PIL import Image
import torch.utils.data as data

from util.dataset_files import IMG_EXTENSIONS as IMAGE_SUFFIXES
from util.errors import UserError

# upstream's name and form (each suffix in both cases); the suffixes themselves live in one place
IMG_EXTENSIONS = [e for ext in IMAGE_SUFFIXES for e in (ext, ext.upper())]


def is_image_file(filename):
    return any(filename.endswith(extension) for extension in IMG_EXTENSIONS)


def make_dataset(dir, max_dataset_size=float("inf")):
    """Sorted image paths under `dir` (recursively); a UserError if the folder is missing or empty."""
    if not os.path.isdir(dir):
        raise UserError(f'{dir} is not a folder (check --dataroot and --phase)')
    images = sorted(os.path.join(root, f) for root, _, fnames in os.walk(dir, followlinks=True)
                    for f in fnames if is_image_file(f))
    if not images:
        raise UserError(f'{dir} holds no images (looked for {", ".join(IMAGE_SUFFIXES)})')
    return images[:min(max_dataset_size, len(images))]


def load_image(path, channels=3):
    """Open `path` as RGB (channels=3) or grey (channels=1). Transparent pixels are laid on white,
    so RGBA and palette images do not turn black where they are see-through."""
    try:
        with Image.open(path) as img:
            img.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise UserError(f'cannot read image {path}: {exc}') from None
    if img.mode in ('RGBA', 'LA') or (img.mode == 'P' and 'transparency' in img.info):
        rgba = img.convert('RGBA')
        img = Image.new('RGBA', rgba.size, (255, 255, 255, 255))
        img.alpha_composite(rgba)
    return img.convert('L' if channels == 1 else 'RGB')


def default_loader(path):
    return load_image(path)


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
