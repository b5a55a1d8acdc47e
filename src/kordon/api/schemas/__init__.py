"""Request and response models of the operator API, one module per resource."""
