<html><head><title>404 Not Found</title></head><body>nginx</body></html>
