"""Maps the project's folders to clear import names.

`server/` is imported as `lessonl` and `lessons_store/` as `lessonl_store`; subpackages are
found automatically so that adding a folder never needs an edit here.
"""
from setuptools import find_packages, setup

FOLDERS = {"lessonl": "server", "lessonl_store": "lessons_store"}


def _packages() -> list[str]:
    found: list[str] = []
    for name, folder in FOLDERS.items():
        found.append(name)
        found.extend(f"{name}.{sub}" for sub in find_packages(folder))
    return found


setup(packages=_packages(), package_dir=FOLDERS)
