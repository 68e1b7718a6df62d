"""CrossNet: unpaired translation with latent cross-consistency (Sendik, Lischinski, Cohen-Or, 2019).

Two encoder-decoder generators (E_ab, Dec_b) and (E_ba, Dec_a) whose latent spaces are linked by two
cross-translators T_ab: Z_A -> Z_B and T_ba: Z_B -> Z_A, used only in training (paper, section 3).

This file is a drop-in plug-in: it imports only what the upstream pytorch-CycleGAN-and-pix2pix toolkit
has, so it runs unchanged in that toolkit's models/ folder as well as in ours. Our toolkit's extras
(GAN training options, explicit-pair supervision) are used where present; upstream has neither module,
and there plain stand-ins take their place: upstream's GANLoss, no extra options, no pairs.
"""
import itertools

import torch

from util.image_pool import ImagePool
from . import networks
from .base_model import BaseModel

try:  # our toolkit: --real_label, --lambda_feat, --gan_mode wgangp with --lambda_gp; --lambda_pair(_gan)
    from .gan_options import GANTerms, add_gan_options
    from .pair_supervision import PairSupervision, add_pair_options
except ModuleNotFoundError as missing:  # only their absence: an error inside them is raised
    if missing.name not in (__package__ + '.gan_options', __package__ + '.pair_supervision'):
        raise

    def add_gan_options(parser):
        return parser
    add_pair_options = add_gan_options

    class GANTerms:
        """Upstream's GANLoss for G and Q alike, and no extra terms."""
        lambda_feat = 0.0

        def __init__(self, opt, device):
            self.criterionG = self.criterionD = networks.GANLoss(opt.gan_mode).to(device)

        def D_extra(self, netD, real, fake):
            return 0.0

    class PairSupervision:
        """Upstream's data sets serve no pairs: nothing to add, nothing to step."""

        def __init__(self, model, opt, translate):
            pass

        def set_input(self, input, AtoB):
            pass

        def add_to(self, loss_G):
            return loss_G

        def step_D(self):
            pass


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

    The drop-in contract needs it: upstream's options offer no step after parsing, but they parse
    again after the model adds its options (as ours do, to learn the model's --dataset_mode), so the
    final parse sees the preset as defaults and explicit --lambda_* still win, also when the options
    are parsed from a list (unlike reading sys.argv, CUT's way).
    """
    def preset(mode):
        if mode not in PRESETS:
            raise ValueError(mode)
        parser.set_defaults(**PRESETS[mode])
        return mode
    return preset


def halves(generator):
    """Encoder and decoder of an upstream ResnetGenerator, split where its decoder starts (the first
    transposed conv): slices of its `model` that share its layers and keep their `N` keys."""
    layers = generator.model
    cut = next(i for i, layer in enumerate(layers) if isinstance(layer, torch.nn.ConvTranspose2d))
    return layers[:cut], layers[cut:]


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
            add_gan_options(parser)
            add_pair_options(parser)
        return parser

    def __init__(self, opt):
        BaseModel.__init__(self, opt)
        gpu_ids = getattr(self, 'gpu_ids', None)  # the late-2025 API has none, nor that argument
        self._gpu_args = [] if gpu_ids is None else [gpu_ids]
        norm_layer = networks.get_norm_layer(opt.norm)
        # G_A (A->B) and G_B are upstream's generator, so a saved G_A loads in `--model test --netG
        # resnet_9blocks`; they are exported at save time only: not in model_names, so no parameter is
        # counted, optimised or DDP-wrapped twice. init_net draws weights and wraps per the running API;
        # the halves below redraw the same shared layers, which is harmless before training.
        G_A, G_B = (networks.ResnetGenerator(i, o, opt.ngf, norm_layer=norm_layer, use_dropout=not opt.no_dropout, n_blocks=opt.n_blocks_E)
                    for i, o in ((opt.input_nc, opt.output_nc), (opt.output_nc, opt.input_nc)))
        self.netG_A, self.netG_B = self._init(G_A), self._init(G_B)
        self.netE_ab, self.netDec_b = (self._init(half) for half in halves(G_A))
        self.netE_ba, self.netDec_a = (self._init(half) for half in halves(G_B))
        self.model_names = ['E_ab', 'Dec_b', 'E_ba', 'Dec_a']
        self.visual_names = ['real_A', 'fake_B', 'real_B', 'fake_A']
        if self.isTrain:
            # the translators' blocks follow the generator's bias rule, read off its first conv
            self._setup_training(opt, norm_layer, conv_bias=G_A.model[1].bias is not None)
        self.pairs = PairSupervision(self, opt, self.translate)

    def _setup_training(self, opt, norm_layer, conv_bias):
        """Loss weights, translators, discriminators, criteria and optimizers."""
        self.weights = {t: getattr(opt, 'lambda_' + t) for t in TERMS if getattr(opt, 'lambda_' + t) > 0}
        if not self.weights:
            raise ValueError('crossnet: every --lambda_* is 0, so the generators have nothing to learn')
        if opt.input_nc != opt.output_nc and ({'Id', 'CTC'} & set(self.weights)):
            raise ValueError('crossnet: --lambda_Id/--lambda_CTC feed A images to E_ba, so --input_nc must equal --output_nc')
        latent = opt.ngf * 4
        for name in ('T_ab', 'T_ba'):
            blocks = [networks.ResnetBlock(latent, 'reflect', norm_layer, not opt.no_dropout, conv_bias) for _ in range(opt.n_blocks_T)]
            setattr(self, 'net' + name, self._init(torch.nn.Sequential(*blocks)))
        self.netQ_a = networks.define_D(opt.input_nc, opt.ndf, opt.netD, opt.n_layers_D, opt.norm, opt.init_type, opt.init_gain, *self._gpu_args)
        self.netQ_b = networks.define_D(opt.output_nc, opt.ndf, opt.netD, opt.n_layers_D, opt.norm, opt.init_type, opt.init_gain, *self._gpu_args)
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
        self.gan = GANTerms(opt, self.device)
        self.criterionGAN, self.criterionQ = self.gan.criterionG, self.gan.criterionD
        if 'GAN' in self.weights and self.gan.lambda_feat > 0:
            self.weights['feat'] = 1.0  # G_extra already carries --lambda_feat
            self.loss_names.insert(self.loss_names.index('GAN') + 1, 'feat')
        self.criterionL1 = torch.nn.L1Loss()
        generator = [self.netE_ab, self.netE_ba, self.netDec_a, self.netDec_b, self.netT_ab, self.netT_ba]
        self.optimizer_G = torch.optim.Adam(itertools.chain(*(n.parameters() for n in generator)), lr=opt.lr, betas=(opt.beta1, 0.999))
        self.optimizer_D = torch.optim.Adam(itertools.chain(self.netQ_a.parameters(), self.netQ_b.parameters()), lr=opt.lr, betas=(opt.beta1, 0.999))
        self.optimizers = [self.optimizer_G, self.optimizer_D]

    def _init(self, net):
        return networks.init_net(net, self.opt.init_type, self.opt.init_gain, *self._gpu_args)

    def set_input(self, input):
        AtoB = self.opt.direction == 'AtoB'
        self.real_A = input['A' if AtoB else 'B'].to(self.device)
        self.real_B = input['B' if AtoB else 'A'].to(self.device)
        self.image_paths = input['A_paths' if AtoB else 'B_paths']
        self.pairs.set_input(input, AtoB)

    def forward(self):
        """The two test-time translations; z_b lives in Z_B (E_ab's code space), z_a in Z_A."""
        self.z_b = self.netE_ab(self.real_A)
        self.fake_B = self.netDec_b(self.z_b)
        self.z_a = self.netE_ba(self.real_B)
        self.fake_A = self.netDec_a(self.z_a)

    def translate(self, x_a, x_b):
        """x_a translated to B and x_b to A, as at test time."""
        return self.netDec_b(self.netE_ab(x_a)), self.netDec_a(self.netE_ba(x_b))

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
        return T

    def backward_G(self):
        terms = self.generator_terms()
        for name, value in terms.items():
            setattr(self, 'loss_' + name, value.detach())  # for display: keeps no graph alive
        self.loss_G = self.pairs.add_to(sum(self.weights[name] * value for name, value in terms.items()))
        self.loss_G.backward()

    def backward_Q(self, Q, real, fake):
        """Discriminator loss (LSGAN by default) on a real image and a pooled (history) fake, plus
        the WGAN-GP gradient penalty where our toolkit's options ask for it."""
        loss = 0.5 * (self.criterionQ(Q(real), True) + self.criterionQ(Q(fake.detach()), False))
        loss = loss + self.gan.D_extra(Q, real, fake)
        loss.backward()
        return loss.detach()

    def optimize_parameters(self):
        self.forward()
        self.set_requires_grad([self.netQ_a, self.netQ_b], False)  # the G step must not train Q
        self.optimizer_G.zero_grad()
        self.backward_G()
        self.optimizer_G.step()
        if 'GAN' in self.weights:
            self.set_requires_grad([self.netQ_a, self.netQ_b], True)
            self.optimizer_D.zero_grad()
            self.loss_D_a = self.backward_Q(self.netQ_a, self.real_A, self.fake_A_pool.query(self.fake_A))
            self.loss_D_b = self.backward_Q(self.netQ_b, self.real_B, self.fake_B_pool.query(self.fake_B))
            self.optimizer_D.step()
        self.pairs.step_D()

    def save_networks(self, epoch):
        """Save every trained net, then the composed generators as G_A / G_B for single-direction
        inference (`--model test --model_suffix _A`), through BaseModel so naming and devices match."""
        BaseModel.save_networks(self, epoch)
        trained, self.model_names = self.model_names, ['G_A', 'G_B']
        try:
            BaseModel.save_networks(self, epoch)
        finally:
            self.model_names = trained
