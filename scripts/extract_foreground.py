"""Foreground extraction from an "object" -> "object on white" translation (CrossNet paper, section 5.3).

A pixel whose translated luminance exceeds 243 is background and becomes white; every other pixel keeps
its ORIGINAL input value (not the translated one). Given ground-truth masks (white = foreground, matched
by file stem), it also writes the ROC curve of the luminance score and its AUC.

    python test.py --model crossnet --dataroot datasets/objects --name obj2white
    python scripts/extract_foreground.py --images results/obj2white/test_latest/images \
        --masks datasets/objects/testMasks --out results/obj2white/foreground

Inputs are test.py's <stem><real_suffix>.png / <stem><fake_suffix>.png pairs.
"""
import argparse
import os

import numpy as np
from PIL import Image, ImageDraw

from util.errors import run_cli
from util.image_files import list_images, load_image, stem

WHITE_LUMINANCE = 243  # the paper's "nearly white" threshold


def luminance(rgb):
    """ITU-R 601 luma of an (H, W, 3) uint8 image, the same weights as PIL's 'L' mode."""
    return rgb[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def extract(original, translation, threshold=WHITE_LUMINANCE):
    """(foreground mask, composite): background where the translation is nearly white, which turns white;
    the rest keeps the original pixels. The translation is resized to the original if they differ."""
    if translation.shape[:2] != original.shape[:2]:
        translation = np.asarray(Image.fromarray(translation).resize(original.shape[1::-1], Image.BILINEAR))
    foreground = luminance(translation) <= threshold
    composite = np.where(foreground[..., None], original[..., :3], 255).astype(np.uint8)
    return foreground, composite


def roc_curve(scores, labels):
    """(false positive rates, true positive rates) over every threshold of `scores` (higher = foreground)."""
    order = np.argsort(-scores, kind='stable')
    scores, labels = scores[order], labels[order].astype(np.float64)
    last_of_each_score = np.r_[np.nonzero(np.diff(scores))[0], scores.size - 1]
    tp, fp = np.cumsum(labels)[last_of_each_score], np.cumsum(1 - labels)[last_of_each_score]
    return np.r_[0, fp / max(fp[-1], 1)], np.r_[0, tp / max(tp[-1], 1)]


def auc(fpr, tpr):
    """Area under the curve by the trapezoid rule."""
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def draw_roc(fpr, tpr, area, path, size=320, margin=30):
    """A plain PIL plot of the ROC curve (no plotting dependency)."""
    image = Image.new('RGB', (size, size), 'white')
    draw = ImageDraw.Draw(image)
    span = size - 2 * margin

    def point(x, y):
        return margin + x * span, size - margin - y * span
    draw.rectangle([point(0, 1), point(1, 0)], outline='black')
    draw.line([point(0, 0), point(1, 1)], fill='gray')
    draw.line([point(x, y) for x, y in zip(fpr, tpr)], fill='red', width=2)
    draw.text((margin, 8), 'ROC  AUC = %.4f' % area, fill='black')
    draw.text((size // 2 - 40, size - margin + 8), 'false positive rate', fill='black')
    image.save(path)


def pairs(folder, real_suffix, fake_suffix):
    """(stem, original path, translation path) for every translation with its original beside it."""
    found = []
    for name in list_images(folder):
        name_stem, ext = os.path.splitext(name)
        if name_stem.endswith(fake_suffix):
            name_stem = name_stem[:-len(fake_suffix)]
            original = os.path.join(folder, name_stem + real_suffix + ext)
            if os.path.isfile(original):
                found.append((name_stem, original, os.path.join(folder, name)))
    return found


def find_mask(folder, image_stem):
    return next((os.path.join(folder, name) for name in list_images(folder) if stem(name) == image_stem), None)


def run(images, out, masks=None, real_suffix='_real_A', fake_suffix='_fake_B', threshold=WHITE_LUMINANCE):
    """Write masks and composites for every pair; with `masks`, also roc.csv, roc.png and the AUC."""
    found = pairs(images, real_suffix, fake_suffix)
    if not found:
        raise SystemExit('extract_foreground: no <stem>%s / <stem>%s pairs in %s' % (real_suffix, fake_suffix, images))
    os.makedirs(out, exist_ok=True)
    scores, labels = [], []
    for name, original_path, translation_path in found:
        original, translation = np.asarray(load_image(original_path)), np.asarray(load_image(translation_path))
        foreground, composite = extract(original, translation, threshold)
        Image.fromarray((foreground * 255).astype(np.uint8)).save(os.path.join(out, name + '_mask.png'))
        Image.fromarray(composite).save(os.path.join(out, name + '_foreground.png'))
        mask_path = find_mask(masks, name) if masks else None
        if mask_path:
            truth = load_image(mask_path, channels=1).resize(foreground.shape[::-1], Image.NEAREST)
            translation = np.asarray(Image.fromarray(translation).resize(foreground.shape[::-1], Image.BILINEAR))
            scores.append(-luminance(translation).ravel())  # darker translation = more likely foreground
            labels.append(np.asarray(truth).ravel() > 127)
    print('extract_foreground: %d images -> %s' % (len(found), out))
    if not scores:
        return None
    fpr, tpr = roc_curve(np.concatenate(scores), np.concatenate(labels))
    area = auc(fpr, tpr)
    np.savetxt(os.path.join(out, 'roc.csv'), np.c_[fpr, tpr], delimiter=',', header='fpr,tpr', comments='')
    draw_roc(fpr, tpr, area, os.path.join(out, 'roc.png'))
    print('extract_foreground: AUC %.4f over %d images with masks' % (area, len(scores)))
    return area


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--images', required=True, help="test.py's images folder (originals and translations)")
    parser.add_argument('--out', required=True, help='folder for masks, composites and the ROC curve')
    parser.add_argument('--masks', help='ground-truth masks (white = foreground), named by image stem')
    parser.add_argument('--real_suffix', default='_real_A', help='file-name suffix of the original inputs')
    parser.add_argument('--fake_suffix', default='_fake_B', help='file-name suffix of the translations')
    parser.add_argument('--threshold', type=float, default=WHITE_LUMINANCE, help='luminance above which a pixel is background')
    a = parser.parse_args(argv)
    run(a.images, a.out, a.masks, a.real_suffix, a.fake_suffix, a.threshold)


if __name__ == '__main__':
    run_cli(main)
