"""Staff review app (FastAPI + Jinja2, Japanese UI). ``review.app.create_app`` builds it;
importing the package starts nothing."""
