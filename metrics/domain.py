"""Domain score: does a translation look like the target domain to a linear probe?

At small sizes FID is dominated by artefacts: a translation that has plainly taken the target's
colours and textures can score worse than the untranslated input. So a logistic regression is
fitted on the Inception features of the two training sets (source 0, target 1) at the resolution
tested, and a set's score is the share it assigns to the target. Read it beside the share of the
untranslated inputs (fooled without translation) and of the real target images (judges at all).
"""
import numpy as np
import torch

from util.errors import UserError

# L2 penalty on the weights of standardised features: strong enough that 2048 features fitted on a
# few hundred images per side do not separate the training sets by memorising them.
PENALTY = 1e-2
MIN_PER_DOMAIN = 5


class DomainProbe:
    """Logistic regression on standardised features, fitted once by L-BFGS in float64 (a convex
    problem, so the fit does not depend on a seed)."""

    def __init__(self, source_features, target_features, penalty=PENALTY):
        for name, feats in (('source', source_features), ('target', target_features)):
            if len(feats) < MIN_PER_DOMAIN:
                raise UserError(f'domain score: the {name} training set has {len(feats)} images; '
                                f'the probe needs at least {MIN_PER_DOMAIN} per domain')
        x = torch.from_numpy(np.concatenate([source_features, target_features]).astype(np.float64))
        y = torch.cat([torch.zeros(len(source_features)), torch.ones(len(target_features))]).double()
        self.mean = x.mean(0)
        self.scale = x.std(0).clamp_min(1e-6)
        x = (x - self.mean) / self.scale
        # Weight the two classes equally, so an unbalanced pair of training sets does not tilt the probe.
        weights = torch.where(y == 1, len(x) / (2.0 * len(target_features)), len(x) / (2.0 * len(source_features)))
        self.w = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
        self.b = torch.zeros((), dtype=torch.float64, requires_grad=True)
        optimizer = torch.optim.LBFGS([self.w, self.b], max_iter=500, tolerance_grad=1e-9,
                                      tolerance_change=1e-12, line_search_fn='strong_wolfe')

        def closure():
            optimizer.zero_grad()
            logits = x @ self.w + self.b
            loss = (weights * torch.nn.functional.binary_cross_entropy_with_logits(logits, y, reduction='none')).mean()
            loss = loss + penalty * (self.w ** 2).sum() / 2
            loss.backward()
            return loss

        optimizer.step(closure)
        self.train_accuracy = float((self.is_target(source_features) == 0).sum()
                                    + (self.is_target(target_features) == 1).sum()) / len(x)

    def is_target(self, features):
        """Boolean array: which of the images the probe assigns to the target domain."""
        x = (torch.from_numpy(np.asarray(features, dtype=np.float64)) - self.mean) / self.scale
        with torch.no_grad():
            return (x @ self.w + self.b > 0).numpy()

    def share(self, features):
        return float(self.is_target(features).mean())
