"""A labelled grid of result images: one row per test input, one column per source, so that the
translations of several runs can be compared side by side (e.g. in docs/)."""
import os

from PIL import Image, ImageDraw

from util.image_files import image_size, load_image

LABEL_HEIGHT = 14


def image_grid(columns, keys, out_path, scale=2, size_from=0):
    """Write a grid whose column `label` shows the image `pattern.format(key)` for each key.

    columns: [(label, pattern)]; keys: image names, one row each. Cells take the size of the
    first image of column `size_from` times `scale` (nearest neighbour, so small results stay
    sharp and honest; larger images, such as inputs as stored, are scaled down to the cell).
    """
    w, h = (side * scale for side in image_size(columns[size_from][1].format(keys[0])))
    grid = Image.new('RGB', (w * len(columns), LABEL_HEIGHT + h * len(keys)), 'white')
    draw = ImageDraw.Draw(grid)
    for c, (label, pattern) in enumerate(columns):
        draw.text((c * w + 2, 1), label, fill='black')
        for r, key in enumerate(keys):
            img = load_image(pattern.format(key)).resize((w, h), Image.NEAREST)
            grid.paste(img, (c * w, LABEL_HEIGHT + r * h))
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    grid.save(out_path)
    return out_path
