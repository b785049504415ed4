"""WTForms classes, one module per form: validation and conversion only."""
