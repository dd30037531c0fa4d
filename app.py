"""Entry point found by `flask run` and `flask db` without --app, and by gunicorn (app:app)."""

from evaluator import create_app

app = create_app()
