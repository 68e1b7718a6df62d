"""Explicit-pair supervision: what a model does with the pair a batch carries under --explicit_pairs.

The data set serves one known pair (x_a, x_b) beside the unpaired images (data/pairs.py); the model
options here say how it is used: --lambda_pair weighs a paired L1 term on both translations, and
--lambda_pair_gan a pair discriminator per direction, a conditional PatchGAN (pix2pix's D) that sees
an image and its counterpart side by side: (x, y) is real, (x, G(x)) fake. Together they are the
explicit-supervision baseline against which the implicit use of the same pairs is compared.

A model calls, in this order:
    __init__:      PairSupervision(self, opt, translate), last (after its optimizers), where
                   translate(x_a, x_b) returns (x_a in B, x_b in A) made by the model's generators
    set_input:     self.pairs.set_input(input, AtoB)
    G step:        self.pairs.add_to(loss_G), after its own terms
    after its D:   self.pairs.step_D()
The loss names are declared at construction: 'pair' and 'pair_GAN' are logged UNWEIGHTED (the L1
distance and the adversarial term as they are, summed over both directions; G's loss adds them
times --lambda_pair and --lambda_pair_gan), and 'D_pair' is the pair discriminators' loss.
The nets are fetched by name each time, so a wrapper that setup() puts in their place is the one used.
"""
import itertools

import torch

from util.errors import UserError
from . import networks
from .gan_options import GANTerms

# --pair_supervision presets, applied by the options after parsing to the options not given.
PRESETS = {'full': dict(explicit_pairs=True, lambda_pair=0.5, lambda_pair_gan=1.0)}


def add_pair_options(parser):
    """The options of a model that can use explicit pairs (training only)."""
    parser.add_argument('--lambda_pair', type=float, default=10.0, help='weight of the paired L1 term (--explicit_pairs)')
    parser.add_argument('--lambda_pair_gan', type=float, default=0.0,
                        help='weight of the pair discriminator (--explicit_pairs): a conditional PatchGAN on (x, y) '
                             'side by side, the pair real and (x, G(x)) fake; 0 turns it off')
    parser.add_argument('--pair_supervision', type=str, default=None, choices=sorted(PRESETS),
                        help='preset: full = the full explicit-supervision baseline: --explicit_pairs with '
                             '--lambda_pair 0.5 and --lambda_pair_gan 1, beside the model\'s own losses at their '
                             'defaults; options given on the command line win')
    return parser


def apply_preset(opt):
    """Set the options of the --pair_supervision preset that the command line does not give."""
    name = getattr(opt, 'pair_supervision', None)
    if name is None:
        return
    if not hasattr(opt, 'explicit_pairs'):
        raise UserError(f'--pair_supervision {name} needs --explicit_pairs, which only --dataset_mode unaligned has')
    for key, value in PRESETS[name].items():
        if key not in opt.explicit:
            setattr(opt, key, value)


class PairSupervision:
    """The pair terms of one model, its pair discriminators with their GAN criteria and optimizer."""

    def __init__(self, model, opt, translate):
        self.model, self.translate, self.pair = model, translate, None
        self.weights, self.names = {}, []
        if not (opt.isTrain and getattr(opt, 'explicit_pairs', False)):  # a data set option, as served
            if opt.isTrain and opt.lambda_pair_gan:
                raise UserError('--lambda_pair_gan needs --explicit_pairs: the pair discriminator trains on the injected pairs')
            return
        for name in ('lambda_pair', 'lambda_pair_gan'):
            if getattr(opt, name) < 0:
                raise UserError(f'--{name} must be >= 0, got {getattr(opt, name)}')
        self.weights['pair'] = opt.lambda_pair
        self.criterion = torch.nn.L1Loss()
        if opt.lambda_pair_gan:
            self.weights['pair_GAN'] = opt.lambda_pair_gan
            self._add_discriminators(opt)
        model.loss_names += list(self.weights) + (['D_pair'] if self.names else [])

    def _add_discriminators(self, opt):
        """D_pair_AB judges A->B, D_pair_BA B->A; registered in model_names and model.optimizers."""
        model = self.model
        self.names = ['D_pair_AB', 'D_pair_BA']
        gpu_ids = getattr(model, 'gpu_ids', None)  # the late-2025 API has none
        extra = [] if gpu_ids is None else [gpu_ids]
        for name, x_nc, y_nc in zip(self.names, (opt.input_nc, opt.output_nc), (opt.output_nc, opt.input_nc)):
            net = networks.define_D(x_nc + y_nc, opt.ndf, opt.netD, opt.n_layers_D, opt.norm, opt.init_type,
                                    opt.init_gain, *extra)
            setattr(model, 'net' + name, net)
        model.model_names += self.names
        self.gan = GANTerms(opt, model.device, paired=True)  # (x, y) and (x, G(x))
        self.optimizer = torch.optim.Adam(itertools.chain(*(n.parameters() for n in self.nets())),
                                          lr=opt.lr, betas=(opt.beta1, 0.999))
        model.optimizers.append(self.optimizer)

    def nets(self):
        return [getattr(self.model, 'net' + name) for name in self.names]

    def set_input(self, input, AtoB):
        """Keep the batch's pair (x_a, x_b), honouring the direction; None when it carries none."""
        keys = ('pair_A', 'pair_B') if AtoB else ('pair_B', 'pair_A')
        self.pair = [input[k].to(self.model.device) for k in keys] if self.weights and 'pair_A' in input else None

    def add_to(self, loss_G):
        """G's loss plus the weighted pair terms (the loss unchanged without a pair); logs them unweighted."""
        if self.pair is None:
            return loss_G
        x_a, x_b = self.pair
        self.fake_B, self.fake_A = self.translate(x_a, x_b)
        loss_G = self._add(loss_G, 'pair', self.criterion(self.fake_B, x_b) + self.criterion(self.fake_A, x_a))
        if self.names:
            loss_G = self._add(loss_G, 'pair_GAN', self._generator_loss())
        return loss_G

    def _add(self, loss_G, name, term):
        setattr(self.model, 'loss_' + name, term.detach())
        return loss_G + self.weights[name] * term

    def triples(self):
        """(x, y, translation of x) of the pair, A->B then B->A."""
        x_a, x_b = self.pair
        return [(x_a, x_b, self.fake_B), (x_b, x_a, self.fake_A)]

    def _generator_loss(self):
        """Sum over directions of the adversarial term on (x, G(x)) (plus feature matching if on).
        The pair discriminators are frozen first, so G's backward leaves them no gradient."""
        self.model.set_requires_grad(self.nets(), False)
        loss = 0.0
        for net, (x, y, fake) in zip(self.nets(), self.triples()):
            real_pair, fake_pair = torch.cat((x, y), 1), torch.cat((x, fake), 1)
            loss = loss + self.gan.criterionG(net(fake_pair), True) + self.gan.G_extra(net, real_pair, fake_pair)
        return loss

    def step_D(self):
        """One optimizer step of the pair discriminators, if any: (x, y) -> real, (x, G(x)) detached
        -> fake; their summed loss is logged as D_pair."""
        if not self.names or self.pair is None:
            return
        self.model.set_requires_grad(self.nets(), True)
        self.optimizer.zero_grad()
        loss = 0.0
        for net, (x, y, fake) in zip(self.nets(), self.triples()):
            real_pair, fake_pair = torch.cat((x, y), 1), torch.cat((x, fake.detach()), 1)
            loss = loss + 0.5 * (self.gan.criterionD(net(real_pair), True) + self.gan.criterionD(net(fake_pair), False))
            loss = loss + self.gan.D_extra(net, real_pair, fake_pair)
        loss.backward()
        self.optimizer.step()
        self.model.loss_D_pair = loss.detach()
