from .cli import ToolError, load_config, run_tool
from .weights import check_weight_files, clear_scene_checkpoints, weight_files

__all__ = ['ToolError', 'load_config', 'run_tool', 'check_weight_files',
           'clear_scene_checkpoints', 'weight_files']
