"""The contract between edge and hub: topics, wire models, purposes, signing, sealing.

Both sides import this package; it imports nothing of ours. Import what you use from its
modules (``protocol.models``, ``protocol.topics``, ...): the package itself loads none of
them, so that a command's ``--help`` does not pay for the wire models.
"""
