"""Install visdom's web assets from the npm registry, so `python -m visdom.server` starts offline.

visdom 0.2.4 downloads ~25 JavaScript, CSS and font files from CDNs at every start
(visdom/server/build.py) and dies without internet. Every one of them is a file of a pinned npm
package, so we fetch those packages once with `npm pack` into a cache folder and copy the files
under the names build.py checks; with `static/version.built` holding visdom's version, build.py
then finds everything present and downloads nothing.

    python scripts/install_visdom_assets.py            # install (reuses the cache)
    python scripts/install_visdom_assets.py --check    # list missing files, exit 1 if any
"""
import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from util.errors import UserError, run_cli

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = REPO / '.cache' / 'visdom_assets'
MATHJAX_FILES = ('MathJax.js', 'config/Safe.js', 'config/TeX-AMS-MML_HTMLorMML.js',
                 'extensions/Safe.js', 'jax/output/SVG/config.js', 'jax/output/SVG/jax.js',
                 'jax/output/SVG/fonts/TeX/fontdata.js',
                 'jax/output/SVG/fonts/TeX/Size1/Regular/Main.js')
GLYPHS = 'dist/fonts/glyphicons-halflings-regular'

# npm package spec -> (file inside the package, destination under visdom's static/) pairs.
# Destinations are the names build.py looks for; the glyphicons svg is also copied without the
# '#fragment' that build.py keeps in its file name, because that is the name a browser requests.
ASSETS = {
    'jquery@3.1.1': [('dist/jquery.min.js', 'js/jquery.min.js')],
    'bootstrap@3.3.7': [
        ('dist/js/bootstrap.min.js', 'js/bootstrap.min.js'),
        ('dist/css/bootstrap.min.css', 'css/bootstrap.min.css'),
        *[(f'{GLYPHS}.{ext}', f'fonts/glyphicons-halflings-regular.{ext}')
          for ext in ('eot', 'woff2', 'woff', 'ttf', 'svg')],
        (f'{GLYPHS}.svg', 'fonts/glyphicons-halflings-regular.svg#glyphicons_halflingsregular'),
    ],
    'react@16.2.0': [('umd/react.production.min.js', 'js/react-react.min.js')],
    'react-dom@16.2.0': [('umd/react-dom.production.min.js', 'js/react-dom.min.js')],
    'react-modal@3.1.10': [('dist/react-modal.min.js', 'js/react-modal.min.js')],
    'plotly.js-dist-min@2.11.1': [('plotly.min.js', 'js/plotly-plotly.min.js')],
    'sjcl@1.0.7': [('sjcl.js', 'js/sjcl.js')],
    'layout-bin-packer@1.4.0': [('dist/layout-bin-packer.js', 'js/layout_bin_packer.js'),
                                ('dist/layout-bin-packer.js.map', 'js/layout-bin-packer.js.map')],
    'd3@3.5.17': [('d3.min.js', 'js/d3.v3.min.js')],
    'd3-selection-multi@1.0.1': [('build/d3-selection-multi.js', 'js/d3-selection-multi.v1.js')],
    'save-svg-as-png@1.4.17': [('lib/saveSvgAsPng.js', 'js/saveSvgAsPng.js')],
    'react-resizable@1.4.6': [('css/styles.css', 'css/react-resizable-styles.css')],
    'react-grid-layout@0.16.3': [('css/styles.css', 'css/react-grid-layout-styles.css')],
    'classnames@2.2.5': [('index.js', 'fonts/classnames')],
    'mathjax@2.7.5': [(name, f'js/mathjax/2.7.5/{name}') for name in MATHJAX_FILES],
}


def visdom_static_dir():
    """The static/ folder and version of the visdom this Python would import, found without
    importing it (that pulls in numpy and more, which takes seconds on a slow machine)."""
    spec = importlib.util.find_spec('visdom')
    if spec is None or spec.origin is None:
        raise UserError(f'visdom is not installed for {sys.executable}')
    package = Path(spec.origin).resolve().parent
    version_file = package / 'VERSION'
    version = version_file.read_text().strip() if version_file.is_file() else 'no_version_file'
    return package / 'static', version


def tarball_name(spec):
    """The file name `npm pack` gives a package spec (unscoped names only)."""
    name, version = spec.rsplit('@', 1)
    return f'{name}-{version}.tgz'


def missing_files(static_dir, version):
    """Paths under `static_dir` that visdom's build step would try to download."""
    missing = [rel for pairs in ASSETS.values() for _, rel in pairs
               if not (static_dir / rel).is_file()]
    built = static_dir / 'version.built'
    if not built.is_file() or built.read_text().strip() != version:
        missing.append('version.built')
    return missing


def npm_pack(specs, cache):
    """Download the tarballs of `specs` into `cache`; each appears there whole or not at all."""
    npm = shutil.which('npm')
    if npm is None:
        raise UserError('npm not found on PATH: install Node.js (e.g. apt-get install npm), '
                        f'or fill the cache {cache} with the tarballs of: {" ".join(specs)}')
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        proc = subprocess.run([npm, 'pack', '--loglevel', 'error', '--pack-destination', tmp,
                               *specs], capture_output=True, text=True)
        if proc.returncode != 0:
            errors = [ln.removeprefix('npm error').strip() for ln in proc.stderr.splitlines()
                      if ln.startswith('npm error') and not ln.startswith('npm error code')]
            raise UserError(f'npm pack failed: {(errors or ["no message"])[0]}')
        for spec in specs:
            got = Path(tmp) / tarball_name(spec)
            if not got.is_file():
                raise UserError(f'npm pack {spec} did not write {got.name}')
            os.replace(got, cache / got.name)


def extract(tarball, pairs, static_dir):
    """Copy (package path, static-relative destination) pairs out of an npm tarball."""
    try:
        with tarfile.open(tarball) as tar:
            members = {m.name: m for m in tar.getmembers()}
            for src, rel in pairs:
                if f'package/{src}' not in members:
                    raise UserError(f'{tarball} has no file package/{src}; '
                                    'delete it from the cache and run again')
                dest = static_dir / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                tmp = dest.with_name(dest.name + '.part')
                with tar.extractfile(members[f'package/{src}']) as fin, open(tmp, 'wb') as fout:
                    shutil.copyfileobj(fin, fout)
                os.replace(tmp, dest)
    except (tarfile.TarError, EOFError) as exc:
        raise UserError(f'{tarball} is damaged ({exc}); delete it and run again') from exc


def install(cache=DEFAULT_CACHE, static_dir=None, version=None):
    """Put every asset visdom's server needs into its static folder; returns the paths that
    were missing (static-relative), all of which now exist.

    Only packages with a missing file are touched, so a second run does nothing."""
    if static_dir is None:
        static_dir, version = visdom_static_dir()
    cache, static_dir = Path(cache), Path(static_dir)
    missing = set(missing_files(static_dir, version))
    todo = {spec: pairs for spec, pairs in ASSETS.items() if missing & {rel for _, rel in pairs}}
    fetch = [spec for spec in todo if not (cache / tarball_name(spec)).is_file()]
    if fetch:
        npm_pack(fetch, cache)
    try:
        for spec, pairs in todo.items():
            extract(cache / tarball_name(spec), pairs, static_dir)
        if 'version.built' in missing:
            (static_dir / 'version.built').write_text(version)
    except PermissionError as exc:
        raise UserError(f'cannot write into visdom\'s folder {static_dir}: {exc.strerror}; '
                        'run with a Python whose visdom you may modify') from exc
    return sorted(missing)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--check', action='store_true',
                        help='only list the missing files; exit 1 if any is missing')
    parser.add_argument('--cache', type=Path, default=DEFAULT_CACHE,
                        help='folder for the npm tarballs (default: %(default)s)')
    args = parser.parse_args()
    static_dir, version = visdom_static_dir()
    if args.check:
        missing = missing_files(static_dir, version)
        for rel in missing:
            print(f'missing: {static_dir / rel}')
        print(f'{len(missing)} of {sum(map(len, ASSETS.values())) + 1} visdom assets missing '
              f'in {static_dir}')
        sys.exit(1 if missing else 0)
    start = time.perf_counter()
    written = install(args.cache, static_dir, version)
    print(f'visdom assets: {len(written)} written into {static_dir} '
          f'in {time.perf_counter() - start:.1f}s (cache {args.cache})')


if __name__ == '__main__':
    run_cli(main)
