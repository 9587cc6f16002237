"""``instore-sim attack``: a store with its real security, attacked from outside.

Probes (``probes_*.py``, registered by name in ``registry.py``) each try one attack and
say whether it worked; ``arena.py`` gives them the target and the judge's means;
``run.py`` runs them in order (the revocation last, as it changes the store).
"""
