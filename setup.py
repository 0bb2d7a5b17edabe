"""mmruas: RUAS low-light vision as an OpenMMLab plugin.

``pip install -e .`` in an OpenMMLab environment (torch, mmengine, mmcv) pulls what the
core is missing; the detection / segmentation adapters and optional features are extras:
``pip install -e '.[det,seg]'`` or ``'.[all]'`` (tools/install.sh builds the full pinned
environment from requirements.txt).

* torch is not declared, as in OpenMMLab's own packages: the right build (CUDA version,
  CPU) is the user's choice and pip would replace it with a generic wheel.
* mmcv is declared (the core's transforms derive from ``mmcv.transforms``), with mmdet's
  bound; an environment that has it keeps its build.
* mmdet and mmsegmentation are extras, not requirements: the core (enhancement, search,
  BGL) imports neither, and mmruas.det / mmruas.seg load only when those libraries do.
  The bounds are the tested versions' minor series (mmruas patches mmdet 3.3's SSDHead).
"""
from setuptools import find_packages, setup

DET = ['mmdet>=3.3.0,<3.4']
SEG = ['mmsegmentation>=1.2.2,<1.3', 'ftfy', 'regex']  # mmseg imports ftfy/regex undeclared
RAW = ['rawpy>=0.18']                                     # SID's Sony RAW files (BGL)
BRISQUE = ['brisque>=0.2,<0.3', 'libsvm-official', 'requests']  # brisque imports requests
DEMO = ['scikit-image']                                   # backgrounds of the mini ExDark set

setup(
    name='mmruas',
    version='0.1.0',
    description='RUAS low-light vision (enhancement, detection, segmentation) for OpenMMLab',
    packages=find_packages(include=['mmruas', 'mmruas.*']),
    python_requires='>=3.10',
    include_package_data=True,
    install_requires=[
        'mmengine>=0.10.0,<1.0',
        'mmcv>=2.0.0,<2.2.0',
        'numpy',
        'Pillow',
        'pyyaml',
    ],
    extras_require={
        'det': DET,
        'seg': SEG,
        'raw': RAW,
        'brisque': BRISQUE,
        'demo': DEMO,
        'all': DET + SEG + RAW + BRISQUE + DEMO + ['mmpretrain>=1.2,<1.3'],
    },
)
