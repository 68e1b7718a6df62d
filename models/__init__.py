"""Models, found by file name: `--model foo` loads `models/foo_model.py`, class
`FooModel(BaseModel)`. Adding a model means adding one such file (see template_model.py)."""
from models.base_model import BaseModel
from util import registry
from util.errors import UserError


def available_models():
    return registry.available('models', 'model')


def find_model_using_name(model_name):
    return registry.find('models', 'model', model_name, BaseModel)


def get_option_setter(model_name):
    return find_model_using_name(model_name).modify_commandline_options


def create_model(opt):
    """Create the model named by opt.model.

        >>> from models import create_model
        >>> model = create_model(opt)
    """
    try:
        instance = find_model_using_name(opt.model)(opt)
    except ValueError as exc:  # model files that cannot import our UserError report bad options this way
        raise UserError(f'--model {opt.model}: {exc}') from None
    print(f'model [{type(instance).__name__}] was created')
    return instance
