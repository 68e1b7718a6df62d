"""Kernel Inception Distance (Binkowski et al. 2018, "Demystifying MMD GANs").

KID is an unbiased estimate of the squared MMD between the two feature distributions, so unlike
FID its expectation does not depend on the number of images; it is the number to trust when a
test set holds only ~100 images.
"""
import numpy as np

from util.errors import UserError


def polynomial_kernel(x, y):
    """k(x, y) = (x.y / d + 1)^3, the paper's kernel: degree 3 compares means, covariances and
    skews with no bandwidth to tune; 1/d keeps x.y of order one, + 1 keeps the lower moments."""
    return (x @ y.T / x.shape[1] + 1) ** 3


def mmd2_unbiased(x, y):
    """Unbiased squared MMD of two equally sized samples: the k(x_i, x_i) terms are left out of
    the within-set means, which is what removes the estimator's positive bias."""
    m = len(x)
    # one product of the stacked samples gives all three blocks: a third of the BLAS calls
    both = np.concatenate([x, y])
    k = polynomial_kernel(both, both)
    k_xx, k_yy, k_xy = k[:m, :m], k[m:, m:], k[:m, m:]
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return within - 2 * k_xy.mean()


def kernel_inception_distance(fake, real, num_subsets=100, max_subset_size=1000, seed=0):
    """(mean, spread) of the unbiased MMD^2 over `num_subsets` random subsets of
    m = min(max_subset_size, n_fake, n_real) images per side.

    100 subsets of at most 1000 are the defaults of the paper, torch-fidelity and StyleGAN3, so
    numbers compare across papers. Subsets are drawn without replacement (a repeated image would
    count as two samples) from a fixed seed, and in float64 (cubing 2048-d dot products in float32
    loses the small difference between large sums). The spread only says how much the choice of
    subset moves the number; it is None when neither set is larger than m (every subset is then
    the same), and it is no uncertainty of the model's KID.
    """
    fake = np.asarray(fake, dtype=np.float64)
    real = np.asarray(real, dtype=np.float64)
    m = min(max_subset_size, len(fake), len(real))
    if m < 2:
        raise UserError(f'KID needs at least 2 images per set, got {len(fake)} and {len(real)}')
    rng = np.random.default_rng(seed)
    values = [mmd2_unbiased(fake[rng.choice(len(fake), m, replace=False)],
                            real[rng.choice(len(real), m, replace=False)])
              for _ in range(num_subsets)]
    subsampled = max(len(fake), len(real)) > m
    return float(np.mean(values)), float(np.std(values)) if subsampled else None
