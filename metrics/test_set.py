"""One direction of a data set's test split, as measuring sees it: the inputs to translate, the
real target images to measure them against (FID / KID), and their ground truth where it exists.

- unaligned: <phase>A and <phase>B; the targets are the whole other folder (the field's protocol),
  with ground truth when every input has a target file of the same name (synthetic data sets).
- aligned: <phase>/ of A|B images; each input's other half is its ground truth.
"""
import os

import numpy as np

from util.errors import UserError
from util.image_files import load_image, split_ab, stem
from util.util import unique_name
from .image_source import ImageSource, image_paths


class TestSet:
    """Inputs of the source domain of `direction` and targets of the other domain, in file-name order."""

    def __init__(self, dataroot, phase='test', direction='AtoB', max_inputs=float('inf'), max_targets=float('inf')):
        src, dst = ('A', 'B') if direction == 'AtoB' else ('B', 'A')
        self.train_folders = [os.path.join(dataroot, 'train' + side) for side in (src, dst)]
        unaligned = [os.path.join(dataroot, phase + side) for side in (src, dst)]
        aligned = os.path.join(dataroot, phase)
        if all(os.path.isdir(folder) for folder in unaligned):
            self.input_paths = _first(image_paths(unaligned[0]), max_inputs)
            self.target_paths = _first(image_paths(unaligned[1]), max_targets)
            self.aligned_half = None
            self.label = unaligned[1]
        elif os.path.isdir(aligned):
            self.input_paths = self.target_paths = _first(image_paths(aligned), min(max_inputs, max_targets))
            self.aligned_half = (0, 1) if direction == 'AtoB' else (1, 0)  # (input half, target half)
            self.label = f'{aligned} ({dst} halves)'
        else:
            raise UserError(f'--dataroot {dataroot}: neither {phase}A/ + {phase}B/ (unaligned) nor {phase}/ (aligned A|B)')
        self.keys = _unique_stems(self.input_paths)
        self._target_of = dict(zip(_unique_stems(self.target_paths), self.target_paths))
        self.has_ground_truth = self.aligned_half is not None or all(k in self._target_of for k in self.keys)

    def __len__(self):
        return len(self.input_paths)

    def input_image(self, i):
        """Input `i` as a PIL image, as the data set stores it."""
        return self._half(i, 0)

    def ground_truth(self, i):
        """The real target image of input `i` (only where has_ground_truth)."""
        if self.aligned_half is not None:
            return self._half(i, 1)
        return load_image(self._target_of[self.keys[i]])

    def targets(self):
        """The real target images as an ImageSource; files on disk are cached by their content."""
        if self.aligned_half is None:
            return ImageSource.from_paths(self.target_paths, label=self.label)
        arrays = [np.array(self.ground_truth(i).convert('RGB')) for i in range(len(self))]
        return ImageSource(arrays=arrays, keys=list(self.keys), label=self.label)

    def training_sets(self):
        """(source, target) training images as ImageSources: what the domain score's probe is fitted on."""
        missing = [folder for folder in self.train_folders if not os.path.isdir(folder)]
        if missing:
            raise UserError(f'the domain score fits its probe on trainA/ and trainB/; {missing[0]} does not exist')
        return tuple(ImageSource.from_folder(folder) for folder in self.train_folders)

    def _half(self, i, which):
        """Input `i` whole (unaligned), else its input (which=0) or target (1) half of A|B."""
        image = load_image(self.input_paths[i])
        return image if self.aligned_half is None else split_ab(image, self.input_paths[i])[self.aligned_half[which]]


def _first(paths, count):
    return paths if count == float('inf') else paths[:int(count)]


def _unique_stems(paths):
    """File stems, c.jpg and c.png becoming c and c_2 (as test.py names its outputs)."""
    stems = []
    for path in paths:
        stems.append(unique_name(stem(path), stems.__contains__))
    return stems
