"""On-disk cache of reference features, one .npy file per content key: the real test set is
measured again at every evaluation, and its Inception features are the slow part."""
import hashlib
import os
import tempfile
import warnings

import numpy as np


def default_cache_dir():
    """$XDG_CACHE_HOME/crossnet/metrics, else ~/.cache/crossnet/metrics."""
    root = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(root, 'crossnet', 'metrics')


def cache_path(cache_dir, namespace, content_key):
    """File for the features of `content_key` under the feature protocol `namespace`."""
    digest = hashlib.sha256(f'{namespace}\0{content_key}'.encode()).hexdigest()
    return os.path.join(cache_dir, f'features_{digest[:40]}.npy')


def cached_features(source, compute, cache_dir=None, namespace=''):
    """compute(source), or the copy saved when a source with the same content was computed
    before. Sources without a content key (in-memory images) are always computed."""
    key = source.content_key()
    if key is None:
        return compute(source)
    path = cache_path(cache_dir or default_cache_dir(), namespace, key)
    try:
        return np.load(path)
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        warnings.warn(f'{path}: unreadable cache entry ({exc}); computing again')
    features = compute(source)
    save_atomic(path, features)
    return features


def save_atomic(path, array):
    """Write `array` through a temporary file of its own (another process may be writing the same
    entry) and os.replace, so a reader sees the old file or the whole new one. A cache that
    cannot be written only costs time: a warning, not an error."""
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix='.tmp_', suffix='.npy')
    except OSError as exc:
        warnings.warn(f'{folder}: cannot write the feature cache ({exc.strerror})')
        return
    try:
        with os.fdopen(fd, 'wb') as f:
            np.save(f, array)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a shared --cache_dir should stay readable
        os.replace(tmp, path)
    except OSError as exc:
        warnings.warn(f'{path}: cannot write the feature cache ({exc})')
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
