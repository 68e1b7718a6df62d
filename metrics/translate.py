"""Run a trained model over test images for measuring, through the API every model shares.

Each image goes in under both 'A' and 'B', so set_input finds it whatever --direction the model was
trained with: fake_B is then the translation it was trained for, fake_A (where a model has it) the
other way. Nets run in eval mode (as test.py --eval) and every RNG is left as it was, so measuring
in the middle of training leaves the run as it would have been.
"""
import contextlib
import copy

import torch

from data.base_dataset import get_transform
from util import rng
from .image_source import to_uint8


def input_transform(opt, channels=None):
    """PIL image -> 1 x C x H x W tensor in [-1, 1], preprocessed as test.py does: resized to
    --crop_size, never cropped at random or flipped; `channels` defaults to --input_nc."""
    test_opt = copy.copy(opt)
    test_opt.load_size = opt.crop_size
    test_opt.no_flip = True
    grey = (channels or opt.input_nc) == 1
    transform = get_transform(test_opt, {'crop_pos': (0, 0), 'flip': False}, grayscale=grey)
    return lambda image: transform(image).unsqueeze(0)


@contextlib.contextmanager
def measuring(model):
    """Eval mode inside; on leaving, each module's train/eval flag and every RNG are put back."""
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
    H x W x 3 uint8 arrays, rounded as test.py's PNG files. Images of one size run in batches: in
    eval mode that changes only rounding (kernels are picked by batch size), a rare pixel by one level."""
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
