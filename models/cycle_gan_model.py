import itertools

import torch

from util.errors import UserError
from util.image_pool import ImagePool
from .base_model import BaseModel
from . import networks
from .gan_options import GANTerms, add_gan_options
from .pair_supervision import PairSupervision, add_pair_options


class CycleGANModel(BaseModel):
    """CycleGAN (Zhu et al. 2017): G_A: A->B, G_B: B->A, discriminators D_A (on B) and D_B (on A),
    LSGAN, cycle loss lambda_A/lambda_B and identity loss lambda_identity (times the cycle weight).
    With --explicit_pairs the batch's pair is supervised too (models/pair_supervision.py).
    Runs with --dataset_mode unaligned and no dropout by default, as upstream."""

    @staticmethod
    def modify_commandline_options(parser, is_train=True):
        parser.set_defaults(no_dropout=True)
        if is_train:
            parser.add_argument('--lambda_A', type=float, default=10.0, help='weight for cycle loss (A -> B -> A)')
            parser.add_argument('--lambda_B', type=float, default=10.0, help='weight for cycle loss (B -> A -> B)')
            parser.add_argument('--lambda_identity', type=float, default=0.5,
                                help='identity loss weight, relative to the cycle weights; 0 turns it off')
            add_gan_options(parser)
            add_pair_options(parser)
        return parser

    def __init__(self, opt):
        BaseModel.__init__(self, opt)
        self.loss_names = ['D_A', 'G_A', 'cycle_A', 'idt_A', 'D_B', 'G_B', 'cycle_B', 'idt_B']
        visual_names_A = ['real_A', 'fake_B', 'rec_A']
        visual_names_B = ['real_B', 'fake_A', 'rec_B']
        self.use_identity = self.isTrain and opt.lambda_identity > 0.0
        if self.use_identity:
            visual_names_A.append('idt_B')
            visual_names_B.append('idt_A')
        else:
            self.loss_names = [n for n in self.loss_names if not n.startswith('idt')]
        self.visual_names = visual_names_A + visual_names_B
        self.model_names = ['G_A', 'G_B', 'D_A', 'D_B'] if self.isTrain else ['G_A', 'G_B']

        self.netG_A = networks.define_G(opt.input_nc, opt.output_nc, opt.ngf, opt.netG, opt.norm,
                                        not opt.no_dropout, opt.init_type, opt.init_gain, self.gpu_ids)
        self.netG_B = networks.define_G(opt.output_nc, opt.input_nc, opt.ngf, opt.netG, opt.norm,
                                        not opt.no_dropout, opt.init_type, opt.init_gain, self.gpu_ids)
        if self.isTrain:
            self.netD_A = networks.define_D(opt.output_nc, opt.ndf, opt.netD, opt.n_layers_D, opt.norm,
                                            opt.init_type, opt.init_gain, self.gpu_ids)
            self.netD_B = networks.define_D(opt.input_nc, opt.ndf, opt.netD, opt.n_layers_D, opt.norm,
                                            opt.init_type, opt.init_gain, self.gpu_ids)
            if self.use_identity and opt.input_nc != opt.output_nc:
                raise UserError(f'the identity loss needs --input_nc == --output_nc (got {opt.input_nc}, {opt.output_nc}); '
                                'set --lambda_identity 0')
            self.fake_A_pool = ImagePool(opt.pool_size)
            self.fake_B_pool = ImagePool(opt.pool_size)
            self.gan = GANTerms(opt, self.device)  # label smoothing, feature matching, gradient penalty
            self.criterionGAN = self.gan.criterionG
            self.criterionCycle = torch.nn.L1Loss()
            self.criterionIdt = torch.nn.L1Loss()
            self.optimizer_G = torch.optim.Adam(itertools.chain(self.netG_A.parameters(), self.netG_B.parameters()),
                                                lr=opt.lr, betas=(opt.beta1, 0.999))
            self.optimizer_D = torch.optim.Adam(itertools.chain(self.netD_A.parameters(), self.netD_B.parameters()),
                                                lr=opt.lr, betas=(opt.beta1, 0.999))
            self.optimizers = [self.optimizer_G, self.optimizer_D]
        self.pairs = PairSupervision(self, opt, lambda x_a, x_b: (self.netG_A(x_a), self.netG_B(x_b)))

    def set_input(self, input):
        AtoB = self.opt.direction == 'AtoB'
        self.real_A = input['A' if AtoB else 'B'].to(self.device)
        self.real_B = input['B' if AtoB else 'A'].to(self.device)
        self.image_paths = input['A_paths' if AtoB else 'B_paths']
        self.pairs.set_input(input, AtoB)

    def forward(self):
        self.fake_B = self.netG_A(self.real_A)
        self.rec_A = self.netG_B(self.fake_B)
        self.fake_A = self.netG_B(self.real_B)
        self.rec_B = self.netG_A(self.fake_A)

    def backward_D_basic(self, netD, real, fake):
        """Real -> 1 (or --real_label), fake (detached) -> 0, averaged; the 0.5 slows D relative to G."""
        loss_D = (self.gan.criterionD(netD(real), True) + self.gan.criterionD(netD(fake.detach()), False)) * 0.5
        loss_D = loss_D + self.gan.D_extra(netD, real, fake)
        loss_D.backward()
        return loss_D

    def backward_D_A(self):
        self.loss_D_A = self.backward_D_basic(self.netD_A, self.real_B, self.fake_B_pool.query(self.fake_B))

    def backward_D_B(self):
        self.loss_D_B = self.backward_D_basic(self.netD_B, self.real_A, self.fake_A_pool.query(self.fake_A))

    def backward_G(self):
        lambda_idt = self.opt.lambda_identity
        lambda_A = self.opt.lambda_A
        lambda_B = self.opt.lambda_B
        loss_idt = 0
        if self.use_identity:
            self.idt_A = self.netG_A(self.real_B)
            self.loss_idt_A = self.criterionIdt(self.idt_A, self.real_B) * lambda_B * lambda_idt
            self.idt_B = self.netG_B(self.real_A)
            self.loss_idt_B = self.criterionIdt(self.idt_B, self.real_A) * lambda_A * lambda_idt
            loss_idt = self.loss_idt_A + self.loss_idt_B
        self.loss_G_A = self.criterionGAN(self.netD_A(self.fake_B), True) + self.gan.G_extra(self.netD_A, self.real_B, self.fake_B)
        self.loss_G_B = self.criterionGAN(self.netD_B(self.fake_A), True) + self.gan.G_extra(self.netD_B, self.real_A, self.fake_A)
        self.loss_cycle_A = self.criterionCycle(self.rec_A, self.real_A) * lambda_A
        self.loss_cycle_B = self.criterionCycle(self.rec_B, self.real_B) * lambda_B
        self.loss_G = self.loss_G_A + self.loss_G_B + self.loss_cycle_A + self.loss_cycle_B + loss_idt
        self.loss_G = self.pairs.add_to(self.loss_G)
        self.loss_G.backward()

    def optimize_parameters(self):
        self.forward()
        self.set_requires_grad([self.netD_A, self.netD_B], False)
        self.optimizer_G.zero_grad()
        self.backward_G()
        self.optimizer_G.step()
        self.set_requires_grad([self.netD_A, self.netD_B], True)
        self.optimizer_D.zero_grad()
        self.backward_D_A()
        self.backward_D_B()
        self.optimizer_D.step()
        self.pairs.step_D()
