"""PatchGAN discriminators with upstream's layer order (checkpoint-compatible keys)."""
import torch.nn as nn

from .generators import uses_bias


class NLayerDiscriminator(nn.Module):
    """PatchGAN: with n_layers=3 each output value judges a 70x70 patch of the input."""

    def __init__(self, input_nc, ndf=64, n_layers=3, norm_layer=nn.BatchNorm2d):
        super().__init__()
        use_bias = uses_bias(norm_layer)
        kw, padw = 4, 1
        sequence = [nn.Conv2d(input_nc, ndf, kernel_size=kw, stride=2, padding=padw), nn.LeakyReLU(0.2, True)]
        nf_mult = 1
        for n in range(1, n_layers + 1):
            nf_mult_prev, nf_mult = nf_mult, min(2 ** n, 8)
            stride = 2 if n < n_layers else 1
            sequence += [nn.Conv2d(ndf * nf_mult_prev, ndf * nf_mult, kernel_size=kw, stride=stride, padding=padw, bias=use_bias),
                         norm_layer(ndf * nf_mult), nn.LeakyReLU(0.2, True)]
        sequence += [nn.Conv2d(ndf * nf_mult, 1, kernel_size=kw, stride=1, padding=padw)]
        self.model = nn.Sequential(*sequence)

    def forward(self, input):
        return self.model(input)


def fits(side, n_layers):
    """Whether NLayerDiscriminator runs on `side` x `side` input: every normalised feature map
    needs more than one value, and the output at least one."""
    side = (side - 2) // 2 + 1  # the first conv: kernel 4, stride 2, padding 1, no norm
    for n in range(1, n_layers + 1):
        side = (side - 2) // 2 + 1 if n < n_layers else side - 1
        if side < 2:
            return False
    return side - 1 >= 1


class PixelDiscriminator(nn.Module):
    """1x1 PatchGAN: judges each pixel on its own (colour statistics, no structure)."""

    def __init__(self, input_nc, ndf=64, norm_layer=nn.BatchNorm2d):
        super().__init__()
        use_bias = uses_bias(norm_layer)
        self.net = nn.Sequential(
            nn.Conv2d(input_nc, ndf, kernel_size=1, stride=1, padding=0), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, kernel_size=1, stride=1, padding=0, bias=use_bias), norm_layer(ndf * 2),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, 1, kernel_size=1, stride=1, padding=0, bias=use_bias))

    def forward(self, input):
        return self.net(input)
