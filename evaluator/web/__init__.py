"""Web-side helpers shared by the blueprints: the page cache (rendered page parts per data
version) and what request handlers read from the running app to hand to services."""
