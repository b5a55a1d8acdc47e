"""How the composition root (``kordon.app``) builds each kind of device into a node."""
