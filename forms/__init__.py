"""Loading form templates and rendering blank forms."""
