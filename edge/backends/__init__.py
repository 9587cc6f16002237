"""Real backends for the edge ports: the OpenCV camera and the bleak scanner."""
