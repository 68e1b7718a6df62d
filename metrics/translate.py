"""Run a trained model over test images for measuring, through the API every model shares.

Each image goes in under both 'A' and 'B', so set_input finds what it reads whatever --direction
the model was trained with: real_A is then the image, fake_B the translation the model was trained
for, and fake_A (where a model has it) the translation the other way. Nets run in eval mode
(dropout off, batch-norm running statistics: test.py --eval) and every random generator is left as
it was, so measuring in the middle of training leaves the run as it would have been.
"""
import contextlib
import copy

import torch

from data.base_dataset import get_transform
from util import rng
from .image_source import to_uint8


def input_transform(opt, channels=None):
    """Test-time preprocessing of a model's options (as test.py): resized to --crop_size, never
    cropped at random or flipped, to `channels` (default --input_nc; --output_nc for ground truth).
    Returns PIL image -> 1 x C x H x W tensor in [-1, 1]."""
    test_opt = copy.copy(opt)
    test_opt.load_size = opt.crop_size
    test_opt.no_flip = True
    grey = (channels or opt.input_nc) == 1
    transform = get_transform(test_opt, {'crop_pos': (0, 0), 'flip': False}, grayscale=grey)
    return lambda image: transform(image).unsqueeze(0)


@contextlib.contextmanager
def measuring(model):
    """Eval mode and untouched RNGs inside; on leaving, each module's train/eval flag and the
    Python, NumPy and torch (CPU and CUDA) generator states are put back exactly."""
    modules = [m for _, net in model.named_nets() for m in net.modules()]
    flags = [m.training for m in modules]
    model.eval()
    try:
        with rng.preserved():
            yield
    finally:
        for module, flag in zip(modules, flags):
            module.training = flag


def translate(model, images, visual='fake_B', batch_size=8):
    """The model's `visual` for each of `images` (1 x C x H x W tensors from input_transform) as
    H x W x 3 uint8 arrays, rounded as the PNG files test.py writes. Images of one size run in
    batches; every net is per-image in eval mode, so batching changes only rounding: convolution
    libraries (oneDNN, cuDNN) pick kernels by batch size, and a rare pixel lands one grey level off."""
    outputs = []
    with measuring(model):
        start = 0
        while start < len(images):
            stop = start + 1
            while stop < len(images) and stop - start < batch_size and images[stop].shape == images[start].shape:
                stop += 1
            batch = torch.cat(images[start:stop])
            paths = [''] * len(batch)
            model.set_input({'A': batch, 'B': batch, 'A_paths': paths, 'B_paths': paths})
            model.test()
            outputs.extend(to_uint8(getattr(model, visual)))
            start = stop
    return outputs
