"""Writing helpers of the data set tools in datasets/: save A|B pairs and halves, and claim an
output folder without clobbering data the tool did not write. Finding and reading images is
util/image_files.py's."""
import os
import shutil

from util.errors import UserError
from util.image_files import join_ab, load_image


def write_side_by_side(path_A, path_B, path_AB):
    """Read A and B, write A|B (a module-level function, so a worker process can run it)."""
    pair = join_ab(load_image(path_A), load_image(path_B), where=f'{path_A} and {path_B}')
    save_image(pair, path_AB)


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
