"""Infrastructure: work at the app's edges that is neither a use case nor a page.

backup.py (SQLite online backup, pg_dump/pg_restore), inbox.py (CSV files dropped in a folder,
imported through the services), webhooks.py (outbox rows and their HTTP delivery).
"""
