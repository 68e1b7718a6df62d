"""sRGB <-> CIE L*a*b* (D65 white, 2-degree observer) in torch, so colorization needs no scikit-image.

Tensors are (..., 3, H, W); RGB in [0, 1]. `encode_lab` / `decode_lab` add the [-1, 1] scaling
colorization trains on: L / 50 - 1 and ab / 110, as upstream.
"""
import torch

# linear sRGB -> XYZ (IEC 61966-2-1) and the D65 reference white
_RGB_TO_XYZ = torch.tensor([[0.412453, 0.357580, 0.180423],
                            [0.212671, 0.715160, 0.072169],
                            [0.019334, 0.119193, 0.950227]], dtype=torch.float64)
_XYZ_TO_RGB = torch.linalg.inv(_RGB_TO_XYZ)
_WHITE_D65 = torch.tensor([0.95047, 1.0, 1.08883], dtype=torch.float64)
_DELTA = 6.0 / 29.0  # where the Lab companding switches from cube root to linear
L_SCALE, AB_SCALE = 50.0, 110.0


def _mix(matrix, image):
    """Apply a 3x3 colour matrix along the channel axis (-3)."""
    return torch.einsum('ij,...jhw->...ihw', matrix.to(image), image)


def _per_channel(vector, image):
    return vector.to(image).view(3, 1, 1)


def rgb_to_lab(rgb):
    """sRGB in [0, 1] -> (L in [0, 100], a, b)."""
    linear = torch.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = _mix(_RGB_TO_XYZ, linear) / _per_channel(_WHITE_D65, rgb)
    f = torch.where(xyz > _DELTA ** 3, xyz.clamp(min=_DELTA ** 3) ** (1.0 / 3.0), xyz / (3 * _DELTA ** 2) + 4.0 / 29.0)
    fx, fy, fz = f.unbind(-3)
    return torch.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], dim=-3)


def lab_to_rgb(lab):
    """(L, a, b) -> sRGB in [0, 1]; colours outside the sRGB gamut are clipped."""
    L, a, b = lab.unbind(-3)
    fy = (L + 16.0) / 116.0
    f = torch.stack([fy + a / 500.0, fy, fy - b / 200.0], dim=-3)
    xyz = torch.where(f > _DELTA, f ** 3, 3 * _DELTA ** 2 * (f - 4.0 / 29.0)) * _per_channel(_WHITE_D65, lab)
    linear = _mix(_XYZ_TO_RGB, xyz).clamp(0.0, 1.0)
    rgb = torch.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1.0 / 2.4) - 0.055)
    return rgb.clamp(0.0, 1.0)


def encode_lab(rgb):
    """sRGB in [0, 1] -> (L, ab), each scaled to about [-1, 1]."""
    lab = rgb_to_lab(rgb)
    return lab[..., :1, :, :] / L_SCALE - 1.0, lab[..., 1:, :, :] / AB_SCALE


def decode_lab(L, ab):
    """The inverse of encode_lab: scaled (L, ab) -> sRGB in [0, 1]."""
    return lab_to_rgb(torch.cat([(L + 1.0) * L_SCALE, ab * AB_SCALE], dim=-3))
