"""Base class of data sets and upstream's preprocessing (resize, crop, scale width, flip)."""
import random
from abc import ABC, abstractmethod

import torch.utils.data as data
import torchvision.transforms as transforms
import torchvision.transforms.functional as F


class BaseDataset(data.Dataset, ABC):
    """A data set returns dicts; `modify_commandline_options` may add options or change defaults."""

    def __init__(self, opt):
        self.opt = opt
        self.root = opt.dataroot

    @staticmethod
    def modify_commandline_options(parser, is_train):
        return parser

    @abstractmethod
    def __len__(self):
        return 0

    @abstractmethod
    def __getitem__(self, index):
        pass


def get_params(opt, size):
    """Random crop position and flip for one image, shared by the two halves of an aligned pair."""
    w, h = size
    new_h, new_w = h, w
    if opt.preprocess == 'resize_and_crop':
        new_h = new_w = opt.load_size
    elif opt.preprocess == 'scale_width_and_crop':
        new_w = opt.load_size
        new_h = opt.load_size * h // w
    x = random.randint(0, max(0, new_w - opt.crop_size))
    y = random.randint(0, max(0, new_h - opt.crop_size))
    flip = random.random() > 0.5
    return {'crop_pos': (x, y), 'flip': flip}


def get_transform(opt, params=None, grayscale=False, method=transforms.InterpolationMode.BICUBIC, convert=True):
    """The preprocessing named by opt.preprocess, then flip, then to a [-1, 1] tensor."""
    transform_list = []
    if grayscale:
        transform_list.append(transforms.Grayscale(1))
    if 'resize' in opt.preprocess:
        transform_list.append(transforms.Resize([opt.load_size, opt.load_size], method))
    elif 'scale_width' in opt.preprocess:
        transform_list.append(transforms.Lambda(lambda img: _scale_width(img, opt.load_size, opt.crop_size, method)))
    if 'crop' in opt.preprocess:
        if params is None:
            transform_list.append(transforms.RandomCrop(opt.crop_size, pad_if_needed=True, padding_mode='reflect'))
        else:
            transform_list.append(transforms.Lambda(lambda img: _crop(img, params['crop_pos'], opt.crop_size)))
    if opt.preprocess == 'none':
        transform_list.append(transforms.Lambda(lambda img: _make_power_2(img, base=4, method=method)))
    if not opt.no_flip:
        if params is None:
            transform_list.append(transforms.RandomHorizontalFlip())
        elif params['flip']:
            transform_list.append(transforms.Lambda(F.hflip))
    if convert:
        transform_list.append(transforms.ToTensor())
        channels = 1 if grayscale else 3
        transform_list.append(transforms.Normalize((0.5,) * channels, (0.5,) * channels))
    return transforms.Compose(transform_list)


def _make_power_2(img, base, method=transforms.InterpolationMode.BICUBIC):
    """The generators halve the size twice, so sides must be multiples of 4; round and say so once."""
    ow, oh = img.size
    h = max(base, int(round(oh / base) * base))
    w = max(base, int(round(ow / base) * base))
    if h == oh and w == ow:
        return img
    _print_size_warning(ow, oh, w, h)
    return F.resize(img, [h, w], method)


def _scale_width(img, target_size, crop_size, method=transforms.InterpolationMode.BICUBIC):
    ow, oh = img.size
    if ow == target_size and oh >= crop_size:
        return img
    w = target_size
    h = int(max(target_size * oh / ow, crop_size))
    return F.resize(img, [h, w], method)


def _crop(img, pos, size):
    ow, oh = img.size
    x1, y1 = pos
    if ow > size or oh > size:
        return img.crop((x1, y1, x1 + size, y1 + size))
    return img


def _print_size_warning(ow, oh, w, h):
    if not hasattr(_print_size_warning, 'has_printed'):
        print(f'warning: --preprocess none needs sides that are multiples of 4; images of size '
              f'({ow}, {oh}) are resized to ({w}, {h}). Resize your data to keep its exact size.')
        _print_size_warning.has_printed = True
