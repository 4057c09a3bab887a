"""Pure core: models, status codes and rules. Imports no cv2/onnx/prefect/playwright/sqlalchemy."""
