import os

import torchvision.transforms as transforms

from data.base_dataset import BaseDataset, get_transform
from data.image_folder import make_dataset
from data.color import encode_lab
from util.errors import UserError
from util.image_files import load_image


class ColorizationDataset(BaseDataset):
    """Colour photos in <dataroot>/<phase>, split into A = the L channel (1 x H x W) and B = the
    ab channels (2 x H x W) of CIE Lab, both scaled to [-1, 1]. Used by --model colorization."""

    @staticmethod
    def modify_commandline_options(parser, is_train):
        parser.set_defaults(input_nc=1, output_nc=2, direction='AtoB')
        return parser

    def __init__(self, opt):
        BaseDataset.__init__(self, opt)
        if (opt.input_nc, opt.output_nc, opt.direction) != (1, 2, 'AtoB'):
            raise UserError(f'--dataset_mode colorization needs --input_nc 1 --output_nc 2 --direction AtoB '
                            f'(got {opt.input_nc}, {opt.output_nc}, {opt.direction})')
        self.dir = os.path.join(opt.dataroot, opt.phase)
        self.AB_paths = make_dataset(self.dir, opt.max_dataset_size)
        # resize/crop/flip as for any data set, but keep [0, 1] RGB for the Lab conversion
        self.transform = transforms.Compose([get_transform(opt, convert=False), transforms.ToTensor()])

    def __getitem__(self, index):
        path = self.AB_paths[index]
        L, ab = encode_lab(self.transform(load_image(path)))
        return {'A': L, 'B': ab, 'A_paths': path, 'B_paths': path}

    def __len__(self):
        return len(self.AB_paths)
