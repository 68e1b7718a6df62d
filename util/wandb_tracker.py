"""A wandb run per training session: the options as its config, losses, learning rates, speed and
metrics at the iteration they were logged, the current visuals as images. WANDB_MODE=offline
writes it locally (`wandb sync` uploads it later); its files go to <checkpoints>/<name>/wandb
unless WANDB_DIR says otherwise."""
import os


def config(opt):
    """The options, as plain values wandb can store."""
    return {k: v for k, v in vars(opt).items() if isinstance(v, (bool, int, float, str, list, tuple, type(None)))}


class Tracker:
    def __init__(self, opt, start_iters):
        import wandb

        self.wandb = wandb
        run_dir = os.path.join(opt.checkpoints_dir, opt.name)
        where = os.environ.get('WANDB_DIR') or run_dir
        os.makedirs(where, exist_ok=True)
        self.run = wandb.init(project=opt.wandb_project_name, name=opt.name, config=config(opt), dir=where)
        self.run.config.update({'start_iters': start_iters})

    def scalars(self, step, values):
        self.run.log(dict(values), step=step)

    def images(self, step, images):
        self.run.log({f'visuals/{label}': self.wandb.Image(image, caption=label) for label, image in images.items()},
                     step=step)

    def close(self):
        self.run.finish()
