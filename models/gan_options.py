"""GAN training options any model with a discriminator can take: one-sided label smoothing
(--real_label), feature matching (--lambda_feat) and the WGAN-GP gradient penalty (--lambda_gp).

A model adds them with `add_gan_options(parser)` in modify_commandline_options (training only),
makes `self.gan = GANTerms(opt, self.device)` (`paired=True` when the real and generated images it
hands to G_extra correspond pixel by pixel, as pix2pix's (A, B) pairs do), and then
    D:  criterion self.gan.criterionD (smoothed real label), plus self.gan.D_extra(netD, real, fake)
    G:  criterion self.gan.criterionG (hard labels), plus self.gan.G_extra(netD, real, fake)
At their defaults every extra term is the float 0.0 and nothing more is computed, so a step
is bitwise the step without these options.
"""
import contextlib

import torch

from util.errors import UserError
from .losses import GANLoss, cal_gradient_penalty, discriminator_features

WGANGP_DEFAULT_LAMBDA = 10.0


def add_gan_options(parser):
    parser.add_argument('--real_label', type=float, default=1.0,
                        help='target of real images for the discriminator; 0.9 gives one-sided label smoothing '
                             '(Salimans et al. 2016). The generator keeps the hard label 1')
    parser.add_argument('--lambda_feat', type=float, default=0.0,
                        help='weight of feature matching, added to the generator loss: L1 between the discriminator '
                             'features (its LeakyReLU outputs) of real and generated images, position by position '
                             'for paired models (pix2pix), per-channel means for unpaired ones; 0 turns it off')
    parser.add_argument('--lambda_gp', type=float, default=None,
                        help='weight of the WGAN-GP gradient penalty added to the discriminator loss '
                             f'(default: {WGANGP_DEFAULT_LAMBDA:g} with --gan_mode wgangp, else 0)')
    return parser


class GANTerms:
    """The adversarial criteria and extra terms chosen by the options of add_gan_options."""

    def __init__(self, opt, device, paired=False):
        if not 0.0 < opt.real_label <= 1.0:
            raise UserError(f'--real_label must be in (0, 1], got {opt.real_label}')
        if opt.lambda_feat < 0.0:
            raise UserError(f'--lambda_feat must be >= 0, got {opt.lambda_feat}')
        if opt.lambda_gp is not None and opt.lambda_gp < 0.0:
            raise UserError(f'--lambda_gp must be >= 0, got {opt.lambda_gp}')
        if opt.gan_mode == 'wgangp' and opt.real_label != 1.0:
            raise UserError('--real_label has no effect with --gan_mode wgangp (its loss has no labels)')
        default_gp = WGANGP_DEFAULT_LAMBDA if opt.gan_mode == 'wgangp' else 0.0
        self.lambda_gp = default_gp if opt.lambda_gp is None else opt.lambda_gp
        self.lambda_feat = opt.lambda_feat
        self.paired = paired
        self.device = device
        self.criterionD = GANLoss(opt.gan_mode, target_real_label=opt.real_label).to(device)
        self.criterionG = GANLoss(opt.gan_mode).to(device)

    def D_extra(self, netD, real, fake):
        """The gradient penalty at random interpolates of real and (detached) fake, or 0.0."""
        if self.lambda_gp == 0.0:
            return 0.0
        penalty, _ = cal_gradient_penalty(netD, real, fake.detach(), self.device, lambda_gp=self.lambda_gp)
        return penalty

    def G_extra(self, netD, real, fake):
        """lambda_feat * mean over layers of an L1 distance between the features of fake and real, or 0.0.
        Paired images (pix2pixHD): feature maps position by position. Unpaired images, whose positions
        do not correspond: each channel's mean over the batch and the image (Salimans et al. 2016)."""
        if self.lambda_feat == 0.0:
            return 0.0
        with _buffers_kept(netD):
            with torch.no_grad():
                real_features, _ = discriminator_features(netD, real)
            fake_features, _ = discriminator_features(netD, fake)
        if not self.paired:
            fake_features = [f.mean(dim=(0, 2, 3)) for f in fake_features]
            real_features = [r.mean(dim=(0, 2, 3)) for r in real_features]
        matching = sum(torch.nn.functional.l1_loss(f, r) for f, r in zip(fake_features, real_features))
        return matching * (self.lambda_feat / len(fake_features))


@contextlib.contextmanager
def _buffers_kept(net):
    """Let extra passes update copies of the buffers (BatchNorm running statistics), so feature
    matching leaves the discriminator exactly as the adversarial term alone would. The originals
    are swapped back, not overwritten, as autograd still holds them."""
    saved = [(module, name, buffer) for module in net.modules() for name, buffer in module.named_buffers(recurse=False)]
    for module, name, buffer in saved:
        setattr(module, name, buffer.clone())
    try:
        yield
    finally:
        for module, name, buffer in saved:
            setattr(module, name, buffer)
