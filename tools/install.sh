#!/usr/bin/env bash
# Set up .venv with the pinned OpenMMLab stack on torch 2.14 (idempotent).
#
# mmcv 2.1.0 ships only as a source distribution whose setup.py hard-codes
# -std=c++14/-std=c++17, while torch 2.14's headers need C++20. We unpack the
# sdist, switch the standard flag, build a wheel with MMCV_WITH_OPS=1 and keep it
# in a cache outside the venv keyed by mmcv, torch, Python and CUDA, so that the
# next fresh venv installs it in seconds. FORCE_CUDA / TORCH_CUDA_ARCH_LIST are
# honoured (mmcv's own setup.py reads them) and change the cache key.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
PY=${PYTHON:-python3.11}
VENV=${VENV:-.venv}
MMCV_VERSION=2.1.0
CACHE=${MMRUAS_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmruas/wheels}
stamp="$VENV/.mmruas-installed"

if [ -f "$stamp" ] && [ "$(cat requirements.txt requirements/*.txt)" = "$(cat "$stamp")" ]; then
  exit 0
fi

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
pip() { "$VENV/bin/python" -m pip "$@"; }

# torch first: pip takes torch 2.14.1 / torchvision 0.29.1 from the local cache here.
pip install -q --upgrade "pip>=24"
pip install -q --no-compile -r requirements/torch.txt
# build tooling for mmcv (needs pkg_resources, so setuptools < 81) and mmcv's runtime deps;
# opencv-python-headless before mmcv so that mmcv's setup.py does not add opencv-python.
pip install -q --no-compile -r requirements/build.txt

# A CUDA build (a GPU visible, or FORCE_CUDA=1 with TORCH_CUDA_ARCH_LIST, e.g. on a machine
# without a GPU): use a complete system toolkit (CUDA_HOME, else /usr/local/cuda); else
# install nvcc with its NVVM back end, its headers and CCCL from PyPI, pinned to torch's CUDA
# version, into the venv, and point CUDA_HOME at a folder laid out as torch's extension
# builder expects (bin, include, lib64 with the unversioned .so names the linker asks for).
cuda_toolkit() {
  local ver site home
  for home in "${CUDA_HOME:-}" /usr/local/cuda; do
    # complete: the driver, its NVVM back end, the runtime headers and the library headers
    # torch's ATen/cuda/CUDAContextLight.h includes (a bare nvcc is not; a toolkit without
    # cuSPARSE/cuBLAS/cuSOLVER headers fails at the first .cu file: "cusparse.h: No such file")
    if [ -n "$home" ] && [ -x "$home/bin/nvcc" ] && [ -x "$home/nvvm/bin/cicc" ] \
        && [ -f "$home/include/cuda_runtime.h" ] && [ -f "$home/include/cusparse.h" ] \
        && [ -f "$home/include/cublas_v2.h" ] && [ -f "$home/include/cublasLt.h" ] \
        && [ -f "$home/include/cusolverDn.h" ]; then
      echo "[install] CUDA toolkit: $home"
      export CUDA_HOME="$home" PATH="$home/bin:$PATH"
      return
    fi
  done
  ver=$("$VENV/bin/python" -c 'import torch; print(torch.version.cuda or "")')
  [ -n "$ver" ] || { echo "[install] torch has no CUDA version; cannot build CUDA ops" >&2; exit 1; }
  echo "[install] no complete CUDA toolkit found: nvcc $ver from PyPI into $VENV"
  pip install -q --no-deps "nvidia-cuda-nvcc==$ver.*" "nvidia-cuda-cccl==$ver.*" \
    "nvidia-cuda-crt==$ver.*" "nvidia-nvvm==$ver.*"
  site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  local nv="$site/nvidia/cu${ver%%.*}"
  [ -x "$nv/bin/nvcc" ] || { echo "[install] nvcc not found under $nv" >&2; exit 1; }
  home="$(cd "$VENV" && pwd)/cuda"
  rm -rf "$home" && mkdir -p "$home/lib64"
  ln -s "$nv/bin" "$home/bin" && ln -s "$nv/include" "$home/include"
  for lib in "$nv"/lib/*.so.*; do
    local base; base=$(basename "$lib")
    ln -sf "$lib" "$home/lib64/$base" && ln -sf "$lib" "$home/lib64/${base%%.so.*}.so"
  done
  export CUDA_HOME="$home" PATH="$home/bin:$PATH"
}

key=$("$VENV/bin/python" - <<'EOF'
import os, sys, torch
cuda = 'cpu'
if torch.cuda.is_available() or os.environ.get('FORCE_CUDA', '0') == '1':
    arch = os.environ.get('TORCH_CUDA_ARCH_LIST', 'native').replace(' ', '_').replace(';', '_')
    cuda = f'cu{(torch.version.cuda or "none").replace(".", "")}-{arch}'
print(f'torch{torch.__version__.split("+")[0]}-cp{sys.version_info.major}{sys.version_info.minor}-{cuda}')
EOF
)
wheel_dir="$CACHE/mmcv-$MMCV_VERSION-$key"
if ! ls "$wheel_dir"/mmcv-*.whl >/dev/null 2>&1; then
  echo "[install] building mmcv $MMCV_VERSION with ops for $key (7-10 min on 2 CPU cores)"
  build=$(mktemp -d)
  trap 'rm -rf "$build"' EXIT
  pip download -q --no-deps --no-build-isolation --no-binary :all: "mmcv==$MMCV_VERSION" -d "$build"
  tar -xzf "$build/mmcv-$MMCV_VERSION.tar.gz" -C "$build"
  src="$build/mmcv-$MMCV_VERSION"
  if [[ "$key" != *-cpu ]]; then
    cuda_toolkit   # nvcc and the CUDA headers: the system's, or torch's CUDA version from PyPI
  fi
  # torch >= 2.10 headers require C++20; mmcv's setup.py pins older standards.
  sed -i -e 's/-std=c++14/-std=c++20/g' -e 's/-std=c++17/-std=c++20/g' "$src/setup.py"
  grep -q 'std=c++20' "$src/setup.py" || { echo "[install] could not patch mmcv's C++ standard" >&2; exit 1; }
  mkdir -p "$wheel_dir.tmp"
  MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
    "$VENV/bin/python" -m pip wheel --no-build-isolation --no-deps -w "$wheel_dir.tmp" "$src"
  rm -rf "$wheel_dir" && mv "$wheel_dir.tmp" "$wheel_dir"
fi
pip install -q --no-deps "$wheel_dir"/mmcv-*.whl
pip install -q --no-compile -r requirements.txt
# data files only (NIQE's model in basicsr): their own dependencies would replace pins
pip install -q --no-compile --no-deps --no-build-isolation -r requirements/nodeps.txt
pip install -q --no-deps -e .
"$VENV/bin/python" -c "import mmruas, mmdet.models, mmseg.models, mmpretrain.models; from mmcv.ops import nms, batched_nms"
cat requirements.txt requirements/*.txt > "$stamp"
echo "[install] ready: $VENV (mmcv wheel cache: $wheel_dir)"
