"""Interpreted mode: make ``acrn.*`` imports load the ``.py`` sources even where a compiled module sits
beside them (the normal import system prefers extension modules)."""
import importlib.machinery as _m
import sys


class _SourceOnlyFinder:
    """A meta-path finder that resolves ``acrn`` submodules with a source-only FileFinder."""

    prefix = "acrn."

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith(self.prefix) or path is None:
            return None
        for entry in path:
            finder = _m.FileFinder(entry, (_m.SourceFileLoader, _m.SOURCE_SUFFIXES))
            spec = finder.find_spec(fullname)
            if spec is not None:
                return spec
        return None


def install() -> None:
    if not any(isinstance(f, _SourceOnlyFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _SourceOnlyFinder())
