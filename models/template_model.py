"""How to add a model: copy this file to models/<name>_model.py and rename the class to
<Name>Model; `--model <name>` then finds it. Nothing else needs to change.

A model declares four lists and BaseModel does the rest from those names:
    loss_names   'x' -> attribute self.loss_x, printed, plotted and logged
    visual_names 'x' -> tensor self.x, shown in visdom and the HTML pages
    model_names  'X' -> network self.netX, saved as <epoch>_net_X.pth, loaded by --epoch
    optimizers   stepped by you; their schedulers are made and stepped by BaseModel

This template learns a plain regression A -> B with an L1 loss, e.g.
    python train.py --model template --dataroot ./datasets/facades --dataset_mode aligned --name template_facades
"""
import torch

from .base_model import BaseModel
from . import networks


class TemplateModel(BaseModel):
    @staticmethod
    def modify_commandline_options(parser, is_train=True):
        """Add options or change defaults; is_train tells train.py from test.py."""
        parser.set_defaults(dataset_mode='aligned')
        if is_train:
            parser.add_argument('--lambda_regression', type=float, default=1.0, help='weight of the L1 regression loss')
        return parser

    def __init__(self, opt):
        BaseModel.__init__(self, opt)
        self.loss_names = ['G']
        self.visual_names = ['data_A', 'data_B', 'output']
        self.model_names = ['G']
        self.netG = networks.define_G(opt.input_nc, opt.output_nc, opt.ngf, opt.netG, opt.norm,
                                      not opt.no_dropout, opt.init_type, opt.init_gain, self.gpu_ids)
        if self.isTrain:
            self.criterionLoss = torch.nn.L1Loss()
            self.optimizer = torch.optim.Adam(self.netG.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
            self.optimizers = [self.optimizer]

    def set_input(self, input):
        """Take what the data set returns; --direction swaps the roles of A and B."""
        AtoB = self.opt.direction == 'AtoB'
        self.data_A = input['A' if AtoB else 'B'].to(self.device)
        self.data_B = input['B' if AtoB else 'A'].to(self.device)
        self.image_paths = input['A_paths' if AtoB else 'B_paths']

    def forward(self):
        """Used by optimize_parameters during training and by test() at test time."""
        self.output = self.netG(self.data_A)

    def backward(self):
        self.loss_G = self.criterionLoss(self.output, self.data_B) * self.opt.lambda_regression
        self.loss_G.backward()

    def optimize_parameters(self):
        """One training step: forward, gradients, update."""
        self.forward()
        self.optimizer.zero_grad()
        self.backward()
        self.optimizer.step()
