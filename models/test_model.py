from util.errors import UserError
from .base_model import BaseModel
from . import networks


class TestModel(BaseModel):
    """One-direction inference with a single generator, e.g. CycleGAN's G_A or a CrossNet export:
    loads <epoch>_net_G<model_suffix>.pth. Use with --dataset_mode single."""

    @staticmethod
    def modify_commandline_options(parser, is_train=True):
        if is_train:
            raise UserError('--model test only runs inference: use it with test.py')
        parser.set_defaults(dataset_mode='single')
        parser.add_argument('--model_suffix', type=str, default='',
                            help='load <epoch>_net_G[model_suffix].pth, e.g. _A for a CycleGAN or CrossNet G_A')
        return parser

    def __init__(self, opt):
        BaseModel.__init__(self, opt)
        self.visual_names = ['real', 'fake']
        self.model_names = ['G' + opt.model_suffix]
        self.netG = networks.define_G(opt.input_nc, opt.output_nc, opt.ngf, opt.netG, opt.norm,
                                      not opt.no_dropout, opt.init_type, opt.init_gain, self.gpu_ids)
        # the attribute name decides the file name loaded by load_networks
        setattr(self, 'netG' + opt.model_suffix, self.netG)

    def set_input(self, input):
        self.real = input['A'].to(self.device)
        self.image_paths = input['A_paths']

    def forward(self):
        self.fake = self.netG(self.real)

    def optimize_parameters(self):
        """Inference only."""
