"""Deployment helpers: ONNX export of enhancers and scene-preprocessed task models, and
the side-by-side latency benchmark's runners (``tools/deployment``,
``tools/analysis_tools/benchmark_deploy.py``)."""
from .onnx_export import (
    EnhancerGraph,
    TaskGraph,
    all_finite,
    export_graph,
    flatten_outputs,
    graph_for,
    load_graph,
    max_abs_diff,
    onnx_session,
    run_onnx,
)

__all__ = ['EnhancerGraph', 'TaskGraph', 'all_finite', 'export_graph', 'flatten_outputs',
           'graph_for', 'load_graph', 'max_abs_diff', 'onnx_session', 'run_onnx']
