import os

from data.base_dataset import BaseDataset, get_params, get_transform
from data.image_folder import make_dataset
from util.errors import UserError
from util.image_files import load_image, split_ab


class AlignedDataset(BaseDataset):
    """Paired images stored side by side (A|B) in <dataroot>/<phase>, as pix2pix data sets are."""

    def __init__(self, opt):
        BaseDataset.__init__(self, opt)
        self.dir_AB = os.path.join(opt.dataroot, opt.phase)
        self.AB_paths = make_dataset(self.dir_AB, opt.max_dataset_size)
        if opt.preprocess != 'none' and self.opt.load_size < self.opt.crop_size:
            raise UserError(f'--crop_size {opt.crop_size} is larger than --load_size {opt.load_size}')
        btoA = self.opt.direction == 'BtoA'
        self.input_nc = self.opt.output_nc if btoA else self.opt.input_nc
        self.output_nc = self.opt.input_nc if btoA else self.opt.output_nc

    def __getitem__(self, index):
        AB_path = self.AB_paths[index]
        A, B = split_ab(load_image(AB_path), AB_path)
        # one crop position and flip for both halves, so the pair stays aligned
        transform_params = get_params(self.opt, A.size)
        A = get_transform(self.opt, transform_params, grayscale=(self.input_nc == 1))(A)
        B = get_transform(self.opt, transform_params, grayscale=(self.output_nc == 1))(B)
        return {'A': A, 'B': B, 'A_paths': AB_path, 'B_paths': AB_path}

    def __len__(self):
        return len(self.AB_paths)
