"""Backends of the domain's ports (the ONNX model runner), injected by the command lines."""
