"""The shared domain: what the edge's kiosk and the hub's phone pages both use.

The product catalog and its feeds, store maps and routes, recommendations, the
languages shoppers read, and the error root. The edge and the hub are peers that meet
only on the wire (``protocol``) and here.
"""
