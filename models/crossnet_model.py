"""CrossNet: unpaired translation with latent cross-consistency (Sendik, Lischinski, Cohen-Or, 2019).

Two encoder-decoder generators (E_ab, Dec_b) and (E_ba, Dec_a) whose latent spaces are linked by two
cross-translators T_ab: Z_A -> Z_B and T_ba: Z_B -> Z_A, used only in training (paper, section 3).

This file is a drop-in plug-in: it imports only what the upstream pytorch-CycleGAN-and-pix2pix toolkit
has, so it runs unchanged in that toolkit's models/ folder as well as in ours. Our toolkit's extras
(GAN training options, pair discriminator) are imported only where present; upstream has neither
module, and there the file trains with plain GANLoss and without those options.
"""
import itertools

import torch

from util.image_pool import ImagePool
from . import networks
from .base_model import BaseModel

try:  # our toolkit: --real_label, --lambda_feat, --gan_mode wgangp with --lambda_gp
    from .gan_options import GANTerms, add_gan_options
except ImportError:
    GANTerms = add_gan_options = None
try:  # our toolkit: --lambda_pair_gan on the explicit pairs
    from .pair_gan import PairGAN
except ImportError:
    PairGAN = None

# Figure 5 of the paper: GAN and Id are always on, the latent terms are added one at a time, then all three.
PRESETS = {
    'full': {},
    'gan_id': dict(lambda_CTC=0.0, lambda_ZId=0.0, lambda_ZCyc=0.0),
    'ctc': dict(lambda_ZId=0.0, lambda_ZCyc=0.0),
    'zid': dict(lambda_CTC=0.0, lambda_ZCyc=0.0),
    'zcyc': dict(lambda_CTC=0.0, lambda_ZId=0.0),
}
# Generator terms in display order; 'cycle' is the optional image-space cycle loss, not in the paper.
TERMS = ('GAN', 'Id', 'CTC', 'ZId', 'ZCyc', 'cycle')


def _preset(parser):
    """Type converter for --crossnet_mode that installs the preset's weights as parser defaults.

    The options code parses again after the model adds its options, so the final parse sees the
    preset as defaults and explicit --lambda_* still win; unlike reading sys.argv (CUT's way), this
    also works when the options are parsed from a list.
    """
    def preset(mode):
        if mode not in PRESETS:
            raise ValueError(mode)
        parser.set_defaults(**PRESETS[mode])
        return mode
    return preset


class ComposedGenerator(torch.nn.Module):
    """Encoder then decoder in one Sequential named `model`: the state_dict layout of upstream's
    ResnetGenerator, so a saved G_A loads in `--model test --netG resnet_9blocks`."""

    def __init__(self, input_nc, output_nc, ngf, norm_layer, use_dropout, n_blocks):
        super().__init__()
        nn = torch.nn
        # Upstream's rule: only instance norm (no affine shift) leaves room for conv biases.
        use_bias = getattr(norm_layer, 'func', norm_layer) is nn.InstanceNorm2d
        encoder = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, bias=use_bias), norm_layer(ngf), nn.ReLU(True)]
        for mult in (1, 2):
            encoder += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=use_bias),
                        norm_layer(ngf * mult * 2), nn.ReLU(True)]
        encoder += [networks.ResnetBlock(ngf * 4, 'reflect', norm_layer, use_dropout, use_bias) for _ in range(n_blocks)]
        decoder = []
        for mult in (4, 2):
            decoder += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1, output_padding=1, bias=use_bias),
                        norm_layer(ngf * mult // 2), nn.ReLU(True)]
        decoder += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Tanh()]
        self.model = nn.Sequential(*encoder, *decoder)
        self.n_encoder = len(encoder)

    def halves(self):
        """Encoder and decoder as slices sharing these layers; slicing keeps the `N` keys of `model`."""
        return self.model[:self.n_encoder], self.model[self.n_encoder:]

    def forward(self, x):
        return self.model(x)


class CrossNetModel(BaseModel):
    """A->B is Dec_b(E_ab(x_a)), B->A is Dec_a(E_ba(x_b)); translators and discriminators only train."""

    @staticmethod
    def modify_commandline_options(parser, is_train=True):
        """Paper defaults; --crossnet_mode picks a Figure 5 row as preset weights, explicit --lambda_* win."""
        parser.set_defaults(no_dropout=True)
        parser.add_argument('--n_blocks_E', type=int, default=9, help='residual blocks at the end of each encoder')
        if is_train:
            parser.add_argument('--n_blocks_T', type=int, default=9, help='residual blocks in each latent translator')
            parser.add_argument('--crossnet_mode', type=_preset(parser), default='full', choices=sorted(PRESETS),
                                help='ablation preset (paper Figure 5): sets the latent loss weights')
            parser.add_argument('--lambda_GAN', type=float, default=1.0, help='weight of L_GAN')
            parser.add_argument('--lambda_Id', type=float, default=3.0, help='weight of L_Id, the identity loss')
            parser.add_argument('--lambda_CTC', type=float, default=3.0, help='weight of L_CTC, latent cross-translation consistency')
            parser.add_argument('--lambda_ZId', type=float, default=6.0, help='weight of L_ZId, latent cross-identity')
            parser.add_argument('--lambda_ZCyc', type=float, default=6.0, help='weight of L_ZCyc, latent cycle consistency')
            parser.add_argument('--lambda_cycle', type=float, default=0.0, help='weight of an image-space cycle loss (not in the paper)')
            if add_gan_options is not None:
                add_gan_options(parser)
        return parser

    def __init__(self, opt):
        BaseModel.__init__(self, opt)
        norm_layer = networks.get_norm_layer(opt.norm)
        G_A = ComposedGenerator(opt.input_nc, opt.output_nc, opt.ngf, norm_layer, not opt.no_dropout, opt.n_blocks_E)
        G_B = ComposedGenerator(opt.output_nc, opt.input_nc, opt.ngf, norm_layer, not opt.no_dropout, opt.n_blocks_E)
        # G_A/G_B are exported at save time only: not in model_names, so no parameter is counted,
        # optimised or DDP-wrapped twice. init_net draws weights and wraps per the running API;
        # the slices below redraw the same shared layers, which is harmless before training.
        self.netG_A, self.netG_B = self._init(G_A), self._init(G_B)
        self.netE_ab, self.netDec_b = (self._init(half) for half in G_A.halves())
        self.netE_ba, self.netDec_a = (self._init(half) for half in G_B.halves())
        self.model_names = ['E_ab', 'Dec_b', 'E_ba', 'Dec_a']
        self.visual_names = ['real_A', 'fake_B', 'real_B', 'fake_A']
        if not self.isTrain:
            return

        self.weights = {t: getattr(opt, 'lambda_' + t) for t in TERMS if getattr(opt, 'lambda_' + t) > 0}
        if not self.weights:
            raise ValueError('crossnet: every --lambda_* is 0, so the generators have nothing to learn')
        if opt.input_nc != opt.output_nc and ({'Id', 'CTC'} & set(self.weights)):
            raise ValueError('crossnet: --lambda_Id/--lambda_CTC feed A images to E_ba, so --input_nc must equal --output_nc')
        latent = opt.ngf * 4
        use_bias = getattr(norm_layer, 'func', norm_layer) is torch.nn.InstanceNorm2d
        for name in ('T_ab', 'T_ba'):
            blocks = [networks.ResnetBlock(latent, 'reflect', norm_layer, not opt.no_dropout, use_bias) for _ in range(opt.n_blocks_T)]
            setattr(self, 'net' + name, self._init(torch.nn.Sequential(*blocks)))
        gpu_ids = getattr(self, 'gpu_ids', None)
        extra = [] if gpu_ids is None else [gpu_ids]
        self.netQ_a = networks.define_D(opt.input_nc, opt.ndf, opt.netD, opt.n_layers_D, opt.norm, opt.init_type, opt.init_gain, *extra)
        self.netQ_b = networks.define_D(opt.output_nc, opt.ndf, opt.netD, opt.n_layers_D, opt.norm, opt.init_type, opt.init_gain, *extra)
        self.model_names += ['T_ab', 'T_ba', 'Q_a', 'Q_b']

        self.loss_names = [t for t in TERMS if t in self.weights]
        if 'GAN' in self.weights:
            self.loss_names[1:1] = ['D_a', 'D_b']
        # Training visuals per direction: translation, then the reconstructions the active terms make.
        extra_visuals = [v for t, v in (('Id', 'idt'), ('ZId', 'zid'), ('cycle', 'rec')) if t in self.weights]
        self.visual_names = (['real_A', 'fake_B'] + [v + '_A' for v in extra_visuals] +
                             ['real_B', 'fake_A'] + [v + '_B' for v in extra_visuals])

        self.fake_A_pool, self.fake_B_pool = ImagePool(opt.pool_size), ImagePool(opt.pool_size)
        # G's criterion, Q's (label smoothing may soften its real target) and the extra GAN terms
        self.gan = GANTerms(opt, self.device) if GANTerms is not None else None
        self.criterionGAN = self.gan.criterionG if self.gan else networks.GANLoss(opt.gan_mode).to(self.device)
        self.criterionQ = self.gan.criterionD if self.gan else self.criterionGAN
        if 'GAN' in self.weights and self.gan and self.gan.lambda_feat > 0:
            self.weights['feat'] = 1.0  # G_extra already carries --lambda_feat
            self.loss_names.insert(self.loss_names.index('GAN') + 1, 'feat')
        self.criterionL1 = torch.nn.L1Loss()
        generator = [self.netE_ab, self.netE_ba, self.netDec_a, self.netDec_b, self.netT_ab, self.netT_ba]
        self.optimizer_G = torch.optim.Adam(itertools.chain(*(n.parameters() for n in generator)), lr=opt.lr, betas=(opt.beta1, 0.999))
        self.optimizer_D = torch.optim.Adam(itertools.chain(self.netQ_a.parameters(), self.netQ_b.parameters()), lr=opt.lr, betas=(opt.beta1, 0.999))
        self.optimizers = [self.optimizer_G, self.optimizer_D]
        self.pair_gan = None
        if PairGAN is not None and getattr(opt, 'lambda_pair_gan', 0):
            self.weights['pair_GAN'] = opt.lambda_pair_gan
            self.pair_gan = PairGAN(self, opt, {'AB': (opt.input_nc, opt.output_nc), 'BA': (opt.output_nc, opt.input_nc)})

    def _init(self, net):
        """networks.init_net with gpu_ids only where the running API has it (the late-2025 one dropped it)."""
        gpu_ids = getattr(self, 'gpu_ids', None)
        if gpu_ids is None:
            return networks.init_net(net, self.opt.init_type, self.opt.init_gain)
        return networks.init_net(net, self.opt.init_type, self.opt.init_gain, gpu_ids)

    def set_input(self, input):
        AtoB = self.opt.direction == 'AtoB'
        self.real_A = input['A' if AtoB else 'B'].to(self.device)
        self.real_B = input['B' if AtoB else 'A'].to(self.device)
        self.image_paths = input['A_paths' if AtoB else 'B_paths']
        # --explicit_pairs (our toolkit): the batch also carries one known pair, for a paired L1 term
        pair_keys = ('pair_A', 'pair_B') if AtoB else ('pair_B', 'pair_A')
        self.pair = [input[k].to(self.device) for k in pair_keys] if 'pair_A' in input else None
        if self.pair is not None and self.isTrain and 'pair' not in self.weights:
            self.weights['pair'] = self.opt.lambda_pair
            self.loss_names.append('pair')

    def forward(self):
        """The two test-time translations; z_b lives in Z_B (E_ab's code space), z_a in Z_A."""
        self.z_b = self.netE_ab(self.real_A)
        self.fake_B = self.netDec_b(self.z_b)
        self.z_a = self.netE_ba(self.real_B)
        self.fake_A = self.netDec_a(self.z_a)

    def generator_terms(self):
        """Unweighted paper terms (both directions summed); only the active ones are computed."""
        w, L1, T = self.weights, self.criterionL1, {}
        if 'GAN' in w:
            T['GAN'] = self.criterionGAN(self.netQ_b(self.fake_B), True) + self.criterionGAN(self.netQ_a(self.fake_A), True)
        if 'feat' in w:  # feature matching on Q's features (our toolkit's --lambda_feat)
            T['feat'] = self.gan.G_extra(self.netQ_b, self.real_B, self.fake_B) + self.gan.G_extra(self.netQ_a, self.real_A, self.fake_A)
        if 'Id' in w or 'CTC' in w:  # each encoder fed its own target domain
            z_a_of_a, z_b_of_b = self.netE_ba(self.real_A), self.netE_ab(self.real_B)
        if 'Id' in w:
            self.idt_A, self.idt_B = self.netDec_a(z_a_of_a), self.netDec_b(z_b_of_b)
            T['Id'] = L1(self.idt_A, self.real_A) + L1(self.idt_B, self.real_B)
        if 'CTC' in w:
            T['CTC'] = L1(self.netT_ab(z_a_of_a), self.z_b) + L1(self.netT_ba(z_b_of_b), self.z_a)
        if 'ZId' in w or 'ZCyc' in w:  # cross-translated codes: z_b -> Z_A and z_a -> Z_B
            z_a_hat, z_b_hat = self.netT_ba(self.z_b), self.netT_ab(self.z_a)
        if 'ZId' in w:
            self.zid_A, self.zid_B = self.netDec_a(z_a_hat), self.netDec_b(z_b_hat)
            T['ZId'] = L1(self.zid_A, self.real_A) + L1(self.zid_B, self.real_B)
        if 'ZCyc' in w:
            T['ZCyc'] = L1(self.netT_ab(z_a_hat), self.z_b) + L1(self.netT_ba(z_b_hat), self.z_a)
        if 'cycle' in w:
            self.rec_A, self.rec_B = self.netDec_a(self.netE_ba(self.fake_B)), self.netDec_b(self.netE_ab(self.fake_A))
            T['cycle'] = L1(self.rec_A, self.real_A) + L1(self.rec_B, self.real_B)
        if self.pair is not None:  # explicit supervision on the injected pairs, both directions
            x_a, x_b = self.pair
            self.pair_fake_B, self.pair_fake_A = self.netDec_b(self.netE_ab(x_a)), self.netDec_a(self.netE_ba(x_b))
            T['pair'] = L1(self.pair_fake_B, x_b) + L1(self.pair_fake_A, x_a)
            if self.pair_gan is not None:  # and adversarial, with the pair discriminators
                T['pair_GAN'] = self.pair_gan.generator_loss(self.pair_triples())
        return T

    def backward_G(self):
        terms = self.generator_terms()
        for name, value in terms.items():
            setattr(self, 'loss_' + name, value.detach())  # for display: keeps no graph alive
        self.loss_G = sum(self.weights[name] * value for name, value in terms.items())
        self.loss_G.backward()

    def pair_triples(self):
        """(x, y, translation of x) of the explicit pair, A->B then B->A, for the pair discriminators."""
        x_a, x_b = self.pair
        return [(x_a, x_b, self.pair_fake_B), (x_b, x_a, self.pair_fake_A)]

    def backward_Q(self, Q, real, fake):
        """Discriminator loss (LSGAN by default) on a real image and a pooled (history) fake, plus
        the WGAN-GP gradient penalty where our toolkit's options ask for it."""
        loss = 0.5 * (self.criterionQ(Q(real), True) + self.criterionQ(Q(fake.detach()), False))
        if self.gan:
            loss = loss + self.gan.D_extra(Q, real, fake)
        loss.backward()
        return loss.detach()

    def optimize_parameters(self):
        self.forward()
        self.set_requires_grad([self.netQ_a, self.netQ_b], False)  # the G step must not train Q
        self.optimizer_G.zero_grad()
        self.backward_G()
        self.optimizer_G.step()
        if self.pair_gan is not None:
            self.loss_D_pair = self.pair_gan.step_D(self.pair_triples())
        if 'GAN' not in self.weights:
            return
        self.set_requires_grad([self.netQ_a, self.netQ_b], True)
        self.optimizer_D.zero_grad()
        self.loss_D_a = self.backward_Q(self.netQ_a, self.real_A, self.fake_A_pool.query(self.fake_A))
        self.loss_D_b = self.backward_Q(self.netQ_b, self.real_B, self.fake_B_pool.query(self.fake_B))
        self.optimizer_D.step()

    def save_networks(self, epoch):
        """Save every trained net, then the composed generators as G_A / G_B for single-direction
        inference (`--model test --model_suffix _A`), through BaseModel so naming and devices match."""
        BaseModel.save_networks(self, epoch)
        trained, self.model_names = self.model_names, ['G_A', 'G_B']
        try:
            BaseModel.save_networks(self, epoch)
        finally:
            self.model_names = trained
