"""Kaggle integration: the API client Pivot polls competitions with."""
