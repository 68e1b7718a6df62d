"""Per-image distances of a translation to its ground truth (aligned data: facades, maps).

All take two H x W x C arrays of the same shape in [0, data_range]: uint8 images with the
default data_range=255, or floats in [0, 1] with data_range=1.
"""
import numpy as np
from scipy.ndimage import correlate1d

SSIM_WINDOW = 11
SSIM_SIGMA = 1.5


def l1(fake, real, data_range=255):
    """Mean absolute pixel difference on the [0, 1] scale, the scale of pix2pix's L1 loss."""
    return float(np.abs(_float(fake) - _float(real)).mean() / data_range)


def psnr(fake, real, data_range=255):
    """Peak signal-to-noise ratio in dB over all pixels and channels; inf for identical images."""
    mse = np.square(_float(fake) - _float(real)).mean()
    return float('inf') if mse == 0 else float(10 * np.log10(data_range ** 2 / mse))


def gaussian_window(size=SSIM_WINDOW, sigma=SSIM_SIGMA):
    """1-D normalised Gaussian taps; SSIM's 2-D window is their outer product (separable)."""
    x = np.arange(size) - (size - 1) / 2
    taps = np.exp(-x ** 2 / (2 * sigma ** 2))
    return taps / taps.sum()


def ssim(fake, real, data_range=255):
    """SSIM of Wang et al. (2004): 11 x 11 Gaussian window with sigma 1.5, K1 = 0.01, K2 = 0.03,
    constants scaled by data_range, averaged over the window positions that fit inside the image
    ("valid", as the reference MATLAB code) and over the colour channels."""
    x, y = _float(fake), _float(real)
    if min(x.shape[:2]) < SSIM_WINDOW:
        raise ValueError(f'SSIM needs images of at least {SSIM_WINDOW} x {SSIM_WINDOW} pixels, got {x.shape[:2]}')
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    mu_x, mu_y = _local_mean(x), _local_mean(y)
    var_x = _local_mean(x * x) - mu_x ** 2
    var_y = _local_mean(y * y) - mu_y ** 2
    cov_xy = _local_mean(x * y) - mu_x * mu_y
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * cov_xy + c2)) / ((mu_x ** 2 + mu_y ** 2 + c1) * (var_x + var_y + c2))
    return float(ssim_map.mean())


def _local_mean(image):
    """Gaussian-weighted mean around each pixel, kept only where the whole window lies inside the
    image: filtering with any padding and cutting the border off equals a 'valid' filter."""
    window = gaussian_window()
    out = correlate1d(correlate1d(image, window, axis=0), window, axis=1)
    border = SSIM_WINDOW // 2
    return out[border:-border, border:-border]


def _float(image):
    image = np.asarray(image, dtype=np.float64)
    return image if image.ndim == 3 else image[..., None]
