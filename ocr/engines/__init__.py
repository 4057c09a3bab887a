"""Recognition engine adapters (one module each)."""
