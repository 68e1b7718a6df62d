"""TensorBoard event files in <checkpoints>/<name>/tensorboard (`tensorboard --logdir` there),
written with torch.utils.tensorboard. A resumed run purges, in TensorBoard's view, the points
logged after its checkpoint, so the curves hold each iteration once."""
import os


class Tracker:
    def __init__(self, opt, start_iters):
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(os.path.join(opt.checkpoints_dir, opt.name, 'tensorboard'),
                                    purge_step=start_iters + 1 if start_iters else None)

    def scalars(self, step, values):
        for tag, value in values.items():
            self.writer.add_scalar(tag, value, step)
        self.writer.flush()  # a few lines every --print_freq iterations; a kill loses none

    def images(self, step, images):
        for label, image in images.items():
            self.writer.add_image(f'visuals/{label}', image, step, dataformats='HWC')
        self.writer.flush()

    def close(self):
        self.writer.close()
