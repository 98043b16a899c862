import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _warm() -> None:
    """Import every view (the URLconf) and load the intake parsers' data when the web process starts, not
    on its first request (a cold first request took seconds: the knowledge base's matcher pulls in
    scikit-learn, the address parser its division tables)."""
    from django.urls import get_resolver

    from doorstep.customers.parsing import warm_up

    get_resolver().url_patterns  # noqa: B018 - the import is the point
    warm_up()


_warm()
