from setuptools import find_packages, setup

setup(
    name='mmruas',
    version='0.1.0',
    description='RUAS low-light vision (enhancement, detection, segmentation) for OpenMMLab',
    packages=find_packages(include=['mmruas', 'mmruas.*']),
    python_requires='>=3.10',
    include_package_data=True,
)
