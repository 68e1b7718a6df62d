from util.errors import UserError

from .base_options import BaseOptions


class TestOptions(BaseOptions):
    """Test options; test.py also fixes the loader to one image at a time, in order, unflipped."""

    def initialize(self, parser):
        parser = BaseOptions.initialize(self, parser)
        parser.add_argument('--results_dir', type=str, default='./results/', help='saves results here.')
        parser.add_argument('--aspect_ratio', type=float, default=1.0, help='aspect ratio of result images')
        parser.add_argument('--phase', type=str, default='test', help='train, val, test, etc')
        parser.add_argument('--eval', action='store_true', help='use eval mode during test time.')
        parser.add_argument('--num_test', type=int, default=50, help='how many test images to run')
        parser.set_defaults(model='test')
        # load_size = crop_size: test images are resized, never cropped
        parser.set_defaults(load_size=parser.get_default('crop_size'))
        self.isTrain = False
        return parser

    def validate(self, opt):
        BaseOptions.validate(self, opt)
        if opt.aspect_ratio <= 0:
            raise UserError(f'--aspect_ratio must be positive, got {opt.aspect_ratio}')
