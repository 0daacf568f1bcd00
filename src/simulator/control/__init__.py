"""The /_sim/ control plane: a Python facade on the World (api.py) and its HTTP blueprint (routes.py)."""
