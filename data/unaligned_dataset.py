import os
import random

from data import pairs
from data.base_dataset import BaseDataset, get_transform
from data.image_folder import make_dataset
from util.image_files import load_image


class UnalignedDataset(BaseDataset):
    """Unpaired images from <dataroot>/<phase>A and <dataroot>/<phase>B.

    B is drawn at random for every A (or in order with --serial_batches), so the two sets may
    have different sizes and no correspondence is assumed. The pair options (data/pairs.py) may add
    hidden pairs to the two sets, or serve pairs beside them (--explicit_pairs).
    """

    @staticmethod
    def modify_commandline_options(parser, is_train):
        return pairs.add_options(parser, is_train)

    def __init__(self, opt):
        BaseDataset.__init__(self, opt)
        self.dir_A = os.path.join(opt.dataroot, opt.phase + 'A')
        self.dir_B = os.path.join(opt.dataroot, opt.phase + 'B')
        self.A_paths = make_dataset(self.dir_A, opt.max_dataset_size)
        self.B_paths = make_dataset(self.dir_B, opt.max_dataset_size)
        self.A_paths, self.B_paths, self.explicit_pairs = pairs.inject(opt, self.A_paths, self.B_paths)
        self.A_size = len(self.A_paths)
        self.B_size = len(self.B_paths)
        btoA = self.opt.direction == 'BtoA'
        self.input_nc = self.opt.output_nc if btoA else self.opt.input_nc
        self.output_nc = self.opt.input_nc if btoA else self.opt.output_nc
        self.transform_A = get_transform(self.opt, grayscale=(self.input_nc == 1))
        self.transform_B = get_transform(self.opt, grayscale=(self.output_nc == 1))

    def __getitem__(self, index):
        A_path = self.A_paths[index % self.A_size]
        if self.opt.serial_batches:
            index_B = index % self.B_size
        else:
            index_B = random.randint(0, self.B_size - 1)
        B_path = self.B_paths[index_B]
        A = self.transform_A(load_image(A_path, self.input_nc))
        B = self.transform_B(load_image(B_path, self.output_nc))
        item = {'A': A, 'B': B, 'A_paths': A_path, 'B_paths': B_path}
        if self.explicit_pairs:
            item.update(pairs.paired_item(self.opt, self.explicit_pairs, self.input_nc, self.output_nc))
        return item

    def __len__(self):
        """An epoch visits every image of the larger set."""
        return max(self.A_size, self.B_size)
