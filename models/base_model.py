"""BaseModel: everything generic about a model, driven by the names a model file declares
(loss_names, model_names, visual_names, optimizers). A model file writes only its idea:
its networks, set_input, forward and one optimisation step."""
import os
import re
import sys
import warnings
from abc import ABC, abstractmethod
from collections import OrderedDict

import torch

from util import distributed
from util.errors import UserError
from util.util import atomic_torch_save, cpu_state_dict, unwrap
from . import networks


class BaseModel(ABC):
    """Subclasses call BaseModel.__init__(self, opt) and fill the four name lists."""

    def __init__(self, opt):
        self.opt = opt
        self.gpu_ids = opt.gpu_ids
        self.isTrain = opt.isTrain
        self.device = torch.device(f'cuda:{self.gpu_ids[0]}') if self.gpu_ids else torch.device('cpu')
        self.save_dir = os.path.join(opt.checkpoints_dir, opt.name)
        if opt.preprocess != 'scale_width' and getattr(opt, 'seed', None) is None:
            torch.backends.cudnn.benchmark = True  # fixed input sizes: let cuDNN pick the fastest kernels
        self.loss_names = []
        self.model_names = []
        self.visual_names = []
        self.optimizers = []
        self.image_paths = []
        self.metric = 0  # used by the 'plateau' learning-rate policy
        self._missing_losses = set()  # listed loss names without an attribute, warned about once

    @staticmethod
    def modify_commandline_options(parser, is_train):
        return parser

    @abstractmethod
    def set_input(self, input):
        """Unpack a batch from the data loader (honouring opt.direction)."""

    @abstractmethod
    def forward(self):
        """Compute the outputs used by the losses and the visuals."""

    @abstractmethod
    def optimize_parameters(self):
        """One training step: losses, gradients, optimizer updates."""

    def setup(self, opt):
        """Create schedulers (training), load networks (testing or --continue_train), print them."""
        if self.isTrain:
            self.schedulers = [networks.get_scheduler(optimizer, opt) for optimizer in self.optimizers]
        if not self.isTrain or opt.continue_train:
            load_suffix = f'iter_{opt.load_iter}' if opt.load_iter > 0 else opt.epoch
            self.load_networks(load_suffix)
        self.print_networks(opt.verbose)

    def named_nets(self):
        """[(name, self.net<name>)] for every name in model_names."""
        return [(name, getattr(self, 'net' + name)) for name in self.model_names if isinstance(name, str)]

    def get_current_learning_rates(self):
        """{name: learning rate} of each optimizer, named by its attribute (optimizer_G: 'G'),
        else by its place in self.optimizers."""
        names = {id(v): k[len('optimizer_'):] for k, v in vars(self).items() if k.startswith('optimizer_')}
        return {names.get(id(o), str(i)): o.param_groups[0]['lr'] for i, o in enumerate(self.optimizers)}

    def eval(self):
        for _, net in self.named_nets():
            net.eval()

    def train(self):
        for _, net in self.named_nets():
            net.train()

    def test(self):
        """Forward without gradients (test time), then compute_visuals."""
        with torch.no_grad():
            self.forward()
            self.compute_visuals()

    def compute_visuals(self):
        """Extra visuals for visdom and HTML (none by default)."""

    def get_image_paths(self):
        return self.image_paths

    def update_learning_rate(self):
        """Step every scheduler once; called at the END of an epoch, after the optimizer steps."""
        old_lr = self.optimizers[0].param_groups[0]['lr']
        with warnings.catch_warnings():
            # a run resumed after the last step of an epoch ends that epoch with no optimizer step in
            # this process; torch warns, but every rule here is a function of the epoch alone
            warnings.filterwarnings('ignore', message=re.escape('Detected call of `lr_scheduler.step()` before'))
            for scheduler in self.schedulers:
                if self.opt.lr_policy == 'plateau':
                    scheduler.step(self.metric)
                else:
                    scheduler.step()
        lr = self.optimizers[0].param_groups[0]['lr']
        print(f'learning rate {old_lr:.7f} -> {lr:.7f}')

    def get_current_visuals(self):
        return OrderedDict((name, getattr(self, name)) for name in self.visual_names if isinstance(name, str))

    def get_current_losses(self):
        """Losses as Python floats. This reads them from the device, so call it only when printing.
        A listed loss the model has no attribute for (upstream's template lists 'loss_G', meaning
        self.loss_loss_G) is left out with one warning, as upstream's loop never reads it."""
        losses = OrderedDict()
        for name in self.loss_names:
            if not isinstance(name, str):
                continue
            if not hasattr(self, 'loss_' + name):
                if name not in self._missing_losses:
                    self._missing_losses.add(name)
                    print(f'warning: {type(self).__name__}.loss_names lists {name!r} but the model has no '
                          f'attribute loss_{name}; that loss is not shown or checked', file=sys.stderr)
                continue
            losses[name] = float(_detached(getattr(self, 'loss_' + name)))
        return losses

    def save_networks(self, epoch):
        """Save every net as <save_dir>/<epoch>_net_<Name>.pth (CPU tensors, atomically); under
        torchrun only rank 0 writes (every rank holds the same weights)."""
        if not distributed.is_main():
            return
        os.makedirs(self.save_dir, exist_ok=True)
        for name, net in self.named_nets():
            atomic_torch_save(cpu_state_dict(net), os.path.join(self.save_dir, f'{epoch}_net_{name}.pth'))

    def load_networks(self, epoch):
        """Load <save_dir>/<epoch>_net_<Name>.pth into every net; also accepts upstream's files
        (DataParallel 'module.' prefixes, pre-0.4 InstanceNorm running-stat keys)."""
        for name, net in self.named_nets():
            self.load_network_file(unwrap(net), os.path.join(self.save_dir, f'{epoch}_net_{name}.pth'))

    def load_network_file(self, net, path):
        if not os.path.isfile(path):
            raise UserError(f'checkpoint {path} not found{_what_is_there(path)}')
        print(f'loading the model from {path}')
        try:
            state_dict = torch.load(path, map_location=self.device, weights_only=True)
        except Exception as exc:
            raise UserError(f'checkpoint {path} is unreadable ({type(exc).__name__}); it may be truncated') from None
        state_dict = adapt_state_dict(state_dict, net)
        expected = net.state_dict()
        missing = [k for k in expected if k not in state_dict]
        unexpected = [k for k in state_dict if k not in expected]
        if missing or unexpected:
            raise UserError(f'checkpoint {path} does not fit the network built from the options '
                            f'(check --netG/--netD/--ngf/--ndf/--norm/--input_nc/--output_nc/--no_dropout): '
                            f'{len(missing)} missing keys e.g. {missing[:2]}, {len(unexpected)} unexpected e.g. {unexpected[:2]}')
        try:
            net.load_state_dict(state_dict)
        except RuntimeError as exc:
            size_error = re.search(r'size mismatch for ([^:]+):.*', str(exc))
            detail = size_error.group(0).splitlines()[0] if size_error else str(exc).splitlines()[0]
            raise UserError(f'checkpoint {path} does not fit the network: {detail}') from None

    def print_networks(self, verbose):
        print('---------- Networks initialized -------------')
        for name, net in self.named_nets():
            if verbose:
                print(net)
            num_params = sum(p.numel() for p in net.parameters())
            print(f'[Network {name}] Total number of parameters : {num_params / 1e6:.3f} M')
        print('-----------------------------------------------')

    def set_requires_grad(self, nets, requires_grad=False):
        """Freeze (or unfreeze) nets, e.g. the discriminators during the generator step."""
        if not isinstance(nets, list):
            nets = [nets]
        for net in nets:
            if net is not None:
                for param in net.parameters():
                    param.requires_grad = requires_grad


def _detached(value):
    return value.detach() if isinstance(value, torch.Tensor) else value


def adapt_state_dict(state_dict, net):
    """Make checkpoints of other versions fit: drop 'module.' prefixes and metadata, and drop the
    running-stat entries that pre-0.4 PyTorch saved for InstanceNorm layers without them."""
    if hasattr(state_dict, '_metadata'):
        del state_dict._metadata
    state_dict = OrderedDict((k[7:] if k.startswith('module.') else k, v) for k, v in state_dict.items())
    modules = dict(net.named_modules())
    for key in list(state_dict):
        owner, _, leaf = key.rpartition('.')
        module = modules.get(owner)
        if (isinstance(module, torch.nn.InstanceNorm2d) and not module.track_running_stats
                and leaf in ('running_mean', 'running_var', 'num_batches_tracked')):
            del state_dict[key]
    return state_dict


def _what_is_there(path):
    """Why `path` is missing, said by what the folder holds: other nets saved under the same label
    mean another --model (or a missing --model_suffix); other labels, another --epoch."""
    folder, file = os.path.split(path)
    if not os.path.isdir(folder):
        return f' (no folder {folder}: check --name and --checkpoints_dir)'
    saved = [f for f in os.listdir(folder) if '_net_' in f and f.endswith('.pth')]
    label = file.split('_net_')[0]
    nets = sorted(f[len(label) + 5:-4] for f in saved if f.startswith(f'{label}_net_'))
    if nets:
        return (f'; the folder holds nets {", ".join(nets)} for --epoch {label}: it was trained with another '
                f'--model (check --model; for --model test, --model_suffix picks one, e.g. --model_suffix _A '
                f'loads G_A)')
    epochs = sorted({f.split('_net_')[0] for f in saved})
    return f'; available --epoch values: {", ".join(epochs)}' if epochs else ' (the folder holds no checkpoints: check --name)'
