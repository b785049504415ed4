"""Serve the app in its own process for the two-instance tests:
``python -m tests.state.serve_app PORT`` with the app's settings as JSON in TEST_APP_CONFIG."""
from __future__ import annotations

import json
import os
import sys

from werkzeug.serving import make_server

from app import create_app


def main() -> None:
    app = create_app(json.loads(os.environ["TEST_APP_CONFIG"]))
    server = make_server("127.0.0.1", int(sys.argv[1]), app, threaded=True)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
