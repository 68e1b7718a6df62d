import torch

from data.color import decode_lab
from .pix2pix_model import Pix2PixModel


class ColorizationModel(Pix2PixModel):
    """pix2pix from the L channel (1 channel) to the ab channels (2 channels) of CIE Lab, with
    --dataset_mode colorization. Previews and pages show the input L and the real and generated
    colour images as RGB."""

    @staticmethod
    def modify_commandline_options(parser, is_train=True):
        Pix2PixModel.modify_commandline_options(parser, is_train)
        parser.set_defaults(dataset_mode='colorization')
        return parser

    def __init__(self, opt):
        Pix2PixModel.__init__(self, opt)
        self.visual_names = ['real_A', 'real_B_rgb', 'fake_B_rgb']

    def lab2rgb(self, L, ab):
        """Scaled (L, ab) -> an RGB batch in [-1, 1], the range every visual has."""
        return decode_lab(L.detach().float(), ab.detach().float()) * 2.0 - 1.0

    def compute_visuals(self):
        with torch.no_grad():
            self.real_B_rgb = self.lab2rgb(self.real_A, self.real_B)
            self.fake_B_rgb = self.lab2rgb(self.real_A, self.fake_B)
