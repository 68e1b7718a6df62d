"""Frechet Inception Distance between two feature sets, computed as pytorch-fid computes it."""
import warnings

import numpy as np
import scipy.linalg

from util.errors import UserError


def feature_statistics(features):
    """Mean and covariance of N x D features in float64: float32 sums over 2048 x 2048 entries
    lose digits that the matrix square root then amplifies."""
    features = np.asarray(features, dtype=np.float64)
    if len(features) < 2:
        raise UserError(f'FID needs at least 2 images per set, got {len(features)}')
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2)), as pytorch-fid: with fewer
    images than feature dimensions both covariances are singular, so retry with `eps` on the
    diagonals when the root is not finite, and drop the imaginary part rounding leaves, but refuse
    one above 1e-3 on the diagonal: the root is then not real and the number would mean nothing."""
    diff = mu1 - mu2
    with warnings.catch_warnings():
        # "Matrix is singular" is the normal case here (pytorch-fid silences it with disp=False).
        warnings.simplefilter('ignore', scipy.linalg.LinAlgWarning)
        covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
        if not np.isfinite(covmean).all():
            offset = np.eye(len(sigma1)) * eps
            covmean = scipy.linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        imaginary = np.abs(np.diagonal(covmean).imag).max()
        if imaginary > 1e-3:
            raise UserError(f'FID: the square root of the covariance product has an imaginary part of '
                            f'{imaginary:.3g} (more than 1e-3, where pytorch-fid stops too); the feature sets '
                            f'are too small or degenerate for FID: measure more images')
        covmean = covmean.real
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def fid_from_features(fake, real):
    """FID of two N x D feature arrays."""
    return frechet_distance(*feature_statistics(fake), *feature_statistics(real))
