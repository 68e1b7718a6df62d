"""File helpers shared by the data set tools in datasets/: find, load, pair, split and save
images, and claim an output folder without clobbering data the tool did not write."""
import os
import shutil

from PIL import Image, UnidentifiedImageError

from util.errors import UserError

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.tif', '.tiff', '.webp')


def list_images(folder):
    """Sorted names of the image files directly in `folder` (sorted, so every tool is repeatable)."""
    if not os.path.isdir(folder):
        raise UserError(f'{folder}: folder not found')
    return sorted(n for n in os.listdir(folder)
                  if n.lower().endswith(IMG_EXTENSIONS) and os.path.isfile(os.path.join(folder, n)))


def load_rgb(path):
    """The image at `path` as RGB; a file PIL cannot read is the user's to fix, so say which."""
    try:
        with Image.open(path) as img:
            return img.convert('RGB')
    except (UnidentifiedImageError, OSError) as exc:
        raise UserError(f'{path}: not a readable image ({exc.__class__.__name__})') from None


def side_by_side(img_a, img_b, where=''):
    """A|B: A on the left, B on the right, the layout of upstream's aligned data sets."""
    if img_a.size != img_b.size:
        raise UserError(f'{where}: A is {img_a.size[0]}x{img_a.size[1]} but B is '
                        f'{img_b.size[0]}x{img_b.size[1]}; A|B needs both the same size')
    pair = Image.new('RGB', (img_a.width * 2, img_a.height))
    pair.paste(img_a, (0, 0))
    pair.paste(img_b, (img_a.width, 0))
    return pair


def write_side_by_side(path_A, path_B, path_AB):
    """Read A and B, write A|B (a module-level function, so a worker process can run it)."""
    pair = side_by_side(load_rgb(path_A), load_rgb(path_B), where=f'{path_A} and {path_B}')
    save_image(pair, path_AB)


def split_pair(img, where=''):
    """(A, B) halves of an A|B image; an odd width means the file is not an A|B pair."""
    if img.width % 2:
        raise UserError(f'{where}: {img.width} px wide, not an A|B pair (width must be even)')
    half = img.width // 2
    return img.crop((0, 0, half, img.height)), img.crop((half, 0, img.width, img.height))


def save_image(img, path):
    """Save by extension; JPEG at quality 95 without chroma subsampling (as cv2 writes upstream),
    so re-saved halves stay close to the source."""
    if path.lower().endswith(('.jpg', '.jpeg')):
        img.save(path, quality=95, subsampling=0)
    else:
        img.save(path)


def claim_output(out, owned, marker):
    """Make `out` ready for a fresh run: the `owned` subfolders a previous run of the same tool
    wrote (it left `marker`) are removed, so no stale file survives; anything else is refused."""
    marked = os.path.isfile(os.path.join(out, marker))
    for sub in owned:
        path = os.path.join(out, sub)
        if not os.path.isdir(path):
            continue
        if not marked and os.listdir(path):
            raise UserError(f'{path} already exists and was not written by this tool; '
                            'choose another output folder or remove it')
        shutil.rmtree(path)
