"""GPU speed options (--precision, --channels_last, --compile), applied around a model so that
every model file, upstream's included, gets them unchanged.

--precision bf16 autocasts each step to bfloat16 (weights, optimizer state, reductions and losses
stay fp32). bf16 has fp32's range, so no loss scaling is needed; fp16 would need a GradScaler in
every optimize_parameters, so it is not offered. On a CPU bf16 is only fast with AMX (see
docs/BENCHMARKS.md); a run on the CPU says what its CPU has. --channels_last stores nets and
batches as NHWC, the layout tensor cores read fastest. --compile wraps each net in torch.compile;
checkpoints keep their plain keys (BaseModel.save_networks unwraps).
"""
import contextlib

import torch


def add_options(parser):
    parser.add_argument('--precision', type=str, default='fp32', choices=['fp32', 'bf16'],
                        help='bf16: train under autocast to bfloat16 (weights stay fp32)')
    parser.add_argument('--channels_last', action='store_true', help='NHWC memory layout for nets and inputs')
    parser.add_argument('--compile', type=str, nargs='?', const='inductor', default=None, metavar='BACKEND',
                        help='torch.compile every net (backend: inductor unless given)')
    return parser


def apply(model, opt):
    """After model.setup (and a resume): lay out and compile the nets as the options say."""
    if opt.precision == 'bf16' and model.device.type == 'cpu':
        print(cpu_bf16_note(cpu_flags()))
    for name, net in model.named_nets():
        if opt.channels_last:
            net.to(memory_format=torch.channels_last)
        if opt.compile:
            setattr(model, 'net' + name, torch.compile(net, backend=opt.compile))


def cpu_flags(path='/proc/cpuinfo'):
    """The instruction-set flags of this CPU (empty where the system does not list them)."""
    try:
        with open(path) as f:
            return set(next((line.split(':', 1)[1].split() for line in f if line.startswith('flags')), []))
    except OSError:
        return set()


def cpu_bf16_note(flags):
    if 'amx_bf16' in flags:
        return 'precision: bf16 on a CPU with AMX-BF16 (bf16 tiles): expect it faster than fp32'
    if 'avx512_bf16' in flags:
        return ('precision: bf16 on a CPU with AVX512-BF16 but no AMX: its bf16 convolutions can be slower than '
                'fp32 at small sizes; compare with scripts/benchmark.py --variants "fp32:;bf16:--precision bf16"')
    if flags:
        return 'precision: this CPU has no bf16 instructions, so bf16 is emulated: many times slower than fp32'
    return 'precision: bf16 on a CPU whose instruction set is not listed; compare with scripts/benchmark.py'


def precision(opt, device):
    """The context one training step runs in."""
    if opt.precision == 'bf16':
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def layout(opt, data):
    """The batch from the data loader, its image tensors in the nets' memory layout."""
    if not opt.channels_last:
        return data
    return {k: v.contiguous(memory_format=torch.channels_last) if torch.is_tensor(v) and v.dim() == 4 else v
            for k, v in data.items()}
