"""The PDF recommendation memo download (views registered on the evaluations blueprint)."""
