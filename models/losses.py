"""GAN objectives and the WGAN-GP gradient penalty."""
import torch
import torch.nn as nn


class GANLoss(nn.Module):
    """`loss(prediction, target_is_real)` for lsgan (MSE), vanilla (BCE on logits) or wgangp
    (signed mean). Target labels are buffers, so they follow the module to the device; a
    real label below 1 gives one-sided label smoothing."""

    def __init__(self, gan_mode, target_real_label=1.0, target_fake_label=0.0):
        super().__init__()
        self.register_buffer('real_label', torch.tensor(target_real_label))
        self.register_buffer('fake_label', torch.tensor(target_fake_label))
        self.gan_mode = gan_mode
        if gan_mode == 'lsgan':
            self.loss = nn.MSELoss()
        elif gan_mode == 'vanilla':
            self.loss = nn.BCEWithLogitsLoss()
        elif gan_mode == 'wgangp':
            self.loss = None
        else:
            raise NotImplementedError(f'gan mode {gan_mode} not implemented')

    def get_target_tensor(self, prediction, target_is_real):
        target_tensor = self.real_label if target_is_real else self.fake_label
        return target_tensor.to(prediction.dtype).expand_as(prediction)

    def __call__(self, prediction, target_is_real):
        if self.gan_mode == 'wgangp':
            return -prediction.mean() if target_is_real else prediction.mean()
        return self.loss(prediction, self.get_target_tensor(prediction, target_is_real))


def cal_gradient_penalty(netD, real_data, fake_data, device, type='mixed', constant=1.0, lambda_gp=10.0):
    """WGAN-GP (Gulrajani et al. 2017): penalise the critic's gradient norm away from `constant`
    at real, fake or interpolated ('mixed') points. Returns (penalty, gradients)."""
    if lambda_gp <= 0.0:
        return 0.0, None
    if type == 'real':
        interpolatesv = real_data
    elif type == 'fake':
        interpolatesv = fake_data
    elif type == 'mixed':
        alpha = torch.rand(real_data.shape[0], 1, 1, 1, device=device).expand_as(real_data)
        interpolatesv = alpha * real_data + (1 - alpha) * fake_data
    else:
        raise NotImplementedError(f'{type} not implemented')
    interpolatesv = interpolatesv.detach().requires_grad_(True)
    disc_interpolates = netD(interpolatesv)
    gradients = torch.autograd.grad(outputs=disc_interpolates, inputs=interpolatesv,
                                    grad_outputs=torch.ones_like(disc_interpolates),
                                    create_graph=True, retain_graph=True, only_inputs=True)[0]
    gradients = gradients.reshape(real_data.size(0), -1)
    gradient_penalty = (((gradients + 1e-16).norm(2, dim=1) - constant) ** 2).mean() * lambda_gp
    return gradient_penalty, gradients


def discriminator_features(netD, x):
    """The outputs of every LeakyReLU of a PatchGAN (NLayerDiscriminator or PixelDiscriminator),
    then its prediction, by running its Sequential layer by layer (the weights and their
    state_dict keys are the discriminator's own)."""
    netD = getattr(netD, 'module', netD)
    layers = netD.model if hasattr(netD, 'model') else netD.net
    features = []
    for layer in layers:
        x = layer(x)
        if isinstance(layer, nn.LeakyReLU):
            features.append(x)
    return features, x
