"""Pair discriminator (--lambda_pair_gan): adversarial use of the explicit pairs (--explicit_pairs).

A conditional PatchGAN, pix2pix's D, sees an image and its counterpart concatenated along channels:
the injected pair (x, y) is real, (x, G(x)) is fake. One discriminator per translation direction the
model has, named D_pair_<from><to> (D_pair_AB judges A->B). Together with the paired L1 term it is
the explicit-supervision baseline against which the implicit use of the same pairs is compared.

A model builds `PairGAN(self, opt, {'AB': (input_nc, output_nc), 'BA': (output_nc, input_nc)})` after
its optimizers; the helper registers its nets in model_names (saved, loaded and wrapped like the
model's own), its loss names and its optimizer. Per step the model calls `generator_loss(triples)`
inside its G loss (unweighted; the model applies --lambda_pair_gan) and then `step_D(triples)`, with
one (x, y, G(x)) triple per direction. The nets are fetched by name each time, so a wrapper that
setup() puts in their place is the one used.
"""
import itertools

import torch

from util.errors import UserError
from . import networks
from .gan_options import GANTerms


class PairGAN:
    """The pair discriminators of one model, their GAN criteria (with the GAN training options) and optimizer."""

    def __init__(self, model, opt, directions):
        if opt.lambda_pair_gan < 0:
            raise UserError(f'--lambda_pair_gan must be >= 0, got {opt.lambda_pair_gan}')
        if not opt.explicit_pairs:
            raise UserError('--lambda_pair_gan needs --explicit_pairs: the pair discriminator trains on the injected pairs')
        self.model = model
        self.names = ['D_pair_' + d for d in directions]
        gpu_ids = getattr(model, 'gpu_ids', None)  # the late-2025 API has none
        extra = [] if gpu_ids is None else [gpu_ids]
        for name, (x_nc, y_nc) in zip(self.names, directions.values()):
            net = networks.define_D(x_nc + y_nc, opt.ndf, opt.netD, opt.n_layers_D, opt.norm, opt.init_type,
                                    opt.init_gain, *extra)
            setattr(model, 'net' + name, net)
        model.model_names += self.names
        model.loss_names += ['pair_GAN', 'D_pair']
        self.gan = GANTerms(opt, model.device, paired=True)  # (x, y) and (x, G(x))
        self.optimizer = torch.optim.Adam(itertools.chain(*(n.parameters() for n in self.nets())),
                                          lr=opt.lr, betas=(opt.beta1, 0.999))
        model.optimizers.append(self.optimizer)

    def nets(self):
        return [getattr(self.model, 'net' + name) for name in self.names]

    def generator_loss(self, triples):
        """Sum over directions of the adversarial term on (x, G(x)) (plus feature matching if on).
        The pair discriminators are frozen first, so G's backward leaves them no gradient."""
        self.model.set_requires_grad(self.nets(), False)
        loss = 0.0
        for net, (x, y, fake) in zip(self.nets(), triples):
            real_pair, fake_pair = torch.cat((x, y), 1), torch.cat((x, fake), 1)
            loss = loss + self.gan.criterionG(net(fake_pair), True) + self.gan.G_extra(net, real_pair, fake_pair)
        return loss

    def step_D(self, triples):
        """One optimizer step of the pair discriminators: (x, y) -> real, (x, G(x)) detached -> fake;
        returns the summed loss (detached)."""
        self.model.set_requires_grad(self.nets(), True)
        self.optimizer.zero_grad()
        loss = 0.0
        for net, (x, y, fake) in zip(self.nets(), triples):
            real_pair, fake_pair = torch.cat((x, y), 1), torch.cat((x, fake.detach()), 1)
            loss = loss + 0.5 * (self.gan.criterionD(net(real_pair), True) + self.gan.criterionD(net(fake_pair), False))
            loss = loss + self.gan.D_extra(net, real_pair, fake_pair)
        loss.backward()
        self.optimizer.step()
        return loss.detach()
