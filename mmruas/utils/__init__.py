from .cli import ToolError, load_config, run_tool

__all__ = ['ToolError', 'load_config', 'run_tool']
