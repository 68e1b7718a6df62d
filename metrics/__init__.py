"""Evaluation metrics: FID and KID (standard Inception features), and L1 / PSNR / SSIM against
ground truth. Everything goes through compute_metrics; see metric_main.py."""
from .image_source import ImageSource
from .metric_main import MetricReport, compute_metrics, list_metrics, register_metric

__all__ = ['ImageSource', 'MetricReport', 'compute_metrics', 'list_metrics', 'register_metric']
