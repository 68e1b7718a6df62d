"""Upstream's network API (names and signatures kept): norm layers, initialisation, the
define_G / define_D factories and learning-rate schedulers. The architectures themselves
live in generators.py, discriminators.py and losses.py and are re-exported here."""
import functools
import math

import torch
import torch.nn as nn
from torch.nn import init
from torch.optim import lr_scheduler

from .discriminators import NLayerDiscriminator, PixelDiscriminator
from .generators import ResnetBlock, ResnetGenerator, UnetGenerator, UnetSkipConnectionBlock
from .losses import GANLoss, cal_gradient_penalty

__all__ = ['Identity', 'get_norm_layer', 'get_scheduler', 'init_weights', 'init_net', 'define_G', 'define_D',
           'GANLoss', 'cal_gradient_penalty', 'ResnetGenerator', 'ResnetBlock', 'UnetGenerator',
           'UnetSkipConnectionBlock', 'NLayerDiscriminator', 'PixelDiscriminator']


Identity = nn.Identity  # upstream's name; it ignores the channel count a norm layer is built with


def get_norm_layer(norm_type='instance'):
    """batch: learnable affine + running stats; instance: neither (as in CycleGAN); none: identity."""
    if norm_type == 'batch':
        return functools.partial(nn.BatchNorm2d, affine=True, track_running_stats=True)
    if norm_type == 'instance':
        return functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)
    if norm_type == 'none':
        return Identity
    raise NotImplementedError(f'normalization layer [{norm_type}] is not found')


def get_scheduler(optimizer, opt):
    """Learning-rate schedule by --lr_policy, stepped once per epoch after the optimizer steps.
    cosine spans all n_epochs + n_epochs_decay epochs, so the last one still learns; plateau
    follows the model's `metric`. The others count from --epoch_count, so a continued run
    resumes at the right learning rate."""
    start = opt.epoch_count - 1

    def linear(step):
        return 1.0 - max(0, step + start + 1 - opt.n_epochs) / float(opt.n_epochs_decay + 1)

    def step_decay(step):
        return 0.1 ** ((step + start) // opt.lr_decay_iters)

    def cosine(step):
        return 0.5 * (1 + math.cos(math.pi * (step + start) / max(1, opt.n_epochs + opt.n_epochs_decay)))

    rules = {'linear': linear, 'step': step_decay, 'cosine': cosine}
    if opt.lr_policy in rules:
        return lr_scheduler.LambdaLR(optimizer, lr_lambda=rules[opt.lr_policy])
    if opt.lr_policy == 'plateau':
        return lr_scheduler.ReduceLROnPlateau(optimizer, mode='min', factor=0.2, threshold=0.01, patience=5)
    raise NotImplementedError(f'learning rate policy [{opt.lr_policy}] is not implemented')


def init_weights(net, init_type='normal', init_gain=0.02):
    """Conv/Linear weights by `init_type`, biases 0; BatchNorm scale ~ N(1, gain)."""
    def init_func(m):
        classname = m.__class__.__name__
        if hasattr(m, 'weight') and (classname.find('Conv') != -1 or classname.find('Linear') != -1):
            if init_type == 'normal':
                init.normal_(m.weight.data, 0.0, init_gain)
            elif init_type == 'xavier':
                init.xavier_normal_(m.weight.data, gain=init_gain)
            elif init_type == 'kaiming':
                init.kaiming_normal_(m.weight.data, a=0, mode='fan_in')
            elif init_type == 'orthogonal':
                init.orthogonal_(m.weight.data, gain=init_gain)
            else:
                raise NotImplementedError(f'initialization method [{init_type}] is not implemented')
            if getattr(m, 'bias', None) is not None:
                init.constant_(m.bias.data, 0.0)
        elif classname.find('BatchNorm2d') != -1:
            init.normal_(m.weight.data, 1.0, init_gain)
            init.constant_(m.bias.data, 0.0)

    net.apply(init_func)


def init_net(net, init_type='normal', init_gain=0.02, gpu_ids=()):
    """Move to the first GPU of `gpu_ids` (DataParallel over several), then initialise."""
    if len(gpu_ids) > 0:
        assert torch.cuda.is_available()
        net.to(gpu_ids[0])
        if len(gpu_ids) > 1:
            net = torch.nn.DataParallel(net, gpu_ids)
    init_weights(net, init_type, init_gain=init_gain)
    return net


def define_G(input_nc, output_nc, ngf, netG, norm='batch', use_dropout=False, init_type='normal', init_gain=0.02, gpu_ids=()):
    """A generator: resnet_9blocks / resnet_6blocks (sides multiple of 4) or unet_256 / unet_128."""
    norm_layer = get_norm_layer(norm_type=norm)
    if netG == 'resnet_9blocks':
        net = ResnetGenerator(input_nc, output_nc, ngf, norm_layer=norm_layer, use_dropout=use_dropout, n_blocks=9)
    elif netG == 'resnet_6blocks':
        net = ResnetGenerator(input_nc, output_nc, ngf, norm_layer=norm_layer, use_dropout=use_dropout, n_blocks=6)
    elif netG == 'unet_128':
        net = UnetGenerator(input_nc, output_nc, 7, ngf, norm_layer=norm_layer, use_dropout=use_dropout)
    elif netG == 'unet_256':
        net = UnetGenerator(input_nc, output_nc, 8, ngf, norm_layer=norm_layer, use_dropout=use_dropout)
    else:
        raise NotImplementedError(f'Generator model name [{netG}] is not recognized')
    return init_net(net, init_type, init_gain, gpu_ids)


def define_D(input_nc, ndf, netD, n_layers_D=3, norm='batch', init_type='normal', init_gain=0.02, gpu_ids=()):
    """A discriminator: basic (70x70 PatchGAN), n_layers (PatchGAN of n_layers_D) or pixel (1x1)."""
    norm_layer = get_norm_layer(norm_type=norm)
    if netD == 'basic':
        net = NLayerDiscriminator(input_nc, ndf, n_layers=3, norm_layer=norm_layer)
    elif netD == 'n_layers':
        net = NLayerDiscriminator(input_nc, ndf, n_layers_D, norm_layer=norm_layer)
    elif netD == 'pixel':
        net = PixelDiscriminator(input_nc, ndf, norm_layer=norm_layer)
    else:
        raise NotImplementedError(f'Discriminator model name [{netD}] is not recognized')
    return init_net(net, init_type, init_gain, gpu_ids)
