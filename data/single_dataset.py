from data.base_dataset import BaseDataset, get_transform
from data.image_folder import make_dataset
from util.image_files import load_image


class SingleDataset(BaseDataset):
    """Images of one folder (--dataroot itself), for one-direction inference with --model test."""

    def __init__(self, opt):
        BaseDataset.__init__(self, opt)
        self.A_paths = make_dataset(opt.dataroot, opt.max_dataset_size)
        self.input_nc = self.opt.output_nc if self.opt.direction == 'BtoA' else self.opt.input_nc
        self.transform = get_transform(opt, grayscale=(self.input_nc == 1))

    def __getitem__(self, index):
        A_path = self.A_paths[index]
        A = self.transform(load_image(A_path, self.input_nc))
        return {'A': A, 'A_paths': A_path}

    def __len__(self):
        return len(self.A_paths)
