"""Real backends for the edge ports: OpenCV camera, bleak scanner, onnxruntime model."""
