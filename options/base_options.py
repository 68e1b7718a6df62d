"""Options shared by training and testing, with upstream's names and defaults.

`--model` and `--dataset_mode` are read first, then the chosen model and data set add their
own options (`modify_commandline_options`), so `--help` and the saved options show them too.
"""
import argparse
import json
import os
import sys

import torch

import data
import models
from models import pair_supervision
from util import distributed, util
from util.errors import UserError


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad option as a UserError (one line, exit 2) instead of usage text."""

    def error(self, message):
        raise UserError(message)


class BaseOptions:
    """Defines the options, resolves them against the chosen model/data set, prints and saves them."""

    def initialize(self, parser):
        # basic parameters
        parser.add_argument('--dataroot', help='path to images (should have subfolders trainA, trainB, valA, valB, etc)')
        parser.add_argument('--name', type=str, default='experiment_name', help='name of the experiment. It decides where to store samples and models')
        parser.add_argument('--gpu_ids', type=str, default='0', help='gpu ids: e.g. 0  0,1,2, 0,2. use -1 for CPU')
        parser.add_argument('--checkpoints_dir', type=str, default='./checkpoints', help='models are saved here')
        parser.add_argument('--seed', type=int, default=None, help='seed for every random generator; makes a CPU run repeatable')
        # model parameters
        parser.add_argument('--model', type=str, default='cycle_gan', help='chooses which model to use: ' + ', '.join(models.available_models()))
        parser.add_argument('--input_nc', type=int, default=3, help='# of input image channels: 3 for RGB and 1 for grayscale')
        parser.add_argument('--output_nc', type=int, default=3, help='# of output image channels: 3 for RGB and 1 for grayscale')
        parser.add_argument('--ngf', type=int, default=64, help='# of gen filters in the last conv layer')
        parser.add_argument('--ndf', type=int, default=64, help='# of discrim filters in the first conv layer')
        parser.add_argument('--netD', type=str, default='basic', choices=['basic', 'n_layers', 'pixel'], help='discriminator architecture')
        parser.add_argument('--netG', type=str, default='resnet_9blocks', choices=['resnet_9blocks', 'resnet_6blocks', 'unet_256', 'unet_128'], help='generator architecture')
        parser.add_argument('--n_layers_D', type=int, default=3, help='only used if netD==n_layers')
        parser.add_argument('--norm', type=str, default='instance', choices=['instance', 'batch', 'none'], help='instance normalization or batch normalization')
        parser.add_argument('--init_type', type=str, default='normal', choices=['normal', 'xavier', 'kaiming', 'orthogonal'], help='network initialization')
        parser.add_argument('--init_gain', type=float, default=0.02, help='scaling factor for normal, xavier and orthogonal.')
        parser.add_argument('--no_dropout', action='store_true', help='no dropout for the generator')
        # dataset parameters
        parser.add_argument('--dataset_mode', type=str, default='unaligned', help='chooses how datasets are loaded: ' + ', '.join(data.available_datasets()))
        parser.add_argument('--direction', type=str, default='AtoB', choices=['AtoB', 'BtoA'], help='AtoB or BtoA')
        parser.add_argument('--serial_batches', action='store_true', help='if true, takes images in order to make batches, otherwise takes them randomly')
        parser.add_argument('--num_threads', default=4, type=int, help='# threads for loading data (unless given, at most the cores --torch_threads leaves: training/threads.py)')
        parser.add_argument('--torch_threads', default=0, type=int, help="torch's intra-op CPU threads; 0: as set (torch's default, OMP_NUM_THREADS), at most one per core")
        parser.add_argument('--batch_size', type=int, default=1, help='input batch size')
        parser.add_argument('--load_size', type=int, default=286, help='scale images to this size')
        parser.add_argument('--crop_size', type=int, default=256, help='then crop to this size')
        parser.add_argument('--max_dataset_size', type=int, default=float("inf"), help='Maximum number of samples allowed per dataset.')
        parser.add_argument('--preprocess', type=str, default='resize_and_crop', choices=['resize_and_crop', 'crop', 'scale_width', 'scale_width_and_crop', 'none'], help='scaling and cropping of images at load time')
        parser.add_argument('--no_flip', action='store_true', help='if specified, do not flip the images for data augmentation')
        parser.add_argument('--display_winsize', type=int, default=256, help='display window size for both visdom and HTML')
        # additional parameters
        parser.add_argument('--epoch', type=str, default='latest', help='which epoch to load? set to latest to use latest cached model')
        parser.add_argument('--load_iter', type=int, default='0', help='which iteration to load? if load_iter > 0, the code will load models by iter_[load_iter]; otherwise, the code will load models by [epoch]')
        parser.add_argument('--no_progress', action='store_true', help='no progress bars (they are drawn only on a terminal anyway); for logs')
        parser.add_argument('--verbose', action='store_true', help='if specified, print more debugging information')
        parser.add_argument('--suffix', default='', type=str, help='customized suffix: opt.name = opt.name + suffix: e.g., {model}_{netG}_size{load_size}')
        return parser

    def gather_options(self, args=None):
        """Parse in rounds, as upstream: first to learn the model, then with its options added to learn
        the data set (a model may change --dataset_mode's default), then with the data set's options.
        Presets are resolved last, against the options the command line gives."""
        parser = _Parser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        parser = self.initialize(parser)
        opt, _ = parser.parse_known_args(args)
        parser = models.get_option_setter(opt.model)(parser, self.isTrain)
        opt, _ = parser.parse_known_args(args)
        parser = data.get_option_setter(opt.dataset_mode)(parser, self.isTrain)
        self.parser = parser
        opt = parser.parse_args(args)
        opt.explicit = self._explicit_options(parser, args)
        pair_supervision.apply_preset(opt)
        return opt

    @staticmethod
    def _explicit_options(parser, args):
        """Names of the options given on the command line (so a default can be told from a choice)."""
        saved = {a.dest: a.default for a in parser._actions}
        for action in parser._actions:
            action.default = argparse.SUPPRESS
        try:
            given, _ = parser.parse_known_args(args)
        finally:
            for action in parser._actions:
                action.default = saved[action.dest]
        return sorted(vars(given))

    def print_options(self, opt):
        """Print the options (marking non-defaults); save_options writes them once the run starts."""
        lines = ['----------------- Options ---------------']
        for k, v in resolved(opt).items():
            default = self.parser.get_default(k)
            comment = f'\t[default: {default}]' if v != default else ''
            lines.append(f'{k:>25}: {str(v):<30}{comment}')
        lines.append('----------------- End -------------------')
        self.message = '\n'.join(lines)
        if distributed.is_main():  # under torchrun, one copy on the console
            print(self.message)

    def save_options(self, opt):
        """Write the printed options to <checkpoints_dir>/<name>/<phase>_opt.txt, for people, and
        their values to <phase>_opt.json, for tools (options_file). The entry scripts call it only
        once the data, the model and any checkpoint have been checked, so a command that fails
        leaves the experiment's folder as it was (temporary files a killed run left there are
        tidied where the folder is first read: training/resume.py for train.py, test.py itself)."""
        if distributed.is_main():
            expr_dir = os.path.join(opt.checkpoints_dir, opt.name)
            util.mkdirs(expr_dir)
            util.atomic_write_text(os.path.join(expr_dir, f'{opt.phase}_opt.txt'), self.message + '\n')
            util.atomic_write_text(options_file(expr_dir, opt.phase), json.dumps(resolved(opt), indent=1, default=str) + '\n')

    def parse(self, args=None):
        """Parse `args` (default: sys.argv[1:]), check the values, and set up gpu_ids and the seed."""
        opt = self.gather_options(args)
        opt.isTrain = self.isTrain
        if opt.suffix:
            opt.name = opt.name + '_' + opt.suffix.format(**vars(opt))
        self.validate(opt)
        opt.gpu_ids, opt.device = parse_gpu_ids(opt.gpu_ids)
        self.print_options(opt)
        if opt.seed is not None:
            util.seed_everything(opt.seed)
        self.opt = opt
        return self.opt

    def validate(self, opt):
        """Catch option values that would otherwise fail deep inside training."""
        positive = ['batch_size', 'load_size', 'crop_size', 'ngf', 'ndf', 'display_winsize']
        for name in positive:
            if getattr(opt, name) <= 0:
                raise UserError(f'--{name} must be positive, got {getattr(opt, name)}')
        for name in ('num_threads', 'torch_threads'):
            if getattr(opt, name) < 0:
                raise UserError(f'--{name} must be >= 0, got {getattr(opt, name)}')
        if not opt.max_dataset_size >= 1:
            raise UserError(f'--max_dataset_size must be at least 1, got {opt.max_dataset_size}')
        if opt.name in ('', '.', '..') or '/' in opt.name or os.sep in opt.name:
            raise UserError(f'--name {opt.name!r}: the experiment needs a folder name of its own inside '
                            f'--checkpoints_dir (not empty, no / or ..)')
        if opt.dataroot is None:
            raise UserError('--dataroot is required (a folder with trainA/trainB, or train/ for aligned data)')
        if 'crop' in opt.preprocess and opt.crop_size > opt.load_size and opt.preprocess != 'crop':
            raise UserError(f'--crop_size {opt.crop_size} is larger than --load_size {opt.load_size}')
        unet_side = {'unet_128': 128, 'unet_256': 256}.get(opt.netG)
        if unet_side and opt.preprocess != 'none' and opt.crop_size % unet_side:
            raise UserError(f'--netG {opt.netG} needs --crop_size a multiple of {unet_side}, got {opt.crop_size}; '
                            f'use --netG resnet_9blocks for other sizes')


def resolved(opt):
    """{option: value}, sorted, as printed and saved (without the bookkeeping of which were given)."""
    return {k: v for k, v in sorted(vars(opt).items()) if k != 'explicit'}


def options_file(run_dir, phase='train'):
    """Where save_options leaves the values of a run's options for tools to read back."""
    return os.path.join(run_dir, f'{phase}_opt.json')


def parse_gpu_ids(text):
    """'0,1' -> ([0, 1], cuda:0); '-1' -> ([], cpu). Without CUDA, warn once and use the CPU."""
    try:
        ids = [int(t) for t in str(text).split(',') if t.strip() != '']
    except ValueError:
        raise UserError(f'--gpu_ids must be comma-separated integers or -1, got {text!r}') from None
    ids = [i for i in ids if i >= 0]
    if ids and not torch.cuda.is_available():
        print(f'warning: --gpu_ids {text} but CUDA is not available; running on the CPU', file=sys.stderr)
        ids = []
    if ids:
        count = torch.cuda.device_count()
        missing = [i for i in ids if i >= count]
        if missing:
            raise UserError(f'--gpu_ids {text} names GPU {missing[0]}, but this machine has {count} (0..{count - 1})')
        torch.cuda.set_device(ids[0])
    return ids, torch.device(f'cuda:{ids[0]}' if ids else 'cpu')
