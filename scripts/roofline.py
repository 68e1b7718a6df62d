"""How far a speed figure is from the device's limit: the FLOPs of one call of a function, counted
by torch (FlopCounterMode: convolutions and matrix products, forward and backward), and the
device's peak measured now with a large matrix product and a convolution, so that achieved FLOP/s
and the peak come from the same machine under the same load."""
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

DTYPES = {'fp32': torch.float32, 'bf16': torch.bfloat16}


def count_flops(fn):
    """FLOPs of one call of fn() (multiply-adds count as two)."""
    counter = FlopCounterMode(display=False)
    with counter:
        fn()
    return counter.get_total_flops()


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def seconds_per_call(fn, device, calls, warmup=1):
    for _ in range(warmup):
        fn()
    sync(device)
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    sync(device)
    return (time.perf_counter() - start) / calls


def matmul_peak(device, dtype, side, calls=5):
    """FLOP/s of a side x side matrix product."""
    a = torch.randn(side, side, device=device).to(dtype)
    b = torch.randn(side, side, device=device).to(dtype)
    return 2 * side ** 3 / seconds_per_call(lambda: a @ b, device, calls)


def conv_peak(device, dtype, batch, channels, side, calls=5):
    """FLOP/s of the 3x3 convolution of a residual block: batch x channels x side x side, padded."""
    conv = torch.nn.Conv2d(channels, channels, 3, padding=1).to(device, dtype)
    x = torch.randn(batch, channels, side, side, device=device).to(dtype)
    flops = 2 * batch * channels * channels * 9 * side * side
    with torch.no_grad():
        return flops / seconds_per_call(lambda: conv(x), device, calls)


def peaks(device, matmul_side, conv_shape, dtypes=('fp32', 'bf16')):
    """{'fp32 matmul': FLOP/s, 'fp32 conv': FLOP/s, 'bf16 matmul': ..., ...} measured now."""
    found = {}
    for name in dtypes:
        found[f'{name} matmul'] = matmul_peak(device, DTYPES[name], matmul_side)
        found[f'{name} conv'] = conv_peak(device, DTYPES[name], *conv_shape)
    return found


def peak_for(found, dtype):
    """The best FLOP/s measured for `dtype` ('fp32' or 'bf16'): the limit a step in it is held to."""
    return max(v for k, v in found.items() if k.startswith(dtype + ' '))
