"""Every random generator a run draws from (Python, NumPy, torch CPU and CUDA), as one value that
can be saved in a checkpoint (torch.load(weights_only=True) reads it back) and set again."""
import contextlib
import random

import numpy as np
import torch


def get_state(cuda=True):
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {'python': random.getstate(),
            'numpy': (name, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, cached),
            'torch': torch.get_rng_state(),
            'cuda': torch.cuda.get_rng_state_all() if cuda and torch.cuda.is_available() else []}


def set_state(state):
    python = state['python']
    random.setstate((python[0], tuple(python[1]), python[2]))
    name, keys, pos, has_gauss, cached = state['numpy']
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state['torch'])
    if state['cuda'] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


@contextlib.contextmanager
def preserved(cuda=True):
    """Whatever runs inside draws from the generators; on leaving they are as they were (the CUDA
    ones too unless `cuda` is False: reading them waits for the GPU)."""
    state = get_state(cuda)
    try:
        yield
    finally:
        set_state(state)
