"""Plug-in by file name: `<package>/<name>_<kind>.py` holds class `<Name><Kind>` (case and
underscores ignored), the upstream convention used for models and data sets."""
import importlib
import os

from util.errors import UserError


def available(package, kind):
    """Names of the plug-ins of one kind, e.g. available('models', 'model') -> ['cycle_gan', ...]."""
    folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), package)
    suffix = f'_{kind}.py'
    return sorted(f[:-len(suffix)] for f in os.listdir(folder) 
                  if f.endswith(suffix) and not f.startswith('.') and f != f'base{suffix}')


def find(package, kind, name, base):
    """The class for `name`, a subclass of `base`; a one-line UserError listing the choices otherwise."""
    choices = available(package, kind)
    if name not in choices:
        raise UserError(f'unknown --{"model" if kind == "model" else "dataset_mode"} {name!r}; '
                        f'available: {", ".join(choices)}')
    module = importlib.import_module(f'{package}.{name}_{kind}')
    wanted = (name.replace('_', '') + kind).lower()
    for cls_name, cls in vars(module).items():
        if cls_name.lower() == wanted and isinstance(cls, type) and issubclass(cls, base):
            return cls
    raise UserError(f'{package}/{name}_{kind}.py must define a subclass of {base.__name__} '
                    f'named {wanted} (case-insensitive)')
